"""A comment belongs to the musician whose session or passage it is about."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from woodshed.db import Base, IdMixin, utcnow


class Comment(IdMixin, Base):
    __tablename__ = "comments"
    __table_args__ = (
        sa.CheckConstraint(
            "session_id IS NOT NULL OR section_id IS NOT NULL", name="session_or_section"
        ),
        sa.CheckConstraint("item_index IS NULL OR item_index >= 0", name="item_index"),
        # A session's or a passage's thread is read in the order it was written.
        sa.Index("ix_comments_session_created", "session_id", "created_at"),
        sa.Index("ix_comments_section_created", "section_id", "created_at"),
    )

    # The musician the comment is about (the session's or passage's owner), never the author.
    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("practice_sessions.id", ondelete="CASCADE")
    )
    item_index: Mapped[int | None]
    section_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("sections.id", ondelete="CASCADE")
    )
    # Replies point at the first comment of their thread (threads are one level deep).
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    # The account that wrote it; the comment stays with the musician when that account
    # goes (or the teacher's link ends), shown as written by a former teacher.
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
