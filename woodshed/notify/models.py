"""In-app notifications: reminders, badges, milestones and deadlines land here."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from woodshed.db import Base, IdMixin, utcnow


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
