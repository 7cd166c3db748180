"""Serving a recording's files behind signed, expiring links, with HTTP range requests."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, request

from woodshed.db import db
from woodshed.errors import NotFound, Problem
from woodshed.recordings import services
from woodshed.recordings.models import Recording
from woodshed.storage import storage

CONTENT_TYPES = {
    "peaks": "application/json",
    "poster": "image/jpeg",
}


def media_response(token: str) -> Response:
    """The file a signed link names: 403 when the link is bad, 404 when the file is gone,
    206 for a satisfiable `Range`, 416 for one beyond the file."""
    recording_id, variant = services.read_media_token(token)
    recording = db.session.get(Recording, recording_id)
    if recording is None:
        raise NotFound()
    if variant != "original" and recording.status != "ready":
        raise NotFound()
    name = recording.file(services.MEDIA_VARIANTS[variant])
    files = storage()
    try:
        size = files.size(recording.profile_id, name)
    except FileNotFoundError:
        raise NotFound() from None
    if variant == "playback":
        mimetype = "video/mp4" if recording.kind == "video" else "audio/mp4"
    elif variant == "original":
        mimetype = recording.mime_type or "application/octet-stream"
    else:
        mimetype = CONTENT_TYPES[variant]
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "ETag": f'"{recording.sha256[:16]}-{variant}"',
    }
    if variant == "original":
        headers["Content-Disposition"] = "attachment"
    wanted = request.range
    wanted_bad = bool(request.headers.get("Range") and wanted is None)
    if wanted_bad or (wanted is not None and (wanted.units != "bytes" or len(wanted.ranges) != 1)):
        raise Problem(416, "Ask for one byte range.", headers={"Content-Range": f"bytes */{size}"})
    start, stop, status = 0, size, 200
    if wanted is not None:
        bounds = wanted.range_for_length(size)
        if bounds is None:
            raise Problem(
                416, "The range is beyond the file.", headers={"Content-Range": f"bytes */{size}"}
            )
        start, stop = bounds
        status = 206
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    body: Iterable[bytes]
    if request.method == "HEAD":
        body = []
    else:
        body = files.read_range(recording.profile_id, name, start, stop)
    response = Response(body, status=status, mimetype=mimetype, headers=headers)
    response.content_length = stop - start
    return response
