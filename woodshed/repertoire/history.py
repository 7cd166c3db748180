"""What the log says about pieces, sections and skills: last practised, tempo, notes, time.

Every function here costs a fixed number of statements whatever the number of pieces,
sections or sessions (PERF-QUERIES): rows are grouped in SQL or with window functions.

Minutes on a piece, section or skill are the minutes written on the session's item for
it; an item without minutes counts the whole session when it is the session's only
item, and nothing otherwise (see docs/what-next.md).

Notes follow the same rule: a passage shows the notes written on its own items, and a
session's notes (and next-time note) only when that session worked on it alone — a note
about one piece never shows under another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from woodshed import policy
from woodshed.db import db
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill, bar_range


def items_in_session() -> sa.ScalarSelect[int]:
    """How many items the current SessionItem's session holds."""
    other = aliased(SessionItem)
    return (
        sa.select(sa.func.count(other.id))
        .where(other.session_id == SessionItem.session_id)
        .scalar_subquery()
    )


def item_minutes() -> sa.ColumnElement[int]:
    """Minutes an item stands for (the rule in the module docstring); needs the session joined."""
    return sa.func.coalesce(
        SessionItem.minutes,
        sa.case((items_in_session() == 1, PracticeSession.duration_minutes), else_=0),
    )


def alone_in_session() -> sa.ColumnElement[bool]:
    """True when the current SessionItem is its session's only item (its notes are its own)."""
    return items_in_session() == 1


@dataclass(frozen=True)
class Record:
    """One time a passage (or a whole piece, or a skill) was worked on in a session."""

    session_id: uuid.UUID
    started_at: datetime
    practice_date: date
    bars: str | None
    minutes: int | None
    tempo_bpm: int | None
    target_tempo_bpm: int | None
    run_through: bool
    confidence: int | None
    notes: str  # the session's notes, only when the session worked on this alone
    next_time: str  # likewise
    item_note: str = ""  # what was written about this item itself

    @property
    def session_notes_shown(self) -> bool:
        """The session's own notes are shown (the session worked on this alone)."""
        return bool(self.notes or self.next_time)


@dataclass
class History:
    records: list[Record] = field(default_factory=list)  # newest first

    @property
    def last_practised(self) -> date | None:
        return self.records[0].practice_date if self.records else None

    @property
    def tempos(self) -> list[Record]:
        return [r for r in self.records if r.tempo_bpm]

    @property
    def notes(self) -> list[Record]:
        return [r for r in self.records if r.item_note or r.notes or r.next_time]

    def sparkline(self, target: int | None = None) -> dict | None:
        """Tempo over time (oldest left) as SVG polyline points in a 100×40 box."""
        timed = [(r, r.tempo_bpm) for r in reversed(self.records) if r.tempo_bpm]
        if len(timed) < 2:
            return None
        points = [r for r, _ in timed]
        targets = [r.target_tempo_bpm for r in points if r.target_tempo_bpm] + (
            [target] if target else []
        )
        top = max([bpm for _, bpm in timed] + targets) * 1.05
        low = min(bpm for _, bpm in timed) * 0.9
        span = (top - low) or 1

        def y(bpm: float) -> float:
            return round(38 - 36 * (bpm - low) / span, 2)

        step = 100 / (len(points) - 1)
        goal = target or (targets[-1] if targets else None)
        return {
            "points": " ".join(
                f"{round(i * step, 2)},{y(bpm)}" for i, (_, bpm) in enumerate(timed)
            ),
            "target_y": y(goal) if goal else None,
            "first": points[0],
            "last": points[-1],
        }


def _records(condition, partition, profile_id: uuid.UUID, per_group: int):
    """Items matching `condition` with their session, newest first, `per_group` per group."""
    rank = (
        sa.func.row_number()
        .over(
            partition_by=partition,
            order_by=(PracticeSession.started_at.desc(), SessionItem.id.desc()),
        )
        .label("rank")
    )
    inner = (
        sa.select(
            partition.label("grp"),
            SessionItem.session_id,
            PracticeSession.started_at,
            PracticeSession.practice_date,
            SessionItem.bar_start,
            SessionItem.bar_end,
            SessionItem.minutes,
            SessionItem.tempo_bpm,
            SessionItem.target_tempo_bpm,
            SessionItem.run_through,
            PracticeSession.confidence,
            PracticeSession.notes,
            PracticeSession.next_time,
            SessionItem.note.label("item_note"),
            alone_in_session().label("alone"),
            rank,
        )
        .join(PracticeSession, PracticeSession.id == SessionItem.session_id)
        .where(
            condition,
            PracticeSession.profile_id == profile_id,
            policy.shown_sessions(db.session.get_one(MusicianProfile, profile_id)),
        )
        .subquery()
    )
    stmt = (
        sa.select(inner)
        .where(inner.c.rank <= per_group)
        .order_by(inner.c.grp, inner.c.started_at.desc(), inner.c.rank)
    )
    for row in db.session.execute(stmt):
        bars = bar_range(row.bar_start, row.bar_end) if row.bar_start is not None else None
        yield (
            row.grp,
            Record(
                session_id=row.session_id,
                started_at=row.started_at,
                practice_date=row.practice_date,
                bars=bars,
                minutes=row.minutes,
                tempo_bpm=row.tempo_bpm,
                target_tempo_bpm=row.target_tempo_bpm,
                run_through=row.run_through,
                confidence=row.confidence,
                notes=row.notes if row.alone else "",
                next_time=row.next_time if row.alone else "",
                item_note=row.item_note or "",
            ),
        )


def piece_history(piece: Piece, per_section: int = 25) -> dict[uuid.UUID | None, History]:
    """History per section of a piece; the key None holds work on the piece as a whole."""
    result: dict[uuid.UUID | None, History] = {}
    for grp, record in _records(
        SessionItem.piece_id == piece.id, SessionItem.section_id, piece.profile_id, per_section
    ):
        result.setdefault(grp, History()).records.append(record)
    return result


def skill_history(skill: Skill, limit: int = 25) -> History:
    history = History()
    for _, record in _records(
        SessionItem.skill_id == skill.id, SessionItem.skill_id, skill.profile_id, limit
    ):
        history.records.append(record)
    return history


@dataclass(frozen=True)
class Totals:
    minutes: int = 0
    sessions: int = 0
    last_practised: date | None = None


def totals(profile: MusicianProfile, column, ids: list[uuid.UUID]) -> dict[uuid.UUID, Totals]:
    """Minutes, sessions and last practice date per piece/section/skill id (`column`)."""
    if not ids:
        return {}
    stmt = (
        sa.select(
            column,
            sa.func.sum(item_minutes()),
            sa.func.count(sa.distinct(SessionItem.session_id)),
            sa.func.max(PracticeSession.practice_date),
        )
        .join(PracticeSession, PracticeSession.id == SessionItem.session_id)
        .where(
            PracticeSession.profile_id == profile.id,
            policy.shown_sessions(profile),
            column.in_(ids),
        )
        .group_by(column)
    )
    return {
        key: Totals(int(minutes or 0), sessions, last)
        for key, minutes, sessions, last in db.session.execute(stmt)
    }


def section_counts(piece_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not piece_ids:
        return {}
    stmt = (
        sa.select(Section.piece_id, sa.func.count(Section.id))
        .where(Section.piece_id.in_(piece_ids))
        .group_by(Section.piece_id)
    )
    return dict(db.session.execute(stmt).all())
