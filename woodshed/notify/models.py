"""In-app notifications, reminders and their deliveries (claimed by the worker)."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from woodshed.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow
from woodshed.repertoire.models import _in

if TYPE_CHECKING:
    from woodshed.profiles.models import MusicianProfile

REMINDER_KINDS = ("before_occurrence", "daily", "weekly", "inactivity", "goal_deadline")
CHANNELS = ("in_app", "email")
DELIVERY_STATUSES = ("pending", "sent", "missed", "failed")


class Notification(IdMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The unread count and the newest-first list both read this index.
        sa.Index("ix_notifications_profile_read_created", "profile_id", "read_at", "created_at"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(30))  # reminder, badge, milestone, goal_deadline …
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class NotificationSettings(IdMixin, Base):
    """Per-musician quiet hours, the optional weekly summary email and comment emails."""

    __tablename__ = "notification_settings"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), unique=True
    )
    quiet_start: Mapped[time | None] = mapped_column(sa.Time)
    quiet_end: Mapped[time | None] = mapped_column(sa.Time)
    weekly_summary: Mapped[bool] = mapped_column(default=False)
    # Email when a teacher comments (for a teacher: when a student replies); in-app always.
    comment_emails: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Next weekly summary due (UTC); set when the summary is switched on.
    summary_due_at: Mapped[datetime | None]


class Reminder(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "reminders"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", REMINDER_KINDS), name="kind"),
        # The scheduler reads only reminders whose next due time has come.
        sa.Index("ix_reminders_active_next_due", "active", "next_due_at"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    time_of_day: Mapped[time | None] = mapped_column(sa.Time)
    days: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    minutes_before: Mapped[int | None]
    after_days: Mapped[int | None]
    days_before: Mapped[int | None]
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("goals.id", ondelete="CASCADE"), index=True
    )
    channels: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Due times up to this instant have been turned into deliveries.
    scheduled_until: Mapped[datetime] = mapped_column(default=utcnow)
    # A lower bound of the next due time (never later than the real one).
    next_due_at: Mapped[datetime | None]

    profile: Mapped[MusicianProfile] = relationship("MusicianProfile")


class Delivery(IdMixin, Base):
    """One due reminder (or weekly summary); `key` makes each due time exist once.

    Workers claim a pending row with a conditional UPDATE that sets a lease; a worker that
    dies mid-send leaves a lease that runs out, and another worker retries the row.
    """

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        sa.CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        sa.Index("ix_reminder_deliveries_status_due", "status", "due_at"),
        sa.Index("ix_reminder_deliveries_reminder_status", "reminder_id", "status"),
    )

    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    reminder_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE")
    )
    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))  # a reminder kind or weekly_summary
    due_at: Mapped[datetime]
    subject_id: Mapped[uuid.UUID | None]  # the occurrence or goal the reminder is about
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(sa.String(100))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    in_app_done: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[datetime | None]
    # Filled in a day after sending: did the musician practise within 24 hours?
    practised_within_24h: Mapped[bool | None]

    reminder: Mapped[Reminder | None] = relationship()
    profile: Mapped[MusicianProfile] = relationship("MusicianProfile")
