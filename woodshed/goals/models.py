"""Goals with a measurable target; progress is computed from the log, never typed in."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from woodshed.db import Base, IdMixin, TimestampMixin, VersionMixin
from woodshed.repertoire.models import _in

if TYPE_CHECKING:
    from woodshed.repertoire.models import Piece, Section, Skill

GOAL_KINDS = ("piece", "section", "skill", "habit")
GOAL_STATUSES = ("not_started", "in_progress", "completed", "archived")
GOAL_PRIORITIES = ("low", "medium", "high")
TARGET_TYPES = ("minutes_per_week", "days_per_week", "tempo", "checklist")


class Goal(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "goals"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", GOAL_KINDS), name="kind"),
        sa.CheckConstraint(_in("status", GOAL_STATUSES), name="status"),
        sa.CheckConstraint(_in("priority", GOAL_PRIORITIES), name="priority"),
        sa.CheckConstraint(
            "target_type IS NULL OR " + _in("target_type", TARGET_TYPES), name="target_type"
        ),
        sa.Index("ix_goals_profile_status", "profile_id", "status"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10), default="habit")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    target_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="not_started")
    priority: Mapped[str] = mapped_column(sa.String(10), default="medium")
    piece_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("pieces.id", ondelete="SET NULL"), index=True
    )
    section_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("sections.id", ondelete="SET NULL"), index=True
    )
    skill_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("skills.id", ondelete="SET NULL"), index=True
    )
    target_type: Mapped[str | None] = mapped_column(sa.String(20))
    target_value: Mapped[int | None]
    completed_at: Mapped[datetime | None]

    checklist: Mapped[list[GoalChecklistItem]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="GoalChecklistItem.position",
    )
    piece: Mapped[Piece | None] = relationship("Piece")
    section: Mapped[Section | None] = relationship("Section")
    skill: Mapped[Skill | None] = relationship("Skill")


class GoalChecklistItem(IdMixin, Base):
    __tablename__ = "goal_checklist_items"

    goal_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("goals.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.String(200))
    done: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
