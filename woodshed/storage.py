"""Stored files (recordings, pending imports …), kept per musician profile.

`storage()` answers the configured backend. Today that is a local directory,
`STORAGE_PATH/profiles/<profile id>/<name>`; an S3-compatible backend can implement the
same five methods. Names are relative paths chosen by the server (`imports/<uuid>.csv`),
never by the uploader, and are checked so that nothing escapes the profile's folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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

    def save(self, profile, name: str, data: bytes | BinaryIO) -> StoredFile:
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

    def delete_all(self, profile) -> int:
        """Remove every file of the profile (account erasure); answers how many there were."""
        folder = self._folder(profile)
        if not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder)
        return count


def storage() -> LocalStorage:
    """The storage backend of the current application."""
    return LocalStorage(current_app.config["STORAGE_PATH"])
