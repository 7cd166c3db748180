"""Reading an uploaded file from a multipart request, within the import size limit."""

from __future__ import annotations

from typing import IO

from flask import current_app, request

from woodshed.errors import DomainError, Problem

#: Room for the multipart envelope and the other form fields around the file.
ENVELOPE = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"


def too_large(limit: int) -> Problem:
    return Problem(
        413, f"The file is larger than {limit // (1024 * 1024)} MB; split it into smaller files."
    )


def archive_limit() -> int:
    """The largest ZIP export accepted: the document's limit plus a full storage quota."""
    return current_app.config["IMPORT_MAX_BYTES"] + current_app.config["RECORDING_QUOTA_BYTES"]


def read_upload(field: str = "file", *, archives: bool = False) -> tuple[str, bytes | IO[bytes]]:
    """(file name, content) of the uploaded file; 413 when it is over the import limit.

    With `archives`, a ZIP export (which holds recordings, so may be as large as a
    storage quota) is answered as the file the server spooled it to, not read into memory.
    """
    limit = current_app.config["IMPORT_MAX_BYTES"]
    app_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    plain_limit = min(n for n in (app_limit, limit + ENVELOPE) if n)
    largest = archive_limit() if archives else limit
    body_limit = largest + ENVELOPE if archives else plain_limit
    if request.content_length is not None and request.content_length > body_limit:
        raise too_large(largest)
    request.max_content_length = body_limit
    upload = request.files.get(field)
    if upload is None or (not upload.filename and upload.content_length == 0):
        raise DomainError({field: "Choose a file to upload."})
    stream = upload.stream
    if archives and stream.read(len(ZIP_MAGIC)) == ZIP_MAGIC:
        stream.seek(0, 2)
        if stream.tell() > largest:
            raise too_large(largest)
        stream.seek(0)
        return upload.filename or "upload.zip", stream
    if archives:  # not a ZIP: the limits of any other upload
        if request.content_length is not None and request.content_length > plain_limit:
            raise too_large(limit)
        stream.seek(0)
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise too_large(limit)
    if not raw.strip():
        raise DomainError({field: "The file is empty."})
    return upload.filename or "upload", raw
