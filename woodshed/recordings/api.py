"""`/recordings` in the JSON API: takes, resumable uploads (tus 1.0), comments, sync points."""

from __future__ import annotations

import uuid

from flask import request, url_for
from pydantic import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply, form_fields, if_match_version
from woodshed.api.pagination import Page
from woodshed.db import check_version
from woodshed.errors import DomainError, Problem
from woodshed.recordings import services
from woodshed.recordings.models import Recording, RecordingUpload
from woodshed.recordings.schemas import (
    CommentIn,
    CommentOut,
    RecordingFields,
    RecordingOut,
    RecordingQuery,
    RecordingUpdate,
    RecordingUploadForm,
    SyncPoints,
    TempoReached,
    Usage,
)
from woodshed.validation import validation_problem

api = ApiBlueprint("recordings_api", __name__, tag="Recordings")

TUS_VERSION = "1.0.0"
#: Room for the multipart envelope and the form fields around the file.
ENVELOPE = 64 * 1024
TUS_DOC = (
    "Resumable uploads follow tus 1.0 (core and creation, termination): `POST` with "
    "`Tus-Resumable: 1.0.0`, `Upload-Length` and optional `Upload-Metadata` (base64 "
    "`filename`, `title`, `session_id`, `section_id`, `metronome_bpm`, `metronome_log` as "
    "JSON text) reserves the quota "
    "and answers `201` with `Location`; `PATCH` with `Content-Type: "
    "application/offset+octet-stream` and `Upload-Offset` (which must equal the stored "
    "offset, else `409`) appends; `HEAD` answers the stored `Upload-Offset`, so a client "
    "whose connection dropped resumes from there. The last byte creates the recording "
    "(`Recording-Id` header); `DELETE` gives the upload up and its quota back."
)


def _tus_headers(**extra) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}


def _require_tus() -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise Problem(412, "Send Tus-Resumable: 1.0.0.", headers={"Tus-Version": TUS_VERSION})


def _int_header(name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isdigit() or len(raw) > 15:
        raise Problem(400, f"{name} must be a whole number of bytes.")
    return int(raw)


@api.operation(
    "GET",
    "/recordings",
    summary="Your recordings, newest first",
    query=RecordingQuery,
    response=Page[RecordingOut],
)
def list_recordings(profile, query: RecordingQuery):
    rows, cursor = services.list_recordings(profile, query)
    return Page(items=[services.recording_out(r) for r in rows], next_cursor=cursor)


@api.operation(
    "GET",
    "/recordings/usage",
    summary="How much of your storage quota your recordings take",
    response=Usage,
)
def get_usage(profile):
    return services.usage(profile)


@api.operation(
    "POST",
    "/recordings",
    summary="Upload a recording in one request",
    body=RecordingUploadForm,
    body_content_type="multipart/form-data",
    response=RecordingOut,
    status=201,
    extra_responses={413: "The file is over the per-file limit or your quota."},
    description="Multipart with `file` and the fields. The content is sniffed by the "
    "worker, whatever the name says; the answer is `pending` until it is processed. "
    "For large files or unreliable connections use the resumable `recordings/uploads`.",
)
def create_recording(profile):
    limit = services.max_file_bytes()
    if request.content_length is not None and request.content_length > limit + ENVELOPE:
        raise services.too_large(request.content_length)
    request.max_content_length = limit + ENVELOPE
    try:
        form = form_fields(RecordingUploadForm)
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise services.too_large(limit + 1) from None
    if upload is None:
        raise DomainError({"file": "Choose a file to upload."})
    try:
        fields = RecordingFields.model_validate({k: v for k, v in form.items() if v != ""})
    except ValidationError as exc:
        raise validation_problem(exc) from exc
    recording = services.store_recording(profile, upload.stream, fields, filename=upload.filename)
    return Reply(services.recording_out(recording), version=recording.version)


@api.operation(
    "GET",
    "/recordings/<uuid:recording_id>",
    summary="One recording, with fresh signed links",
    response=RecordingOut,
    etag=True,
)
def get_recording(profile, recording_id: uuid.UUID):
    recording = policy.owned_or_404(Recording, recording_id, profile)
    return Reply(services.recording_out(recording), version=recording.version)


@api.operation(
    "PATCH",
    "/recordings/<uuid:recording_id>",
    summary="Change a recording's title, session, passage or metronome log",
    body=RecordingUpdate,
    response=RecordingOut,
    etag=True,
)
def patch_recording(profile, recording_id: uuid.UUID, body):
    recording = policy.owned_or_404(Recording, recording_id, profile)
    check_version(recording, if_match_version())
    services.update_recording(profile, recording, body.model_dump(exclude_unset=True))
    return Reply(services.recording_out(recording), version=recording.version)


@api.operation(
    "DELETE",
    "/recordings/<uuid:recording_id>",
    summary="Delete a recording and its files",
    status=204,
    etag=True,
)
def delete_recording(profile, recording_id: uuid.UUID):
    recording = policy.owned_or_404(Recording, recording_id, profile)
    check_version(recording, if_match_version())
    services.delete_recording(profile, recording)


@api.operation(
    "PUT",
    "/recordings/<uuid:recording_id>/sync-points",
    summary='Say where bars fall in the take ("bar 30 is here")',
    body=SyncPoints,
    response=RecordingOut,
)
def put_sync_points(user, profile, recording_id: uuid.UUID, body: SyncPoints):
    recording = policy.owned_or_404(Recording, recording_id, profile)
    services.set_sync_points(user, profile, recording, body)
    return services.recording_out(recording)


@api.operation(
    "POST",
    "/recordings/<uuid:recording_id>/listened",
    summary='"Teacher listened": a linked teacher has played most of the take',
    response=RecordingOut,
    description="For the musician's linked teacher (scope `recordings:read`): sets "
    "`listened_by_teacher_at` the first time; the musician sees it. From the musician "
    "it changes nothing.",
)
def mark_listened(user, profile, recording_id: uuid.UUID):
    recording = policy.owned_or_404(Recording, recording_id, profile)
    services.mark_listened(user, profile, recording)
    return services.recording_out(recording)


@api.operation(
    "POST",
    "/recordings/<uuid:recording_id>/tempo-reached",
    summary="Save the take's tempo estimate as its session item's tempo reached",
    response=TempoReached,
    description="The take must belong to a session and have a steady tempo; the item is "
    "the session's item on the take's passage (a take of no passage: the session's only "
    "piece item). Otherwise 422 on `tempo`. The change is an edit of the session, with a "
    "revision in its history.",
)
def save_tempo_reached(user, profile, recording_id: uuid.UUID):
    recording = policy.owned_or_404(Recording, recording_id, profile, lock=True)
    bpm = services.save_tempo_reached(user, profile, recording)
    return {"session_id": recording.session_id, "tempo_bpm": bpm}


@api.operation(
    "GET",
    "/recordings/<uuid:recording_id>/comments",
    summary="Comments on a recording, in the order of the take",
    response=list[CommentOut],
)
def list_comments(profile, recording_id: uuid.UUID):
    recording = policy.owned_or_404(Recording, recording_id, profile)
    return services.comments_of(recording)


@api.operation(
    "POST",
    "/recordings/<uuid:recording_id>/comments",
    summary="Pin a comment to a moment or span of a recording",
    body=CommentIn,
    response=CommentOut,
    status=201,
    description="Times are seconds of the original take. Without bars, the bars come "
    "from the recording's sync points when it has some, else from its metronome log; "
    "such bars follow when the marks or the log change.",
)
def create_comment(user, profile, recording_id: uuid.UUID, body: CommentIn):
    recording = policy.owned_or_404(Recording, recording_id, profile)
    comment = services.add_comment(user, profile, recording, body)
    return next(c for c in services.comments_of(recording) if c["id"] == comment.id)


# --- tus 1.0 ------------------------------------------------------------------------------------


@api.operation(
    "POST",
    "/recordings/uploads",
    summary="Start a resumable upload (tus 1.0 creation)",
    status=201,
    extra_responses={412: "Tus-Resumable missing", 413: "Over the file limit or the quota."},
    description=TUS_DOC,
    headers=[
        {
            "name": "Tus-Resumable",
            "required": True,
            "description": "The tus protocol version; anything else answers 412.",
            "schema": {"type": "string", "enum": [TUS_VERSION]},
        },
        {
            "name": "Upload-Length",
            "required": True,
            "description": "The whole file's size in bytes.",
            "schema": {"type": "string", "pattern": "^[0-9]{1,15}$"},
        },
    ],
)
def start_upload(profile):
    _require_tus()
    length = _int_header("Upload-Length")
    meta = services.parse_metadata(request.headers.get("Upload-Metadata"))
    upload = services.start_upload(profile, length, meta)
    location = url_for("recordings_api.upload_offset", upload_id=upload.id)
    return Reply(
        None, status=201, headers=_tus_headers(Location=location, **{"Upload-Offset": "0"})
    )


@api.operation(
    "GET",
    "/recordings/uploads/<uuid:upload_id>",
    summary="Where a resumable upload stands (tus HEAD; GET answers the same headers)",
    status=204,
    description=TUS_DOC,
)
def upload_offset(profile, upload_id: uuid.UUID):
    upload = policy.owned_or_404(RecordingUpload, upload_id, profile)
    headers = _tus_headers(
        **{"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length)}
    )
    if upload.recording_id is not None:
        headers["Recording-Id"] = str(upload.recording_id)
    return Reply(None, status=204, headers=headers)


@api.operation(
    "PATCH",
    "/recordings/uploads/<uuid:upload_id>",
    summary="Append bytes to a resumable upload (tus PATCH)",
    status=204,
    extra_responses={409: "Upload-Offset is not where the upload stands."},
    description=TUS_DOC,
)
def append_upload(profile, upload_id: uuid.UUID):
    upload = services.lock_upload(profile, upload_id)
    _require_tus()
    if request.mimetype != "application/offset+octet-stream":
        raise Problem(415, "Send the bytes as application/offset+octet-stream.")
    offset = _int_header("Upload-Offset")
    services.append(upload, offset, request.stream, request.content_length)
    headers = _tus_headers(**{"Upload-Offset": str(upload.offset)})
    recording = services.finish_upload(profile, upload)
    if recording is not None:
        headers["Recording-Id"] = str(recording.id)
    return Reply(None, status=204, headers=headers)


@api.operation(
    "DELETE",
    "/recordings/uploads/<uuid:upload_id>",
    summary="Give up a resumable upload (tus termination)",
    status=204,
    description=TUS_DOC,
)
def cancel_upload(profile, upload_id: uuid.UUID):
    upload = services.lock_upload(profile, upload_id)
    _require_tus()
    services.cancel_upload(upload)
    return Reply(None, status=204, headers=_tus_headers())
