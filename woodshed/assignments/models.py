"""Assignments: what a teacher asks a student to practise, with targets; progress comes
from the student's log (`assignments.progress`), never typed in."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from woodshed.db import Base, IdMixin, TimestampMixin, VersionMixin
from woodshed.repertoire.models import _in

if TYPE_CHECKING:
    from woodshed.accounts.models import User
    from woodshed.repertoire.models import Piece, Section, Skill

ITEM_KINDS = ("piece", "passage", "skill", "text")


class Assignment(IdMixin, TimestampMixin, VersionMixin, Base):
    """Set by a linked teacher (`set_by`) for a student's profile; the student's own.

    It stays with the student when the link ends (shown as from a "former teacher"), and
    disappears with the student's profile.
    """

    __tablename__ = "assignments"
    __table_args__ = (sa.Index("ix_assignments_profile_due", "profile_id", "due_on"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    set_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[date]
    due_on: Mapped[date]

    items: Mapped[list[AssignmentItem]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AssignmentItem.position",
        lazy="selectin",
    )
    teacher: Mapped[User | None] = relationship("User", foreign_keys=[set_by], lazy="joined")


class AssignmentItem(IdMixin, Base):
    """One thing to practise: a piece, a passage (bars of a piece, or one of its sections),
    a skill, or free text — with any of four targets."""

    __tablename__ = "assignment_items"
    __table_args__ = (sa.CheckConstraint(_in("kind", ITEM_KINDS), name="kind"),)

    assignment_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10))
    piece_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("pieces.id", ondelete="SET NULL"), index=True
    )
    section_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("sections.id", ondelete="SET NULL"), index=True
    )
    skill_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("skills.id", ondelete="SET NULL"), index=True
    )
    bar_start: Mapped[int | None]
    bar_end: Mapped[int | None]
    text: Mapped[str] = mapped_column(sa.String(300), default="")
    # A question for the guardian who signs the item off ("Hands together in bars 9-16?").
    question: Mapped[str] = mapped_column(sa.String(300), default="", server_default=sa.text("''"))
    minutes_per_week: Mapped[int | None]
    tempo_bpm: Mapped[int | None]
    repetitions: Mapped[int | None]
    run_throughs: Mapped[int | None]
    done_at: Mapped[datetime | None]

    piece: Mapped[Piece | None] = relationship("Piece", lazy="joined")
    section: Mapped[Section | None] = relationship("Section", lazy="joined")
    skill: Mapped[Skill | None] = relationship("Skill", lazy="joined")
