"""A conflict: one field edited on two devices to two values; both are kept here."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from woodshed.db import Base, IdMixin, utcnow

OBJECT_TYPES = ("session",)


class SyncConflict(IdMixin, Base):
    """The value an object's field has (`live_value`) and the one it lost (`other_value`).

    Open until the musician resolves it (keep the live value, or put the other one back);
    the object's revision history records whatever changes.
    """

    __tablename__ = "sync_conflicts"
    __table_args__ = (
        sa.CheckConstraint("object_type IN ('session')", name="object_type"),
        sa.CheckConstraint("resolution IN ('live', 'other')", name="resolution"),
        sa.Index("ix_sync_conflicts_profile_open", "profile_id", "resolved_at", "created_at"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    object_type: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[uuid.UUID] = mapped_column(index=True)
    field: Mapped[str] = mapped_column(sa.String(40))
    live_value: Mapped[object | None] = mapped_column(sa.JSON)
    other_value: Mapped[object | None] = mapped_column(sa.JSON)
    # Where the losing value came from, in words: "an offline edit (phone)".
    other_source: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(sa.String(10))
