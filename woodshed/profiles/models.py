"""Musician profiles own every piece of journal data; an account has one of its own."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from woodshed import timeutil
from woodshed.db import Base, IdMixin, TimestampMixin, VersionMixin, utcnow
from woodshed.timeutil import DEFAULT_ROLLOVER_HOUR, DEFAULT_TIMEZONE, WEEKDAYS

if TYPE_CHECKING:
    from woodshed.accounts.models import User


class MusicianProfile(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "musician_profiles"
    __table_args__ = (
        sa.CheckConstraint("day_rollover_hour BETWEEN 0 AND 6", name="rollover_hour"),
    )

    # The account that is this musician; null for a child profile managed by a guardian.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    display_name: Mapped[str] = mapped_column(sa.String(100))
    timezone: Mapped[str] = mapped_column(sa.String(64), default=DEFAULT_TIMEZONE)
    day_rollover_hour: Mapped[int] = mapped_column(default=DEFAULT_ROLLOVER_HOUR)
    week_start: Mapped[str] = mapped_column(sa.String(2), default="MO")
    rest_weekdays: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    skill_level: Mapped[str | None] = mapped_column(sa.String(20))
    practice_goals: Mapped[str] = mapped_column(sa.Text, default="")
    motivation_mode: Mapped[str] = mapped_column(sa.String(10), default="playful")
    locale: Mapped[str] = mapped_column(sa.String(20), default="en")
    daily_minimum_minutes: Mapped[int] = mapped_column(default=1)
    weekly_goal_minutes: Mapped[int | None]
    # A child profile's (woodshed/family): optional, never required.
    birth_year: Mapped[int | None]

    user: Mapped[User | None] = relationship(back_populates="profile", foreign_keys=[user_id])
    instruments: Mapped[list[Instrument]] = relationship(
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="Instrument.position, Instrument.name",
        passive_deletes=True,
    )

    @property
    def is_child(self) -> bool:
        """A profile without an account of its own: a child managed by guardians."""
        return self.user_id is None

    @property
    def quiet(self) -> bool:
        return self.motivation_mode == "quiet"

    def today(self, now: datetime | None = None) -> date:
        """The musician's practice date now (or at `now`): their zone and rollover hour."""
        return timeutil.today(self.timezone, self.day_rollover_hour, now)

    @property
    def week_start_index(self) -> int:
        """The first day of the musician's week, 0 = Monday … 6 = Sunday."""
        return WEEKDAYS.index(self.week_start) if self.week_start in WEEKDAYS else 0


class Instrument(IdMixin, VersionMixin, Base):
    __tablename__ = "instruments"
    __table_args__ = (sa.UniqueConstraint("profile_id", "name"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("musician_profiles.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str | None] = mapped_column(sa.String(20))
    since: Mapped[date | None]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    profile: Mapped[MusicianProfile] = relationship(back_populates="instruments")
