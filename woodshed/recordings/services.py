"""Recordings: the only writers of takes, uploads, comments, sync points and storage use."""

from __future__ import annotations

import base64
import hashlib
import itertools
import logging
import math
import uuid
from datetime import timedelta
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from woodshed import events, policy
from woodshed.api.keyset import keyset_page
from woodshed.comments.services import author_of
from woodshed.db import after_commit, db, insert_ignore, new_id, on_rollback, rowcount, utcnow
from woodshed.errors import DomainError, Problem
from woodshed.journal.models import PracticeSession
from woodshed.profiles.models import MusicianProfile
from woodshed.recordings.models import (
    FILES,
    ORIGINAL,
    PEAKS,
    PLAYBACK,
    POSTER,
    Recording,
    RecordingComment,
    RecordingUpload,
    StorageUsage,
)
from woodshed.recordings.schemas import (
    CommentIn,
    MetronomeSegment,
    RecordingFields,
    RecordingQuery,
    SyncPoints,
)
from woodshed.repertoire.models import Section
from woodshed.storage import storage

log = logging.getLogger(__name__)

RECORDING_ORDER = ((Recording.created_at, True), (Recording.id, True))
#: A resumable upload not finished within this long is given up and its quota released.
UPLOAD_LIFETIME = timedelta(hours=24)
CHUNK = 1024 * 1024
MEDIA_VARIANTS = {
    "playback": PLAYBACK,
    "original": ORIGINAL,
    "peaks": PEAKS,
    "poster": POSTER,
}


# --- limits and the quota -----------------------------------------------------------------------


def max_file_bytes() -> int:
    return int(current_app.config["RECORDING_MAX_BYTES"])


def quota_bytes() -> int:
    return int(current_app.config["RECORDING_QUOTA_BYTES"])


def used_bytes(profile: MusicianProfile) -> int:
    row = db.session.get(StorageUsage, profile.id)
    return row.used_bytes if row is not None else 0


def too_large(size: int) -> Problem:
    limit = max_file_bytes() // (1024 * 1024)
    return Problem(413, f"The file is larger than {limit} MB, the limit for one recording.")


def reserve(profile: MusicianProfile, size: int) -> None:
    """Count `size` bytes against the profile's quota before a byte is stored, or answer 413.

    One conditional UPDATE (`used + size <= quota`): two uploads that start together
    against a nearly full quota cannot both pass, on either database.
    """
    if size > max_file_bytes():
        raise too_large(size)
    insert_ignore(StorageUsage, [{"profile_id": profile.id, "used_bytes": 0}], ["profile_id"])
    table = StorageUsage.__table__
    won = rowcount(
        db.session.execute(
            sa.update(table)
            .where(table.c.profile_id == profile.id, table.c.used_bytes + size <= quota_bytes())
            .values(used_bytes=table.c.used_bytes + size)
        )
    )
    if not won:
        left = max(0, quota_bytes() - used_bytes(profile))
        raise Problem(
            413,
            f"Your recordings would go over your storage quota ({left // (1024 * 1024)} MB "
            "left). Delete some recordings first.",
        )
    db.session.expire_all()


def release(profile_id: uuid.UUID, size: int) -> None:
    """Give back `size` bytes of the quota (a deleted recording, an abandoned upload)."""
    table = StorageUsage.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.profile_id == profile_id)
        .values(used_bytes=sa.case((table.c.used_bytes > size, table.c.used_bytes - size), else_=0))
    )


def usage(profile: MusicianProfile) -> dict:
    return {
        "used_bytes": used_bytes(profile),
        "quota_bytes": quota_bytes(),
        "max_file_bytes": max_file_bytes(),
    }


# --- signed media links -------------------------------------------------------------------------


class _Signer(TimestampSigner):
    """Times come from the application's clock, so tests can let a link expire."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="woodshed.recording-media", signer=_Signer
    )


def media_url(recording: Recording, variant: str) -> str:
    """A link to one file of a recording that works for MEDIA_URL_MINUTES, for anyone holding it."""
    return url_for("recordings.media", token=media_token(recording, variant))


def media_token(recording: Recording, variant: str) -> str:
    return _serializer().dumps([str(recording.id), variant])


def read_media_token(token: str) -> tuple[uuid.UUID, str]:
    """The recording and file a link names; 403 for an expired or tampered link."""
    try:
        raw = _serializer().loads(token, max_age=current_app.config["MEDIA_URL_SECONDS"])
        recording_id, variant = uuid.UUID(raw[0]), str(raw[1])
    except SignatureExpired:
        raise Problem(403, "This link has expired; open the recording again.") from None
    except (BadSignature, ValueError, TypeError, IndexError, KeyError):
        log.warning("media link with a bad signature")
        raise Problem(403, "This link is not valid.") from None
    if variant not in MEDIA_VARIANTS:
        raise Problem(403, "This link is not valid.")
    return recording_id, variant


def recording_out(recording: Recording) -> dict:
    """The API's and the page's view of a recording, with fresh signed links — made only
    for someone the policy lets listen (`policy.sees_recordings`), else a 404."""
    profile = db.session.get_one(MusicianProfile, recording.profile_id)
    if not policy.sees_recordings(profile):
        raise Problem(404, "Not found.")
    ready = recording.status == "ready"
    return {
        **{c.key: getattr(recording, c.key) for c in Recording.__table__.columns},
        "sync_points": recording.sync_points or [],
        "metronome_log": metronome_log(recording) or None,
        "media_url": media_url(recording, "playback") if ready else None,
        "original_url": media_url(recording, "original"),
        "peaks_url": media_url(recording, "peaks") if ready else None,
        "poster_url": media_url(recording, "poster") if ready and recording.has_poster else None,
    }


# --- recordings ---------------------------------------------------------------------------------


def _check_links(profile: MusicianProfile, data: dict) -> None:
    errors: dict[str, str] = {}
    if data.get("session_id") is not None:
        policy.referenced(
            PracticeSession, data["session_id"], profile, field="session_id", errors=errors
        )
    if data.get("section_id") is not None:
        policy.referenced(Section, data["section_id"], profile, field="section_id", errors=errors)
    if errors:
        raise DomainError(errors)


def store_recording(
    profile: MusicianProfile,
    stream: IO[bytes],
    fields: RecordingFields,
    *,
    filename: str | None = "",
    reserved: bool = False,
    recording_id: uuid.UUID | None = None,
) -> Recording:
    """Keep the original byte for byte and queue it for processing (`pending`)."""
    data = fields.model_dump()
    _check_links(profile, data)
    _bpm_from_log(data)
    recording = Recording(
        id=recording_id or new_id(),
        profile_id=profile.id,
        status="pending",
        original_name=(filename or "")[-255:],
        size_bytes=0,
        sha256="",
        sync_points=[],
        **data,
    )
    files = storage()
    stored = files.save(profile, recording.file(ORIGINAL), stream)
    if stored.size > max_file_bytes():
        files.delete(profile, recording.file(ORIGINAL))
        raise too_large(stored.size)
    if not reserved:
        try:
            reserve(profile, stored.size)
        except Problem:
            files.delete(profile, recording.file(ORIGINAL))
            raise
    recording.size_bytes, recording.sha256 = stored.size, stored.sha256
    recording.next_attempt_at = utcnow()
    db.session.add(recording)
    db.session.flush()
    # A rolled-back request must not leave the original behind.
    on_rollback(lambda: files.delete(profile, recording.file(ORIGINAL)))
    return recording


def list_recordings(profile: MusicianProfile, query: RecordingQuery):
    stmt = policy.owned(Recording, profile)
    if query.session_id is not None:
        stmt = stmt.where(Recording.session_id == query.session_id)
    if query.section_id is not None:
        stmt = stmt.where(Recording.section_id == query.section_id)
    return keyset_page(stmt, RECORDING_ORDER, query)


def recordings_of(profile: MusicianProfile, **where) -> list[Recording]:
    """Recordings on one session or section (`session_id=…`), newest first (for pages);
    none for someone the policy does not let listen."""
    if not policy.sees_recordings(profile):
        return []
    stmt = policy.owned(Recording, profile)
    for name, value in where.items():
        stmt = stmt.where(getattr(Recording, name) == value)
    return list(db.session.scalars(stmt.order_by(Recording.created_at.desc(), Recording.id)))


def takes_of_piece(profile: MusicianProfile, piece_id: uuid.UUID) -> list[Recording]:
    """Takes of a piece, newest first: on one of its passages, or in a session that
    practised it (the piece's page); what this request may see (`policy.owned`)."""
    from woodshed.journal.models import SessionItem

    if not policy.sees_recordings(profile):
        return []
    on_passage = sa.select(Section.id).where(Section.piece_id == piece_id)
    in_session = sa.select(SessionItem.session_id).where(SessionItem.piece_id == piece_id)
    stmt = policy.owned(Recording, profile).where(
        sa.or_(Recording.section_id.in_(on_passage), Recording.session_id.in_(in_session))
    )
    return list(db.session.scalars(stmt.order_by(Recording.created_at.desc(), Recording.id)))


def takes_by_section(recordings: list[Recording]) -> dict[uuid.UUID, list[Recording]]:
    """The takes of a piece grouped by passage (its page shows them on each passage)."""
    grouped: dict[uuid.UUID, list[Recording]] = {}
    for recording in recordings:
        if recording.section_id is not None:
            grouped.setdefault(recording.section_id, []).append(recording)
    return grouped


def has_original(recording: Recording) -> bool:
    """Whether this server holds the take's original (a take imported from a JSON export
    comes without its files)."""
    return storage().exists(recording.profile_id, recording.file(ORIGINAL))


def restored(profile: MusicianProfile, ids: list[uuid.UUID]) -> None:
    """After a restore wrote these takes: their bytes count against the quota; a take that
    was waiting for (or in) processing is queued again on this server, and so is a
    processed take whose original came with it (a ZIP export): the worker makes its
    playback copy, peaks and poster here again."""
    table = Recording.__table__
    held = storage().names(profile, "recordings/")
    with_original = [i for i in ids if ORIGINAL.format(id=i) in held]
    total = 0
    for chunk in [ids[i : i + 500] for i in range(0, len(ids), 500)]:
        total += db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(table.c.size_bytes), 0)).where(
                table.c.id.in_(chunk)
            )
        ).scalar_one()
        db.session.execute(
            sa.update(table)
            .where(table.c.id.in_(chunk), table.c.status.in_(("pending", "processing")))
            .values(status="pending", next_attempt_at=utcnow())
        )
    for chunk in [with_original[i : i + 500] for i in range(0, len(with_original), 500)]:
        db.session.execute(
            sa.update(table)
            .where(table.c.id.in_(chunk), table.c.status == "ready")
            .values(status="pending", next_attempt_at=utcnow())
        )
    insert_ignore(StorageUsage, [{"profile_id": profile.id, "used_bytes": 0}], ["profile_id"])
    usage_table = StorageUsage.__table__
    db.session.execute(
        sa.update(usage_table)
        .where(usage_table.c.profile_id == profile.id)
        .values(used_bytes=usage_table.c.used_bytes + total)
    )


# --- the tempo estimate as the tempo reached ----------------------------------------------------


def tempo_item(recording: Recording):
    """The session item a take's tempo estimate can be saved to, or None.

    The take must belong to a session and have a steady tempo; the item is the session's
    one on the take's passage, or — a take of no passage — the session's only piece item.
    """
    if recording.session_id is None or not (recording.tempo or {}).get("steady"):
        return None
    session = db.session.get(PracticeSession, recording.session_id)
    if session is None:
        return None
    pieces = [i for i in session.items if i.skill_id is None and i.piece_id is not None]
    if recording.section_id is not None:
        matching = [i for i in pieces if i.section_id == recording.section_id]
    else:
        matching = pieces if len(pieces) == 1 else []
    return matching[0] if matching else None


def save_tempo_reached(user, profile: MusicianProfile, recording: Recording):
    """Save the take's tempo estimate as its session item's tempo reached, through the
    journal service (a revision in the session's history, like any edit)."""
    from woodshed.journal import services as journal

    item = tempo_item(recording)
    if item is None or recording.tempo is None:  # tempo_item asks for a steady tempo
        raise DomainError(
            {"tempo": "This take has no steady tempo, or no item of its session to save it to."}
        )
    session = item.session
    kept = [i for i in session.items if i.piece_id or i.section_id or i.skill_id]
    fields = journal.full_fields(session)
    bpm = min(400, max(1, round(recording.tempo["bpm"])))
    fields["items"][kept.index(item)]["tempo_bpm"] = bpm
    journal.update_session(profile, session, {"items": fields["items"]}, editor_id=user.id)
    return bpm


def _bpm_from_log(data: dict) -> None:
    """A log without `metronome_bpm`: its first tempo is the tempo estimate's prior."""
    if data.get("metronome_log") and data.get("metronome_bpm") is None:
        data["metronome_bpm"] = data["metronome_log"][0]["bpm"]


def update_recording(profile: MusicianProfile, recording: Recording, changes: dict) -> None:
    _check_links(profile, changes)
    if "metronome_log" in changes:
        changes = {**changes, "metronome_log": changes["metronome_log"] or None}
        _bpm_from_log(changes)
    for name, value in changes.items():
        setattr(recording, name, value)
    if "metronome_log" in changes:
        rebar_comments(recording)
    db.session.flush()


def delete_recording(profile: MusicianProfile, recording: Recording) -> None:
    """Delete a take and, once that commits, its files from whichever store holds them."""
    release(profile.id, recording.size_bytes)
    names = [recording.file(f) for f in FILES]
    files = storage()
    profile_id = profile.id
    db.session.delete(recording)
    db.session.flush()
    after_commit(lambda: [files.delete(profile_id, n) for n in names])


def forget_session_recordings(session, **_extra) -> None:
    """`session_deleting` receiver: the session's recordings, their quota and files go too."""
    for recording in db.session.scalars(
        sa.select(Recording).where(Recording.session_id == session.id)
    ):
        profile = db.session.get_one(MusicianProfile, recording.profile_id)
        delete_recording(profile, recording)


def retention_days() -> int:
    return int(current_app.config.get("RECORDING_RETENTION_DAYS") or 0)


def deleted_on(recording: Recording):
    """When retention will delete this take (None when recordings are kept)."""
    days = retention_days()
    return recording.created_at + timedelta(days=days) if days > 0 else None


def expiring_soon(recordings: list[Recording], now) -> list[Recording]:
    """Takes retention deletes within a week: the page warns about them first."""
    return [
        r for r in recordings if (d := deleted_on(r)) is not None and d - now <= timedelta(days=7)
    ]


def apply_retention(now) -> int:
    """Worker: delete takes older than RECORDING_RETENTION_DAYS (warned on the page a week
    before), with their files; answers how many."""
    days = retention_days()
    if days <= 0:
        return 0
    old = list(
        db.session.scalars(
            sa.select(Recording).where(Recording.created_at < now - timedelta(days=days)).limit(200)
        )
    )
    for recording in old:
        delete_recording(db.session.get_one(MusicianProfile, recording.profile_id), recording)
    return len(old)


def set_sync_points(user, profile: MusicianProfile, recording: Recording, data: SyncPoints) -> None:
    """Where bars fall in the take ("bar 30 is here"), tapped by the musician or by a
    linked teacher who comments on takes; the comments whose bars were not given by their
    author move to the bars the new points give them."""
    if not policy.can_comment_on_recordings(user, profile):
        raise Problem(403, "Only the musician or a teacher who comments marks bars.")
    points = [p.model_dump() for p in data.points]
    _within(recording, [p["at_seconds"] for p in points], "points")
    recording.sync_points = points
    rebar_comments(recording)
    db.session.flush()


def rebar_comments(recording: Recording) -> None:
    """The comments whose bars were not given by their author take the bars the take's
    marks, or else its metronome log, give them now (or none)."""
    following = db.session.scalars(
        sa.select(RecordingComment).where(
            RecordingComment.recording_id == recording.id,
            sa.or_(RecordingComment.bars_from_sync, RecordingComment.bar_start.is_(None)),
        )
    )
    for comment in following:
        start, end = synced_bars(recording, comment.at_ms, comment.end_ms)
        comment.bar_start, comment.bar_end = start, end
        comment.bars_from_sync = start is not None


def _within(recording: Recording, seconds: list[float], field: str) -> None:
    if recording.duration_seconds is None:
        return
    end = recording.duration_seconds + 0.05
    if any(s > end for s in seconds):
        raise DomainError(
            {field: f"The take is only {recording.duration_seconds:.1f} seconds long."}
        )


# --- comments -----------------------------------------------------------------------------------


def metronome_log(recording: Recording) -> list[dict]:
    """The take's metronome log as checked segments; [] without one (or with one a restore
    brought that is not a log: it gives no bars rather than an error)."""
    raw = recording.metronome_log
    if not raw:
        return []
    try:
        segments = [MetronomeSegment.model_validate(s).model_dump() for s in raw]
    except (ValueError, TypeError):
        return []
    if any(b["at_ms"] <= a["at_ms"] for a, b in itertools.pairwise(segments)):
        return []
    return segments


def bar_from_log(segments: list[dict], seconds: float) -> int | None:
    """The bar at `seconds` by the metronome's log: the segment begun last, counted on in
    whole bars of its tempo and meter; None before its first downbeat."""
    ms = seconds * 1000
    begun = [s for s in segments if s["at_ms"] <= ms]
    if not begun:
        return None
    s = begun[-1]
    # Bars begun since the downbeat; the tiny allowance keeps a moment exactly on a bar
    # line in the new bar despite the float arithmetic.
    bars = math.floor((ms - s["at_ms"]) * s["bpm"] / (60000 * s["beats_per_bar"]) + 1e-9)
    return int(s["bar"] + bars)


def bars_at(recording: Recording, seconds: float) -> int | None:
    """The bar playing at `seconds`, if known: from the sync points ("bar 30 is here"),
    which are the musician's ground truth, else from the metronome's log."""
    points = recording.sync_points or []
    if not points:
        return bar_from_log(metronome_log(recording), seconds)
    before = [p for p in points if p["at_seconds"] <= seconds]
    after = [p for p in points if p["at_seconds"] > seconds]
    if before and after:
        a, b = before[-1], after[0]
        share = (seconds - a["at_seconds"]) / (b["at_seconds"] - a["at_seconds"])
        return int(a["bar"] + share * (b["bar"] - a["bar"]))
    if len(points) >= 2:
        a, b = (points[-2], points[-1]) if before else (points[0], points[1])
        per_bar = (b["at_seconds"] - a["at_seconds"]) / (b["bar"] - a["bar"])
        bar = int(a["bar"] + (seconds - a["at_seconds"]) / per_bar)
        return max(1, bar)
    return points[0]["bar"] if before else None


def synced_bars(
    recording: Recording, at_ms: int, end_ms: int | None
) -> tuple[int | None, int | None]:
    """The bars a moment or span covers by the take's sync points; (None, None) unknown."""
    start = bars_at(recording, at_ms / 1000)
    if start is None:
        return None, None
    end = bars_at(recording, (end_ms if end_ms is not None else at_ms) / 1000)
    return start, max(start, end or start)


def add_comment(user, profile: MusicianProfile, recording: Recording, data: CommentIn):
    """Pin a comment to a moment or span of the take, and to bars when they are known."""
    if not policy.can_comment_on_recordings(user, profile):
        raise Problem(404, "Not found.")
    _within(
        recording,
        [data.at_seconds, *([data.end_seconds] if data.end_seconds is not None else [])],
        "at_seconds",
    )
    if data.parent_id is not None:
        parent = db.session.get(RecordingComment, data.parent_id)
        if parent is None or parent.recording_id != recording.id:
            raise DomainError({"parent_id": "There is no such comment on this recording."})
    at_ms = round(data.at_seconds * 1000)
    end_ms = None if data.end_seconds is None else round(data.end_seconds * 1000)
    bar_start, bar_end = data.bar_start, data.bar_end
    from_sync = bar_start is None
    if bar_start is None:
        bar_start, bar_end = synced_bars(recording, at_ms, end_ms)
    elif bar_end is None or bar_end < bar_start:
        bar_end = bar_start
    comment = RecordingComment(
        profile_id=profile.id,
        recording_id=recording.id,
        author_id=user.id,
        parent_id=data.parent_id,
        at_ms=at_ms,
        end_ms=end_ms,
        bar_start=bar_start,
        bar_end=bar_end,
        bars_from_sync=from_sync and bar_start is not None,
        body=data.body,
    )
    db.session.add(comment)
    db.session.flush()
    author = author_of(comment, profile)
    events.comment_posted.send(
        profile,
        comment_id=comment.id,
        author_id=comment.author_id,
        author_name=author.display_name,
        excerpt=comment.body[:200],
        # The musician's own page of the take (a teacher's request has the student prefix).
        url=f"/recordings/{recording.id}#comment-{comment.id}",
        on="recording",
    )
    return comment


def comment_out(comment: RecordingComment, recording: Recording, authors: dict) -> dict:
    """`authors`: how each author id is shown (`comments.services.author_of`: the musician,
    a linked teacher by name, or "Former teacher" once the link ended)."""
    author = authors[comment.author_id]
    shown = {"id": author.id, "display_name": author.display_name, "role": author.role}
    return {
        "id": comment.id,
        "recording_id": comment.recording_id,
        "parent_id": comment.parent_id,
        "at_seconds": comment.at_ms / 1000,
        "end_seconds": None if comment.end_ms is None else comment.end_ms / 1000,
        "bar_start": comment.bar_start,
        "bar_end": comment.bar_end,
        "section_id": recording.section_id,
        "body": comment.body,
        "author": shown,
        "created_at": comment.created_at,
    }


def comments_of(recording: Recording) -> list[dict]:
    rows = list(
        db.session.scalars(
            sa.select(RecordingComment)
            .where(RecordingComment.recording_id == recording.id)
            .order_by(RecordingComment.at_ms, RecordingComment.created_at, RecordingComment.id)
        )
    )
    profile = db.session.get_one(MusicianProfile, recording.profile_id)
    authors = {}
    for comment in rows:
        if comment.author_id not in authors:
            authors[comment.author_id] = author_of(comment, profile)
    return [comment_out(c, recording, authors) for c in rows]


def mark_listened(user, profile: MusicianProfile, recording: Recording) -> bool:
    """ "Teacher listened": set the first time a linked teacher has played most of the take
    (the player says so); the musician sees it. Answers whether it was set now."""
    if not policy.is_linked_teacher(user, profile) or not policy.can_view_recordings(user, profile):
        return False
    if recording.listened_by_teacher_at is not None:
        return False
    table = Recording.__table__
    won = db.session.execute(
        sa.update(table)
        .where(table.c.id == recording.id, table.c.listened_by_teacher_at.is_(None))
        # The teacher's mark, not an edit of the take: its updated_at stays.
        .values(listened_by_teacher_at=utcnow(), updated_at=table.c.updated_at)
    )
    db.session.refresh(recording)
    return bool(rowcount(won))


def comments_on_bars(profile: MusicianProfile, section: Section) -> list[tuple]:
    """Comments on any take of the piece whose bars overlap the passage's (for its page)."""
    if not policy.sees_recordings(profile):
        return []
    stmt = (
        policy.owned(Recording, profile)
        .add_columns(RecordingComment)
        .join(RecordingComment, Recording.id == RecordingComment.recording_id)
        .outerjoin(Section, Section.id == Recording.section_id)
        .where(
            RecordingComment.bar_start.is_not(None),
            RecordingComment.bar_start <= section.bar_end,
            RecordingComment.bar_end >= section.bar_start,
            sa.or_(Recording.section_id == section.id, Section.piece_id == section.piece_id),
        )
        .order_by(RecordingComment.bar_start, RecordingComment.at_ms, RecordingComment.id)
    )
    return [(comment, recording) for recording, comment in db.session.execute(stmt)]


def bar_comments_by_section(
    profile: MusicianProfile, sections: list[Section], recordings: list[Recording]
) -> dict[uuid.UUID, list[tuple]]:
    """For a piece's page: each passage's comments pinned to bars that overlap it, on any
    of the piece's takes (`recordings`, already what this request may see) — one query."""
    ids = [r.id for r in recordings]
    if not ids or not sections:
        return {}
    by_id = {r.id: r for r in recordings}
    rows = list(
        db.session.scalars(
            sa.select(RecordingComment)
            .where(
                RecordingComment.profile_id == profile.id,
                RecordingComment.recording_id.in_(ids),
                RecordingComment.bar_start.is_not(None),
            )
            .order_by(RecordingComment.bar_start, RecordingComment.at_ms, RecordingComment.id)
        )
    )
    grouped: dict[uuid.UUID, list[tuple]] = {}
    for section in sections:
        for comment in rows:
            # Pinned comments only (the query); a bar_end is written with every bar_start.
            start = comment.bar_start
            end = comment.bar_end if comment.bar_end is not None else start
            if start is None or end is None:
                continue
            if start <= section.bar_end and end >= section.bar_start:
                grouped.setdefault(section.id, []).append((comment, by_id[comment.recording_id]))
    return grouped


# --- resumable uploads (tus 1.0) ----------------------------------------------------------------


def _upload_path(upload: RecordingUpload) -> Path:
    """Unfinished uploads stay on the web server's disk (STORAGE_PATH/uploads)."""
    return Path(current_app.config["STORAGE_PATH"]) / "uploads" / f"{upload.id}.part"


def parse_metadata(header: str | None) -> dict[str, str]:
    """tus `Upload-Metadata`: comma-separated `key base64value` pairs."""
    meta: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        try:
            meta[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise Problem(400, f"Upload-Metadata: {key} is not base64 of UTF-8 text.") from None
    return meta


def start_upload(profile: MusicianProfile, length: int, meta: dict[str, str]) -> RecordingUpload:
    """Begin a resumable upload: the fields are checked and the quota reserved now."""
    names = ("title", "session_id", "section_id", "metronome_bpm", "metronome_log")
    raw = {k: meta.get(k) for k in names}
    from pydantic import ValidationError

    from woodshed.validation import validation_problem

    try:
        fields = RecordingFields.model_validate({k: v for k, v in raw.items() if v})
    except ValidationError as exc:
        raise validation_problem(exc) from exc
    _check_links(profile, fields.model_dump())
    reserve(profile, length)
    upload = RecordingUpload(
        profile_id=profile.id,
        length=length,
        offset=0,
        meta={**fields.model_dump(mode="json"), "filename": (meta.get("filename") or "")[-255:]},
        expires_at=utcnow() + UPLOAD_LIFETIME,
    )
    db.session.add(upload)
    db.session.flush()
    path = _upload_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return upload


def lock_upload(profile: MusicianProfile, upload_id: uuid.UUID) -> RecordingUpload:
    """The upload, locked for this request (two PATCHes at once cannot both append)."""
    upload = policy.owned_or_404(RecordingUpload, upload_id, profile)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(RecordingUpload.id).where(RecordingUpload.id == upload.id).with_for_update()
        )
        db.session.refresh(upload)
    if upload.expires_at < utcnow() and upload.recording_id is None:
        raise Problem(410, "This upload has expired; start it again.")
    return upload


def append(upload: RecordingUpload, offset: int, stream: IO[bytes], length: int | None) -> int:
    """Append the body at `offset` (which must be the stored one); keep whatever arrived.

    A dropped connection keeps the bytes received so far: the client asks for the offset
    (HEAD) and resumes from there.
    """
    if offset != upload.offset:
        raise Problem(409, f"Upload-Offset must be {upload.offset}, where the upload stands.")
    if length is not None and offset + length > upload.length:
        raise Problem(413, "The body goes beyond the Upload-Length given at the start.")
    path = _upload_path(upload)
    room = upload.length - offset
    received = 0
    with path.open("r+b") as out:
        out.truncate(offset)
        out.seek(offset)
        try:
            while received < room:
                chunk = stream.read(min(CHUNK, room - received))
                if not chunk:
                    break
                out.write(chunk)
                received += len(chunk)
        except Exception:  # the client went away mid-body: keep what arrived
            log.info("upload %s cut off after %d bytes", upload.id, received)
        out.flush()
    upload.offset += received
    db.session.flush()
    return upload.offset


def finish_upload(profile: MusicianProfile, upload: RecordingUpload) -> Recording | None:
    """The last byte arrived: store the original and queue the recording."""
    if upload.offset < upload.length or upload.recording_id is not None:
        return None
    meta = dict(upload.meta)
    filename = meta.pop("filename", "")
    path = _upload_path(upload)
    with path.open("rb") as stream:
        recording = store_recording(
            profile, stream, RecordingFields.model_validate(meta), filename=filename, reserved=True
        )
    upload.recording_id = recording.id
    db.session.flush()
    after_commit(lambda: path.unlink(missing_ok=True))
    return recording


def cancel_upload(upload: RecordingUpload) -> None:
    """tus termination: the partial file goes and the quota it reserved comes back."""
    if upload.recording_id is None:
        release(upload.profile_id, upload.length)
    path = _upload_path(upload)
    db.session.delete(upload)
    db.session.flush()
    after_commit(lambda: path.unlink(missing_ok=True))


def expire_uploads(now) -> int:
    """Worker housekeeping: uploads left unfinished past their lifetime are given up."""
    stale = list(
        db.session.scalars(
            sa.select(RecordingUpload).where(RecordingUpload.expires_at < now).limit(500)
        )
    )
    for upload in stale:
        cancel_upload(upload)
    return len(stale)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
