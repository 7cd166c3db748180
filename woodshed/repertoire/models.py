"""Repertoire: pieces, their sections (passages, by bar range), and skills/techniques."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from woodshed.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow

if TYPE_CHECKING:
    from woodshed.profiles.models import Instrument

PIECE_STATUSES = ("wishlist", "learning", "polishing", "performance_ready", "archived")
SECTION_STATUSES = ("not_started", "learning", "polishing", "performance_ready", "archived")
SKILL_CATEGORIES = (
    "technique",
    "scale",
    "theory",
    "ear_training",
    "sight_reading",
    "rhythm",
    "other",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def bar_range(bar_start: int, bar_end: int) -> str:
    """Bars in words: "33–40" (an en dash), or "12" for one bar. The one formatter for
    bars shown anywhere (pages, emails, the CSV export); forms and the API keep "33-40"."""
    return str(bar_start) if bar_start == bar_end else f"{bar_start}–{bar_end}"


def passage_label(name: str, bar_start: int, bar_end: int) -> str:
    """A section's name, or "bars 33–40" for an unnamed one."""
    return name or f"bars {bar_range(bar_start, bar_end)}"


class Piece(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "pieces"
    __table_args__ = (
        sa.CheckConstraint(_in("status", PIECE_STATUSES), name="status"),
        sa.CheckConstraint("difficulty BETWEEN 1 AND 10", name="difficulty"),
        sa.CheckConstraint("length_bars >= 1", name="length_bars"),
        sa.Index("ix_pieces_profile_title", "profile_id", "title"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    composer: Mapped[str] = mapped_column(sa.String(200), default="")
    arranger: Mapped[str] = mapped_column(sa.String(200), default="")
    instrument_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("instruments.id", ondelete="SET NULL"), index=True
    )
    difficulty: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="learning")
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_on: Mapped[date | None]
    target_date: Mapped[date | None]
    current_tempo_bpm: Mapped[int | None]
    target_tempo_bpm: Mapped[int | None]
    # How many bars the piece has, if the musician said (the bar strip's length).
    length_bars: Mapped[int | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    sections: Mapped[list[Section]] = relationship(
        back_populates="piece",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(Section.bar_start, Section.bar_end.desc(), Section.name)",
    )
    status_changes: Mapped[list[PieceStatusChange]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PieceStatusChange.changed_at",
    )
    instrument: Mapped[Instrument | None] = relationship("Instrument", lazy="joined")


class PieceStatusChange(IdMixin, Base):
    """Each status change of a piece, timestamped (wishlist → … → archived)."""

    __tablename__ = "piece_status_changes"

    piece_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("pieces.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Section(IdMixin, TimestampMixin, VersionMixin, Base):
    """A passage of a piece, by bar range; ranges may nest or overlap (1–8 contains 1–4)."""

    __tablename__ = "sections"
    __table_args__ = (
        sa.CheckConstraint("bar_start >= 1 AND bar_start <= bar_end", name="bar_range"),
        sa.CheckConstraint(_in("status", SECTION_STATUSES), name="status"),
    )

    piece_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("pieces.id", ondelete="CASCADE"), index=True
    )
    # Denormalised owner, so ownership checks and queries need no join.
    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    # Optional (""): an unnamed section is shown by its bars (`label`).
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    bar_start: Mapped[int]
    bar_end: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(20), default="learning")
    target_tempo_bpm: Mapped[int | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    piece: Mapped[Piece] = relationship(back_populates="sections")

    @property
    def bars(self) -> str:
        return bar_range(self.bar_start, self.bar_end)

    @property
    def label(self) -> str:
        """Its name, or "bars 33–40" for an unnamed section."""
        return passage_label(self.name, self.bar_start, self.bar_end)

    def contains(self, other: Section) -> bool:
        return self.bar_start <= other.bar_start and other.bar_end <= self.bar_end


class Skill(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "skills"
    __table_args__ = (
        sa.CheckConstraint(_in("category", SKILL_CATEGORIES), name="category"),
        sa.Index("ix_skills_profile_name", "profile_id", "name"),
        # Names are unique per musician ignoring case; the database holds the rule.
        sa.UniqueConstraint("profile_id", "key"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    # The casefolded name (up to three times as long: "ΐ" folds to three letters).
    key: Mapped[str] = mapped_column(sa.String(600))
    category: Mapped[str] = mapped_column(sa.String(20), default="technique")
    description: Mapped[str] = mapped_column(sa.Text, default="")

    @validates("name")
    def _key_follows_name(self, _attribute: str, name: str) -> str:
        # The key is the name, casefolded: set with it, whoever sets it (SQLite's lower()
        # folds ASCII letters only, so the database cannot derive it).
        self.key = name.casefold()
        return name
