"""Recordings of practice: the takes, their comments, resumable uploads and storage use."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, object_session

from woodshed.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow
from woodshed.journal.models import PracticeSession
from woodshed.repertoire.models import _in

STATUSES = ("pending", "processing", "ready", "failed")
KINDS = ("audio", "video")

#: Where each file of a recording is kept, inside the profile's storage.
ORIGINAL = "recordings/{id}/original"
PLAYBACK = "recordings/{id}/playback.mp4"
PEAKS = "recordings/{id}/peaks.json"
POSTER = "recordings/{id}/poster.jpg"
FILES = (ORIGINAL, PLAYBACK, PEAKS, POSTER)


class Recording(IdMixin, TimestampMixin, VersionMixin, Base):
    """One take: the original bytes as uploaded, and what the worker made of them."""

    __tablename__ = "recordings"
    __table_args__ = (
        sa.CheckConstraint(_in("status", STATUSES), name="status"),
        sa.CheckConstraint("kind IS NULL OR " + _in("kind", KINDS), name="kind"),
        sa.Index("ix_recordings_profile_created", "profile_id", "created_at", "id"),
        sa.Index("ix_recordings_status_due", "status", "next_attempt_at"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("sections.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    original_name: Mapped[str] = mapped_column(sa.String(255), default="")
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    failure_reason: Mapped[str | None] = mapped_column(sa.String(300))
    kind: Mapped[str | None] = mapped_column(sa.String(8))
    mime_type: Mapped[str | None] = mapped_column(sa.String(60))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    duration_seconds: Mapped[float | None] = mapped_column(sa.Float)
    has_poster: Mapped[bool] = mapped_column(default=False)
    #: {"bpm": float | None, "steady": bool, "segments": [{start_seconds, end_seconds, bpm}]}
    tempo: Mapped[dict | None] = mapped_column(sa.JSON)
    #: [{"bar": int, "at_seconds": float}] sorted by time: where bars fall in the take.
    sync_points: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: The metronome's tempo while recording (a prior for the tempo estimate), if it ran.
    metronome_bpm: Mapped[float | None] = mapped_column(sa.Float)
    #: The metronome's log while recording (Woodshed's metronome in the browser), for bars
    #: without tapped marks: [{"at_ms": int, "bpm": float, "beats_per_bar": int, "bar": int}]
    #: in time order, one segment per change of tempo or meter (`services.bars_at`).
    metronome_log: Mapped[list | None] = mapped_column(sa.JSON)
    listened_by_teacher_at: Mapped[datetime | None] = mapped_column()
    # Processing in the worker: claimed with a lease, retried with back-off.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    lease_until: Mapped[datetime | None] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()
    retention_warned_at: Mapped[datetime | None] = mapped_column()

    def file(self, pattern: str) -> str:
        return pattern.format(id=self.id)

    @hybrid_property
    def private(self) -> bool:
        """A take of a private session is private too: the policy hides it from teachers
        (`policy.owned`, `owned_or_404`) exactly like the session."""
        if self.session_id is None:
            return False
        session = object_session(self)
        found = session.get(PracticeSession, self.session_id) if session is not None else None
        return bool(found is not None and found.private)

    @private.inplace.expression
    @classmethod
    def _private_expression(cls):
        return sa.exists().where(
            PracticeSession.id == cls.session_id, PracticeSession.private.is_(True)
        )


class RecordingComment(IdMixin, Base):
    """A comment pinned to a moment or a span of a take (ms of the original), maybe to bars."""

    __tablename__ = "recording_comments"
    __table_args__ = (
        sa.CheckConstraint("at_ms >= 0", name="at_ms"),
        sa.CheckConstraint("end_ms IS NULL OR end_ms >= at_ms", name="span"),
        sa.CheckConstraint(
            "bar_start IS NULL OR (bar_start >= 1 AND bar_end >= bar_start)", name="bars"
        ),
        sa.Index("ix_recording_comments_recording_at", "recording_id", "at_ms", "id"),
        sa.Index("ix_recording_comments_section_bars", "profile_id", "bar_start", "bar_end"),
    )

    #: The musician whose recording this is (the gate decides on it), not the author.
    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    recording_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("recordings.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("recording_comments.id", ondelete="CASCADE"), index=True
    )
    at_ms: Mapped[int] = mapped_column(sa.BigInteger)
    end_ms: Mapped[int | None] = mapped_column(sa.BigInteger)
    bar_start: Mapped[int | None] = mapped_column()
    bar_end: Mapped[int | None] = mapped_column()
    #: The bars were worked out from the take's sync points (not given by the author), so
    #: they move when the sync points do.
    bars_from_sync: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordingUpload(IdMixin, Base):
    """A resumable (tus) upload in progress; its quota is reserved from the start."""

    __tablename__ = "recording_uploads"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    length: Mapped[int] = mapped_column(sa.BigInteger)
    offset: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: What the upload's metadata asked for: title, filename, session_id, section_id.
    meta: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    recording_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class StorageUsage(Base):
    """Bytes a profile's recordings take or have reserved: raised by one conditional UPDATE."""

    __tablename__ = "storage_usage"
    __table_args__ = (sa.CheckConstraint("used_bytes >= 0", name="used_bytes"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    used_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
