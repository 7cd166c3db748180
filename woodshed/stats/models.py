"""Statistics: daily rollups of the journal, skip/vacation days, and earned badges.

The rollups are derived data: `woodshed.stats.rollup` keeps them equal to the journal in
the same transaction as every write, and `woodshed stats rebuild` recomputes them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from woodshed.db import Base, IdMixin, VersionMixin, utcnow

#: Breakdown dimensions kept per day (see docs/formulas.md for what each one counts).
#: "whole" is work on a piece as a whole (an item with the piece and no section; key = the
#: piece's id), so "when was this piece last worked on as a whole?" is one index seek.
#: "goal" is the time of the sessions linked to a goal (the whole session, like a tag).
DIMENSIONS = ("instrument", "piece", "section", "skill", "tag", "hour", "length", "whole", "goal")

#: Whose figures a rollup row holds: "all" counts every session (the musician's own view),
#: "shared" only the sessions that are not private (what a linked teacher sees). Each
#: session adds to the "all" rows and, unless private, to the "shared" rows too, so a
#: teacher's statistics are read exactly like the musician's, with one more key.
AUDIENCES = ("all", "shared")


def _profile_fk() -> Mapped[uuid.UUID]:
    return mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), primary_key=True
    )


def _audience() -> Mapped[str]:
    return mapped_column(sa.String(6), primary_key=True)


class DailyTotal(Base):
    """One musician's practice on one practice date (only days with a session have a row)."""

    __tablename__ = "daily_totals"
    __table_args__ = (
        sa.CheckConstraint(
            "audience IN (" + ", ".join(repr(a) for a in AUDIENCES) + ")", name="audience"
        ),
    )

    profile_id: Mapped[uuid.UUID] = _profile_fk()
    audience: Mapped[str] = _audience()
    practice_date: Mapped[date] = mapped_column(primary_key=True)
    minutes: Mapped[int] = mapped_column(default=0)
    sessions: Mapped[int] = mapped_column(default=0)
    exam_minutes: Mapped[int] = mapped_column(default=0)
    exam_sessions: Mapped[int] = mapped_column(default=0)
    performance_minutes: Mapped[int] = mapped_column(default=0)
    performance_sessions: Mapped[int] = mapped_column(default=0)
    slow_minutes: Mapped[int] = mapped_column(default=0)
    slow_sessions: Mapped[int] = mapped_column(default=0)
    # Sums and counts of the optional 1–5 ratings, so any bucket's average is sum / count.
    mood_sum: Mapped[int] = mapped_column(default=0)
    mood_n: Mapped[int] = mapped_column(default=0)
    quality_sum: Mapped[int] = mapped_column(default=0)
    quality_n: Mapped[int] = mapped_column(default=0)
    enjoyment_sum: Mapped[int] = mapped_column(default=0)
    enjoyment_n: Mapped[int] = mapped_column(default=0)
    # For badges: run-throughs in sessions rated 4–5 for quality, and tempos at target.
    clean_runs: Mapped[int] = mapped_column(default=0)
    tempos_reached: Mapped[int] = mapped_column(default=0)


class BreakdownColumns:
    """The sums every breakdown rollup keeps for one object (see docs/formulas.md)."""

    minutes: Mapped[int] = mapped_column(default=0)
    sessions: Mapped[int] = mapped_column(default=0)
    # Sums and counts of the optional 1–5 ratings of the sessions.
    quality_sum: Mapped[int] = mapped_column(default=0)
    quality_n: Mapped[int] = mapped_column(default=0)
    enjoyment_sum: Mapped[int] = mapped_column(default=0)
    enjoyment_n: Mapped[int] = mapped_column(default=0)
    confidence_sum: Mapped[int] = mapped_column(default=0)
    confidence_n: Mapped[int] = mapped_column(default=0)
    # Tempos logged for a piece or section: bpm, and per mille of the target when known.
    tempo_sum: Mapped[int] = mapped_column(default=0)
    tempo_n: Mapped[int] = mapped_column(default=0)
    ratio_sum: Mapped[int] = mapped_column(default=0)
    ratio_n: Mapped[int] = mapped_column(default=0)


class DailyBreakdown(BreakdownColumns, Base):
    """Minutes and sessions per day for one instrument, piece, section, skill, tag, start
    hour or length bucket; `key` is the object's id (or the hour / bucket) as text."""

    __tablename__ = "daily_breakdowns"
    __table_args__ = (
        sa.CheckConstraint(
            "dimension IN (" + ", ".join(repr(d) for d in DIMENSIONS) + ")", name="dimension"
        ),
        sa.CheckConstraint(
            "audience IN (" + ", ".join(repr(a) for a in AUDIENCES) + ")", name="audience"
        ),
        sa.Index(
            "ix_daily_breakdowns_profile_dimension_date",
            "profile_id",
            "audience",
            "dimension",
            "practice_date",
        ),
        # "When was this piece last practised?" reads backwards along one key.
        sa.Index(
            "ix_daily_breakdowns_profile_dimension_key_date",
            "profile_id",
            "audience",
            "dimension",
            "key",
            "practice_date",
        ),
    )

    profile_id: Mapped[uuid.UUID] = _profile_fk()
    audience: Mapped[str] = _audience()
    practice_date: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(36), primary_key=True)


class MonthlyBreakdown(BreakdownColumns, Base):
    """The same sums as `DailyBreakdown`, per calendar month of practice dates, so a range
    of months or all time reads a dozen rows per object instead of one per day."""

    __tablename__ = "monthly_breakdowns"
    __table_args__ = (
        sa.CheckConstraint(
            "audience IN (" + ", ".join(repr(a) for a in AUDIENCES) + ")", name="audience"
        ),
    )

    profile_id: Mapped[uuid.UUID] = _profile_fk()
    audience: Mapped[str] = _audience()
    dimension: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)  # the first day of the month
    key: Mapped[str] = mapped_column(sa.String(36), primary_key=True)


class LifetimeBreakdown(BreakdownColumns, Base):
    """The same sums as `DailyBreakdown` over the whole journal, one row per object, so
    "all time" and "so far" (progress, badges) read one row per object instead of one per
    month it was practised in."""

    __tablename__ = "lifetime_breakdowns"
    __table_args__ = (
        sa.CheckConstraint(
            "audience IN (" + ", ".join(repr(a) for a in AUDIENCES) + ")", name="audience"
        ),
    )

    profile_id: Mapped[uuid.UUID] = _profile_fk()
    audience: Mapped[str] = _audience()
    dimension: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(36), primary_key=True)


class SkipPeriod(IdMixin, VersionMixin, Base):
    """Days the musician marked as skip/vacation days: they neither break nor extend a streak."""

    __tablename__ = "skip_periods"
    __table_args__ = (
        sa.CheckConstraint("start_date <= end_date", name="date_order"),
        sa.Index("ix_skip_periods_profile_start", "profile_id", "start_date"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class EarnedBadge(IdMixin, Base):
    """A badge a musician earned; one row per badge ever, so it is announced only once.

    When the entries that earned it are deleted the badge is withdrawn (`revoked_at`), and
    it comes back silently if earned again (see docs/formulas.md).
    """

    __tablename__ = "earned_badges"
    __table_args__ = (sa.UniqueConstraint("profile_id", "code"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(sa.String(40))
    earned_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
