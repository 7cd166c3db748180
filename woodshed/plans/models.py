"""Plans, their items and occurrences, shareable templates and the calendar feed token."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from woodshed.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow
from woodshed.repertoire.models import _in

if TYPE_CHECKING:
    from woodshed.journal.models import PracticeSession
    from woodshed.profiles.models import Instrument, MusicianProfile
    from woodshed.repertoire.models import Piece, Section, Skill

PLAN_KINDS = ("bootcamp", "course", "custom")
PLAN_STATUSES = ("active", "archived")
OCCURRENCE_STATUSES = ("scheduled", "completed", "skipped", "expired")
FLEXIBILITIES = ("fixed", "same_day", "same_week")


class Plan(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "plans"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", PLAN_KINDS), name="kind"),
        sa.CheckConstraint(_in("status", PLAN_STATUSES), name="status"),
        sa.Index("ix_plans_profile_status", "profile_id", "status"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Private notes: never copied into a template.
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(10), default="custom")
    status: Mapped[str] = mapped_column(sa.String(10), default="active")
    instrument_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("instruments.id", ondelete="SET NULL"), index=True
    )
    schedule: Mapped[dict] = mapped_column(sa.JSON)
    # Occurrences exist up to this local date; generation resumes after it.
    generated_until: Mapped[date | None]
    # After a schedule edit, slots before this instant are not generated again.
    generate_from: Mapped[datetime | None]

    items: Mapped[list[PlanItem]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PlanItem.position"
    )
    instrument: Mapped[Instrument | None] = relationship("Instrument")


class PlanItem(IdMixin, Base):
    """A piece, section or skill to practise in each occurrence, with targets."""

    __tablename__ = "plan_items"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    piece_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("pieces.id", ondelete="SET NULL"), index=True
    )
    section_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("sections.id", ondelete="SET NULL"), index=True
    )
    skill_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("skills.id", ondelete="SET NULL"), index=True
    )
    target_minutes: Mapped[int | None]
    target_tempo_bpm: Mapped[int | None]

    piece: Mapped[Piece | None] = relationship("Piece", lazy="joined")
    section: Mapped[Section | None] = relationship("Section", lazy="joined")
    skill: Mapped[Skill | None] = relationship("Skill", lazy="joined")

    @property
    def label(self) -> str:
        if self.skill is not None:
            return self.skill.name
        if self.section is not None:
            return f"{self.section.piece.title} › {self.section.label}"
        if self.piece is not None:
            return self.piece.title
        return "(deleted item)"


class PlanOccurrence(IdMixin, Base):
    """One planned practice of a plan; unique per plan and recurrence key."""

    __tablename__ = "plan_occurrences"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "recurrence_key"),
        sa.CheckConstraint(_in("status", OCCURRENCE_STATUSES), name="status"),
        sa.Index("ix_plan_occurrences_profile_start", "profile_id", "scheduled_start"),
        sa.Index("ix_plan_occurrences_status_window", "status", "window_end"),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    # The original local start (YYYY-MM-DDTHH:MM, or "single"); survives a reschedule.
    recurrence_key: Mapped[str] = mapped_column(sa.String(40))
    scheduled_start: Mapped[datetime]
    scheduled_end: Mapped[datetime]
    practice_date: Mapped[date]
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(10), default="scheduled")
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("practice_sessions.id", ondelete="SET NULL"), index=True
    )
    skip_reason: Mapped[str] = mapped_column(sa.Text, default="")
    rescheduled: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(lazy="joined", innerjoin=True)
    session: Mapped[PracticeSession | None] = relationship("PracticeSession")


class PlanTemplate(IdMixin, TimestampMixin, VersionMixin, Base):
    """A plan saved for reuse: schedule pattern and item slots, never private notes.

    Published by link: only the SHA-256 of the link's token is stored.
    """

    __tablename__ = "plan_templates"
    __table_args__ = (sa.CheckConstraint(_in("kind", PLAN_KINDS), name="kind"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(10), default="custom")
    # {kind, rrule?, time_of_day, duration_minutes, flexibility, length_days?}
    pattern: Mapped[dict] = mapped_column(sa.JSON)
    # [{kind: piece|skill, label, target_minutes, target_tempo_bpm}]
    slots: Mapped[list] = mapped_column(sa.JSON, default=list)
    share_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    published_at: Mapped[datetime | None]

    author: Mapped[MusicianProfile] = relationship("MusicianProfile")

    @property
    def published(self) -> bool:
        return self.share_token_hash is not None


class CalendarFeed(IdMixin, Base):
    """The secret iCalendar link of a musician (one at a time; stored hashed)."""

    __tablename__ = "calendar_feeds"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
