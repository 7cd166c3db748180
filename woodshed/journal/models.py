"""The practice journal: sessions, what was practised in them, and their history."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from woodshed.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow
from woodshed.repertoire.models import _in, bar_range

if TYPE_CHECKING:
    from woodshed.goals.models import Goal
    from woodshed.profiles.models import Instrument
    from woodshed.repertoire.models import Piece, Section, Skill

MODES = ("normal", "slow", "performance")
RATINGS = ("mood", "quality", "enjoyment", "difficulty", "confidence")
#: The session's own fields a musician fills in (items, tags, goals and evidence aside).
SCALAR_FIELDS = (
    "started_at",
    "duration_minutes",
    "instrument_id",
    "notes",
    "next_time",
    "struggles",
    "achievements",
    *RATINGS,
    "mode",
    "exam_prep",
    "performance_prep",
    "private",
)

session_tags = sa.Table(
    "session_tags",
    Base.metadata,
    sa.Column(
        "session_id", sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

session_goals = sa.Table(
    "session_goals",
    Base.metadata,
    sa.Column(
        "session_id", sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "goal_id", sa.ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Tag(IdMixin, Base):
    """A free focus tag ("sight-reading", "left hand"); matched case-insensitively."""

    __tablename__ = "tags"
    __table_args__ = (sa.UniqueConstraint("profile_id", "key"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(sa.String(50))
    # The casefolded name, for matching (up to three times as long: "ΐ" folds to three).
    key: Mapped[str] = mapped_column(sa.String(150))


class PracticeSession(IdMixin, TimestampMixin, VersionMixin, Base):
    """One practice session ("Session" is taken by the database and by Flask)."""

    __tablename__ = "practice_sessions"
    __table_args__ = (
        sa.CheckConstraint("duration_minutes BETWEEN 1 AND 600", name="duration"),
        sa.CheckConstraint(_in("mode", MODES), name="mode"),
        *[sa.CheckConstraint(f"{r} BETWEEN 1 AND 5", name=r) for r in RATINGS],
        # Newest-first lists and date-range statistics both read this index.
        sa.Index("ix_practice_sessions_profile_started", "profile_id", "started_at"),
        sa.Index(
            "ix_practice_sessions_profile_date", "profile_id", "practice_date", "duration_minutes"
        ),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    started_at: Mapped[datetime]
    # The musician's day this session counts for, fixed when it was logged (time zone and
    # rollover hour at that time); a later change of zone re-files nothing.
    practice_date: Mapped[date]
    timezone: Mapped[str] = mapped_column(sa.String(64))
    duration_minutes: Mapped[int]
    instrument_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("instruments.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    next_time: Mapped[str] = mapped_column(sa.Text, default="")
    struggles: Mapped[str] = mapped_column(sa.Text, default="")
    achievements: Mapped[str] = mapped_column(sa.Text, default="")
    mood: Mapped[int | None]
    quality: Mapped[int | None]
    enjoyment: Mapped[int | None]
    difficulty: Mapped[int | None]
    confidence: Mapped[int | None]
    mode: Mapped[str] = mapped_column(sa.String(12), default="normal")
    exam_prep: Mapped[bool] = mapped_column(default=False)
    performance_prep: Mapped[bool] = mapped_column(default=False)
    private: Mapped[bool] = mapped_column(default=False)

    instrument: Mapped[Instrument | None] = relationship("Instrument", lazy="joined")
    items: Mapped[list[SessionItem]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SessionItem.position",
    )
    tags: Mapped[list[Tag]] = relationship(secondary=session_tags, order_by="Tag.key")
    goals: Mapped[list[Goal]] = relationship("Goal", secondary=session_goals)
    evidence: Mapped[list[Evidence]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Evidence.position",
    )
    revisions: Mapped[list[SessionRevision]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SessionRevision.changed_at.desc()",
    )

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]

    @property
    def goal_ids(self) -> list[uuid.UUID]:
        return [g.id for g in self.goals]


class SessionItem(IdMixin, Base):
    """A piece/section (with bars, minutes, tempo) or a skill practised in a session."""

    __tablename__ = "session_items"
    __table_args__ = (
        sa.CheckConstraint(
            "bar_start IS NULL OR (bar_start >= 1 AND bar_start <= bar_end)", name="bars"
        ),
        sa.CheckConstraint("minutes IS NULL OR minutes BETWEEN 0 AND 600", name="minutes"),
        # "The best tempo reached on this piece / section" is one backward index seek.
        *(
            sa.Index(
                f"ix_session_items_{column}_tempo",
                column,
                "tempo_bpm",
                postgresql_where=sa.text("tempo_bpm IS NOT NULL"),
                sqlite_where=sa.text("tempo_bpm IS NOT NULL"),
            )
            for column in ("piece_id", "section_id")
        ),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
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
    bar_start: Mapped[int | None]
    bar_end: Mapped[int | None]
    minutes: Mapped[int | None]
    tempo_bpm: Mapped[int | None]
    target_tempo_bpm: Mapped[int | None]
    run_through: Mapped[bool] = mapped_column(default=False)
    # What was said about this item alone (a passage shows only its own notes).
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default=sa.text("''"))

    session: Mapped[PracticeSession] = relationship(back_populates="items")
    piece: Mapped[Piece | None] = relationship("Piece", lazy="joined")
    section: Mapped[Section | None] = relationship("Section", lazy="joined")
    skill: Mapped[Skill | None] = relationship("Skill", lazy="joined")

    @property
    def bars(self) -> str | None:
        """The bars as the form and the API take them ("33-40"); shown in words: `bars_shown`."""
        if self.bar_start is None:
            return None
        if self.bar_start == self.bar_end:
            return str(self.bar_start)
        return f"{self.bar_start}-{self.bar_end}"

    @property
    def bars_shown(self) -> str | None:
        """The bars in words ("33–40", `bar_range`), or None: see `bars_shown`."""
        return bars_shown(self.bar_start, self.bar_end, self.section)


def bars_shown(bar_start: int | None, bar_end: int | None, section) -> str | None:
    """An item's bars in words beside its passage's label ("33–40"), or None when it has
    none or its passage is unnamed with the same bars: that label ("bars 33–40",
    `Section.label`) says them already, and once is enough."""
    if bar_start is None:
        return None
    bars = bar_range(bar_start, bar_end or bar_start)
    said = section is not None and not section.name
    return None if said and bars == bar_range(section.bar_start, section.bar_end) else bars


class Evidence(IdMixin, Base):
    """A link or short note that shows what happened in a session."""

    __tablename__ = "session_evidence"
    __table_args__ = (sa.CheckConstraint("kind IN ('link', 'note')", name="kind"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10))
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class SessionRevision(IdMixin, Base):
    """What an edit changed: {field: [before, after]}, kept for the entry's history."""

    __tablename__ = "session_revisions"

    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changes: Mapped[dict] = mapped_column(sa.JSON)
    # Who edited (the musician, later a guardian); null when the account is gone.
    editor_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
