"""Stored files (recordings, pending imports …), kept per musician profile.

`storage()` answers the configured backend: a local directory,
`STORAGE_PATH/profiles/<profile id>/<name>`, by default, or any S3-compatible store when
`STORAGE_S3_BUCKET` is set (`profiles/<profile id>/<name>` keys in that bucket — the same
keys either way, so `woodshed storage migrate` copies files across unchanged). Names are
relative paths chosen by the server (`imports/<uuid>.csv`), never by the uploader, and are
checked so that nothing escapes the profile's folder.
"""

from __future__ import annotations

import builtins
import hashlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from flask import current_app

NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """What the export manifest and the backup record about a file."""

    name: str
    size: int
    sha256: str


def _profile_key(profile) -> str:
    value = getattr(profile, "id", profile)
    return str(uuid.UUID(str(value)))


def check_name(name: str) -> str:
    """A relative name made of safe parts (`imports/0190….csv`); anything else is refused."""
    parts = name.split("/")
    if not name or len(name) > 512 or not all(NAME_PART.match(p) for p in parts):
        raise ValueError(f"Not a valid storage name: {name!r}")
    return name


def sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


class LocalStorage:
    """Files on the local disk, one folder per profile."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _folder(self, profile) -> Path:
        return self.root / "profiles" / _profile_key(profile)

    def _path(self, profile, name: str) -> Path:
        return self._folder(profile) / check_name(name)

    def save(self, profile, name: str, data: bytes | IO[bytes]) -> StoredFile:
        """Write a file atomically (a reader never sees half of it); replaces one of that name."""
        path = self._path(profile, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                chunks: Iterable[bytes] = (
                    [data] if isinstance(data, bytes) else iter(lambda: data.read(CHUNK), b"")
                )
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredFile(name, size, digest.hexdigest())

    def open(self, profile, name: str) -> BinaryIO:
        """Open a stored file for reading; FileNotFoundError when there is none."""
        return self._path(profile, name).open("rb")

    def exists(self, profile, name: str) -> bool:
        return self._path(profile, name).is_file()

    def size(self, profile, name: str) -> int:
        """The stored size in bytes; FileNotFoundError when there is none."""
        return self._path(profile, name).stat().st_size

    def read_range(self, profile, name: str, start: int, stop: int) -> Iterator[bytes]:
        """Bytes `start` to `stop` (exclusive) of a stored file, in chunks."""
        with self.open(profile, name) as stream:
            stream.seek(start)
            left = stop - start
            while left > 0:
                chunk = stream.read(min(CHUNK, left))
                if not chunk:
                    return
                left -= len(chunk)
                yield chunk

    def profiles(self) -> list[str]:
        """The ids of every profile that has files (for `woodshed storage migrate`)."""
        folder = self.root / "profiles"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def delete(self, profile, name: str) -> bool:
        """Remove one file; False when it was not there."""
        path = self._path(profile, name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def list(self, profile, prefix: str = "") -> list[StoredFile]:
        """Every file of the profile (optionally under `prefix`), sorted by name."""
        folder = self._folder(profile)
        if not folder.is_dir():
            return []
        files = []
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            name = path.relative_to(folder).as_posix()
            if name.startswith(prefix):
                with path.open("rb") as stream:
                    files.append(StoredFile(name, path.stat().st_size, sha256_of(stream)))
        return files

    def names(self, profile, prefix: str = "") -> set[str]:
        """The names of the profile's files under `prefix`, without reading them."""
        folder = self._folder(profile)
        if not folder.is_dir():
            return set()
        found = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        return {n for n in found if n.startswith(prefix) and not n.split("/")[-1].startswith(".")}

    def delete_all(self, profile) -> int:
        """Remove every file of the profile (account erasure); answers how many there were."""
        folder = self._folder(profile)
        if not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder)
        return count


class S3Storage:
    """Files in an S3-compatible bucket under `profiles/<profile id>/<name>` (boto3).

    Each object carries its SHA-256 in its metadata, so listing for the export manifest
    reads no bytes. Objects are written in one PUT (multipart above 8 MB, by boto3).
    """

    def __init__(self, bucket: str, client) -> None:
        self.bucket = bucket
        self.client = client

    @classmethod
    def from_config(cls, config) -> S3Storage:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=config.get("STORAGE_S3_ENDPOINT_URL") or None,
            region_name=config.get("STORAGE_S3_REGION") or None,
            aws_access_key_id=config.get("STORAGE_S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("STORAGE_S3_SECRET_ACCESS_KEY") or None,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )
        return cls(config["STORAGE_S3_BUCKET"], client)

    def _prefix(self, profile) -> str:
        return f"profiles/{_profile_key(profile)}/"

    def _key(self, profile, name: str) -> str:
        return self._prefix(profile) + check_name(name)

    def _missing(self, exc) -> bool:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    def save(self, profile, name: str, data: bytes | IO[bytes]) -> StoredFile:
        """Upload a file (objects appear whole or not at all); replaces one of that name."""
        key = self._key(profile, name)
        with tempfile.TemporaryFile() as spool:
            digest, size = hashlib.sha256(), 0
            chunks: Iterable[bytes] = (
                [data] if isinstance(data, bytes) else iter(lambda: data.read(CHUNK), b"")
            )
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                spool.write(chunk)
            spool.seek(0)
            self.client.upload_fileobj(
                spool, self.bucket, key, ExtraArgs={"Metadata": {"sha256": digest.hexdigest()}}
            )
        return StoredFile(name, size, digest.hexdigest())

    def open(self, profile, name: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(profile, name))
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(name) from None
            raise
        return answer["Body"]

    def size(self, profile, name: str) -> int:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(profile, name))
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(name) from None
            raise
        return int(head["ContentLength"])

    def exists(self, profile, name: str) -> bool:
        try:
            self.size(profile, name)
        except FileNotFoundError:
            return False
        return True

    def read_range(self, profile, name: str, start: int, stop: int) -> Iterator[bytes]:
        if stop <= start:
            return
        answer = self.client.get_object(
            Bucket=self.bucket, Key=self._key(profile, name), Range=f"bytes={start}-{stop - 1}"
        )
        yield from answer["Body"].iter_chunks(CHUNK)

    def delete(self, profile, name: str) -> bool:
        existed = self.exists(profile, name)
        self.client.delete_object(Bucket=self.bucket, Key=self._key(profile, name))
        return existed

    def _objects(self, prefix: str):
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents", [])

    def list(self, profile, prefix: str = "") -> list[StoredFile]:
        files = []
        base = self._prefix(profile)
        for obj in self._objects(base + prefix):
            head = self.client.head_object(Bucket=self.bucket, Key=obj["Key"])
            files.append(
                StoredFile(
                    obj["Key"][len(base) :],
                    int(obj["Size"]),
                    head.get("Metadata", {}).get("sha256", ""),
                )
            )
        return sorted(files, key=lambda f: f.name)

    def names(self, profile, prefix: str = "") -> set[str]:
        base = self._prefix(profile)
        return {obj["Key"][len(base) :] for obj in self._objects(base + prefix)}

    def delete_all(self, profile) -> int:
        keys = [obj["Key"] for obj in self._objects(self._prefix(profile))]
        for start in range(0, len(keys), 1000):
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in keys[start : start + 1000]]},
            )
        return len(keys)

    def profiles(self) -> builtins.list[str]:  # `list` is a method of this class
        found = set()
        for obj in self._objects("profiles/"):
            found.add(obj["Key"].split("/")[1])
        return sorted(found)


Storage = LocalStorage | S3Storage


def backend_for(config) -> Storage:
    """The backend a configuration names: S3 when a bucket is set, else the local folder."""
    if config.get("STORAGE_S3_BUCKET"):
        return S3Storage.from_config(config)
    return LocalStorage(config["STORAGE_PATH"])


def storage() -> Storage:
    """The storage backend of the current application."""
    return backend_for(current_app.config)


def migrate(source: Storage, target: Storage) -> tuple[int, int]:
    """Copy every file from one backend to another, checked by SHA-256; (copied, skipped).

    A file already in the target with the same SHA-256 is skipped, so an interrupted
    migration can simply be run again. Nothing is deleted from the source.
    """
    copied = skipped = 0
    for profile_id in source.profiles():
        there = {f.name: f.sha256 for f in target.list(profile_id)}
        for f in source.list(profile_id):
            if there.get(f.name) == f.sha256:
                skipped += 1
                continue
            with source.open(profile_id, f.name) as stream:
                stored = target.save(profile_id, f.name, stream)
            if stored.sha256 != f.sha256:
                raise RuntimeError(f"{f.name} changed while it was copied")
            copied += 1
    return copied, skipped
