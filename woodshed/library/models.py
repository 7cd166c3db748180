"""The musician's own reference library: links and notes on a piece, section or skill."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from woodshed.db import Base, IdMixin, TimestampMixin, VersionMixin

RESOURCE_KINDS = ("link", "note")


class Resource(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "resources"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('link', 'note')", name="kind"),
        sa.Index("ix_resources_profile_created", "profile_id", "created_at"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(10), default="link")
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    piece_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("pieces.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("sections.id", ondelete="CASCADE"), index=True
    )
    skill_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("skills.id", ondelete="CASCADE"), index=True
    )
