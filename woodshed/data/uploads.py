"""Reading an uploaded file from a multipart request, within the import size limit."""

from __future__ import annotations

from flask import current_app, request

from woodshed.errors import DomainError, Problem

#: Room for the multipart envelope and the other form fields around the file.
ENVELOPE = 64 * 1024


def too_large(limit: int) -> Problem:
    return Problem(
        413, f"The file is larger than {limit // (1024 * 1024)} MB; split it into smaller files."
    )


def read_upload(field: str = "file") -> tuple[str, bytes]:
    """(file name, content) of the uploaded file; 413 when it is over the import limit."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    body_limit = min(
        n for n in (current_app.config.get("MAX_CONTENT_LENGTH"), limit + ENVELOPE) if n
    )
    if request.content_length is not None and request.content_length > body_limit:
        raise too_large(limit)
    request.max_content_length = body_limit
    upload = request.files.get(field)
    if upload is None or (not upload.filename and upload.content_length == 0):
        raise DomainError({field: "Choose a file to upload."})
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise too_large(limit)
    if not raw.strip():
        raise DomainError({field: "The file is empty."})
    return upload.filename or "upload", raw
