"""Recording pages and the signed media links."""

from __future__ import annotations

from flask import Blueprint

from woodshed.recordings.media import media_response

bp = Blueprint("recordings", __name__)


@bp.get("/media/recordings/<token>")
def media(token: str):
    """A recording's file behind a signed, expiring link (no sign-in: audio elements follow it)."""
    return media_response(token)
