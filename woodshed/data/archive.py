"""The account export as a ZIP: the JSON document and the original files, both ways.

Writing: `export.json` (the JSON export, exactly as `GET /export` sends it) and then
`files/<name>` for each file a row names (`Part.files`: a take's original), read from
the store in chunks and written as they come — the archive is a stream, never built in
memory or on disk. Its central directory is written last, so an archive cut off by a
failure is not a readable ZIP (and the download breaks, see `services._download`).

Reading: nothing is stored before the whole archive is checked — every member is
`export.json` or `files/<a name a row of the document gives>`, its declared size the
row's, the total within the storage quota; anything else (a path like `../x`, a file the
document does not name, an encrypted member, a member that would unpack to more than it
should) refuses the archive with the reason. Each file is then streamed into the store
and its size and SHA-256 checked against the row while it is written.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO

import sqlalchemy as sa
from flask import current_app

from woodshed.data import restore
from woodshed.data.export import export_document
from woodshed.data.sections import all_parts
from woodshed.db import db, on_rollback, utcnow
from woodshed.errors import DomainError
from woodshed.profiles.models import MusicianProfile
from woodshed.storage import CHUNK, check_name, storage

DOCUMENT = "export.json"
FILES = "files/"
#: Bytes gathered in the pipe before they are handed to the response.
SEND_AT = 64 * 1024
#: More members than this is not an export (a take per member, and then some).
MAX_MEMBERS = 100_000


class _Pipe(io.RawIOBase):
    """What ZipFile writes, kept until the generator takes it (a stream without seek)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.pending = 0
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        self.pending += len(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        out = b"".join(self.chunks)
        self.chunks.clear()
        self.pending = 0
        return out


def archive_files(profile: MusicianProfile) -> Iterator[tuple[str, int, str]]:
    """(name, size, sha256) of every file the profile's rows name, in the rows' id order."""
    for part in all_parts():
        if part.files is None:
            continue
        table = part.table
        rows = db.session.connection().execute(
            sa.select(*part.columns).where(table.c.profile_id == profile.id).order_by(table.c.id)
        )
        for row in rows.mappings():
            for name, (size, sha256) in part.files(dict(row)).items():
                yield name, size, sha256


def export_archive(profile: MusicianProfile) -> Iterator[bytes]:
    """The ZIP export in chunks: `export.json`, then each original the rows name.

    The files are read after the document, in the same snapshot of the rows; a file the
    store no longer holds (its take deleted meanwhile) is left out, as a JSON export
    leaves out every file.
    """
    pipe = _Pipe()
    stamp = utcnow().timetuple()[:6]
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        document = zipfile.ZipInfo(DOCUMENT, date_time=stamp)
        document.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(document, "w") as out:
            for text in export_document(profile):
                out.write(text.encode("utf-8"))
                if pipe.pending >= SEND_AT:
                    yield pipe.take()
        files = storage()
        for name, size, _sha256 in list(archive_files(profile)):
            try:
                stream = files.open(profile, name)
            except FileNotFoundError:
                continue
            member = zipfile.ZipInfo(FILES + name, date_time=stamp)
            member.compress_type = zipfile.ZIP_STORED  # media is compressed already
            member.file_size = size
            with stream, archive.open(member, "w") as out:
                while chunk := stream.read(CHUNK):
                    out.write(chunk)
                    if pipe.pending >= SEND_AT:
                        yield pipe.take()
    yield pipe.take()


# --- reading ------------------------------------------------------------------------------------


def is_archive(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def _valid_name(name: str) -> bool:
    try:
        check_name(name)
    except ValueError:
        return False
    return True


def _refuse(message: str) -> DomainError:
    return DomainError({"file": message}, "The ZIP has problems; nothing was imported.")


class Archive:
    """An uploaded ZIP export, opened and its members checked for their shape."""

    def __init__(self, stream: IO[bytes]) -> None:
        try:
            self.zip = zipfile.ZipFile(stream)
            members = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise _refuse("The file is not a readable ZIP archive.") from None
        if len(members) > MAX_MEMBERS:
            raise _refuse(f"The ZIP holds {len(members)} files; an export holds far fewer.")
        self.document: zipfile.ZipInfo | None = None
        self.files: dict[str, zipfile.ZipInfo] = {}
        for member in members:
            self._sort(member)
        if self.document is None:
            raise _refuse(f"The ZIP holds no {DOCUMENT}: it is not a Woodshed export.")

    def _sort(self, member: zipfile.ZipInfo) -> None:
        name = member.filename
        if member.flag_bits & 0x1:
            raise _refuse(f"“{name[:200]}” is encrypted; export again without a password.")
        if name == DOCUMENT:
            if self.document is not None:
                raise _refuse(f"The ZIP holds {DOCUMENT} twice.")
            self.document = member
            return
        stored = name[len(FILES) :] if name.startswith(FILES) else ""
        if member.is_dir() and (name == FILES or _valid_name(stored.rstrip("/"))):
            return  # a folder, as other zip tools write them
        if not _valid_name(stored):
            raise _refuse(
                f"The ZIP holds “{name[:200]}”, which is not a file of a Woodshed export."
            )
        if stored in self.files:
            raise _refuse(f"The ZIP holds “{name[:200]}” twice.")
        self.files[stored] = member

    def read_document(self) -> dict:
        """The export document; refused when it would unpack to more than an import may."""
        assert self.document is not None
        limit = current_app.config["IMPORT_MAX_BYTES"]
        if self.document.file_size > limit:
            raise _refuse(
                f"{DOCUMENT} unpacks to more than {limit // (1024 * 1024)} MB, the import limit."
            )
        try:
            with self.zip.open(self.document) as stream:
                raw = stream.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            raise _refuse(f"{DOCUMENT} is damaged in the ZIP.") from None
        if len(raw) > limit:
            raise _refuse(f"{DOCUMENT} unpacks to more than it says.")
        return restore.read_document(raw)


class ArchiveFiles(restore.FileSource):
    """The originals of an archive, for `restore.restore_document`."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.expected: dict[str, tuple[int, str]] = {}

    def check(self, expected: dict[str, tuple[int, str]]) -> None:
        for name, member in self.archive.files.items():
            if name not in expected:
                raise _refuse(f"The ZIP holds “{FILES}{name}”, which no take in {DOCUMENT} names.")
            size = expected[name][0]
            if member.file_size != size:
                raise _refuse(
                    f"“{FILES}{name}” unpacks to {member.file_size} bytes; its take says {size}."
                )
        quota = current_app.config["RECORDING_QUOTA_BYTES"]
        total = sum(size for size, _sha in expected.values())
        if total > quota:
            raise _refuse(
                f"The recordings in this export take {total // (1024 * 1024)} MB, more than "
                f"the {quota // (1024 * 1024)} MB each account may keep."
            )
        self.expected = {n: expected[n] for n in self.archive.files}

    def store(self, profile: MusicianProfile, rename: Callable[[str], str]) -> int:
        files = storage()
        stored: list[str] = []
        profile_id = profile.id

        def forget() -> None:  # a restore that does not commit leaves no file behind
            for name in stored:
                files.delete(profile_id, name)

        on_rollback(forget)
        for name, (size, sha256) in self.expected.items():
            target = rename(name)
            # A member unpacks to its declared size at most (checked against the take's
            # above), and its CRC is checked at its end.
            try:
                with self.archive.zip.open(self.archive.files[name]) as member:
                    stored.append(target)
                    result = files.save(profile, target, member)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                raise _refuse(f"“{FILES}{name}” is damaged in the ZIP.") from None
            if result.size != size or result.sha256 != sha256:
                raise _refuse(
                    f"“{FILES}{name}” is not the file its take describes (size or SHA-256 differ)."
                )
        return len(stored)
