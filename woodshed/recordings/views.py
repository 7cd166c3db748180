"""Recording pages (record, upload, play, comment) and the signed media links."""

from __future__ import annotations

import secrets
import uuid

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from pydantic import ValidationError

from woodshed import policy
from woodshed.db import utcnow
from woodshed.errors import DomainError, FormErrors, Problem
from woodshed.recordings import services
from woodshed.recordings.media import media_response
from woodshed.recordings.models import Recording
from woodshed.recordings.schemas import CommentIn, RecordingFields
from woodshed.security import CSP
from woodshed.validation import form_to_dict, validation_problem

bp = Blueprint("recordings", __name__)


@bp.get("/media/recordings/<token>")
def media(token: str):
    """A recording's file behind a signed, expiring link (no sign-in: audio elements follow it)."""
    return media_response(token)


def _page(errors=None, form=None, status=200):
    profile = policy.signed_in_profile()
    recordings = services.recordings_of(profile)
    usage = services.usage(profile)
    return (
        render_template(
            "recordings/index.html",
            recordings=recordings,
            usage=usage,
            percent=min(100, round(100 * usage["used_bytes"] / max(1, usage["quota_bytes"]))),
            expiring=[
                (r, services.deleted_on(r)) for r in services.expiring_soon(recordings, utcnow())
            ],
            retention_days=services.retention_days(),
            errors=errors or {},
            form=form or {},
        ),
        status,
    )


@bp.get("/recordings")
@login_required
def index():
    return _page()


@bp.post("/recordings")
@login_required
def upload():
    """Upload without JavaScript: one multipart request (the page's script resumes instead)."""
    profile = policy.signed_in_profile(for_edit=True)
    limit = services.max_file_bytes()
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        return _page({"file": services.too_large(limit + 1).detail}, status=413)
    file = request.files.get("file")
    form = form_to_dict(request.form)
    form.pop("csrf_token", None)
    if file is None or not file.filename:
        return _page({"file": "Choose a recording to upload."}, form, status=422)
    try:
        fields = RecordingFields.model_validate({k: v for k, v in form.items() if v})
        recording = services.store_recording(profile, file.stream, fields, filename=file.filename)
    except ValidationError as exc:
        return _page(validation_problem(exc).messages, form, status=422)
    except DomainError as exc:
        return _page(exc.messages, form, status=422)
    except Problem as exc:
        return _page({"file": exc.detail}, form, status=exc.status)
    flash("Uploaded. It will be ready to play in a moment.", "success")
    return redirect(url_for("recordings.detail", recording_id=recording.id))


def _detail(recording: Recording, errors=None, form=None, status=200):
    profile = policy.signed_in_profile(for_edit=False)
    # wavesurfer.js styles its waveform with a <style> element: this page alone allows
    # that one element, by a nonce made for this response.
    nonce = secrets.token_urlsafe(16)
    response = make_response(
        render_template(
            "recordings/detail.html",
            recording=recording,
            out=services.recording_out(recording),
            comments=services.comments_of(recording),
            tempo_item=services.tempo_item(recording),
            original_missing=not services.has_original(recording),
            may_comment=policy.can_comment_on_recordings(current_user, profile),
            listening_teacher=policy.is_linked_teacher(current_user, profile),
            errors=errors or {},
            form=form or {},
            style_nonce=nonce,
        ),
        status,
    )
    response.headers["Content-Security-Policy"] = CSP.replace(
        "style-src 'self'", f"style-src 'self' 'nonce-{nonce}'"
    )
    return response


@bp.get("/recordings/<uuid:recording_id>")
@login_required
def detail(recording_id: uuid.UUID):
    profile = policy.signed_in_profile()
    return _detail(policy.owned_or_404(Recording, recording_id, profile))


@bp.post("/recordings/<uuid:recording_id>/comments")
@login_required
def comment(recording_id: uuid.UUID):
    profile = policy.signed_in_profile()
    recording = policy.owned_or_404(Recording, recording_id, profile)
    form = form_to_dict(request.form)
    form.pop("csrf_token", None)
    data = {k: v for k, v in form.items() if v not in (None, "")}
    try:
        parsed = CommentIn.model_validate(data)
        services.add_comment(current_user, profile, recording, parsed)
    except ValidationError as exc:
        return _detail(recording, validation_problem(exc).messages, form, status=422)
    except FormErrors as exc:
        return _detail(recording, exc.messages, form, status=422)
    flash("Comment pinned.", "success")
    return redirect(url_for("recordings.detail", recording_id=recording.id) + "#comments")


@bp.post("/recordings/<uuid:recording_id>/listened")
@login_required
def listened(recording_id: uuid.UUID):
    """The player's report that a linked teacher has played most of the take."""
    profile = policy.signed_in_profile()
    recording = policy.owned_or_404(Recording, recording_id, profile)
    services.mark_listened(current_user, profile, recording)
    return "", 204


@bp.post("/recordings/<uuid:recording_id>/tempo-reached")
@login_required
def tempo_reached(recording_id: uuid.UUID):
    """One click: the take's tempo estimate becomes its session item's tempo reached."""
    profile = policy.signed_in_profile(for_edit=True)
    recording = policy.owned_or_404(Recording, recording_id, profile, lock=True)
    try:
        bpm = services.save_tempo_reached(current_user, profile, recording)
    except DomainError as exc:
        return _detail(recording, exc.messages, status=422)
    flash(f"Saved: {bpm} BPM reached in that session.", "success")
    return redirect(url_for("recordings.detail", recording_id=recording.id))


@bp.post("/recordings/<uuid:recording_id>/delete")
@login_required
def delete(recording_id: uuid.UUID):
    profile = policy.signed_in_profile(for_edit=True)
    recording = policy.owned_or_404(Recording, recording_id, profile)
    if profile is None:
        abort(404)
    services.delete_recording(profile, recording)
    flash("Recording deleted.", "success")
    return redirect(url_for("recordings.index"))
