"""Goal progress, computed from the log (never typed in). See docs/what-next.md.

- minutes per week / days per week: the current week, from the profile's week start, in
  practice dates (so the musician's zone and rollover hour decide which week a late
  session counts for). A habit goal counts every session; a piece, section or skill goal
  counts the sessions that worked on it, with the item minutes rule of
  `repertoire.history`.
- tempo: the best tempo reached on the section (or anywhere in the piece) against the
  target.
- checklist: items done of all items.

`progress_for` computes every goal of a list at once in a fixed number of statements.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from woodshed import policy
from woodshed.db import db, json_rows
from woodshed.goals.models import Goal
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.history import item_minutes
from woodshed.timeutil import week_start_of


@dataclass(frozen=True)
class Progress:
    percent: int
    label: str
    current: int | None
    target: int | None
    unit: str
    period_start: date | None = None
    period_end: date | None = None

    @property
    def done(self) -> bool:
        return self.percent >= 100


def week_of(profile: MusicianProfile, today: date) -> tuple[date, date]:
    """First and last practice date of the profile's week containing `today`."""
    start = week_start_of(today, profile.week_start_index)
    return start, start + timedelta(days=6)


def _percent(current: int, target: int) -> int:
    return max(0, min(100, round(100 * current / target))) if target else 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _subject(goal: Goal) -> tuple[str, uuid.UUID | None]:
    """Which item column a goal counts, and the id it must match (None: every session)."""
    if goal.kind == "section":
        return "section_id", goal.section_id
    if goal.kind == "skill":
        return "skill_id", goal.skill_id
    if goal.kind == "piece":
        return "piece_id", goal.piece_id
    return "session", None


def _week_rows(profile: MusicianProfile, start: date, end: date):
    """This week's sessions and the items in them (two statements)."""
    in_week = (
        PracticeSession.profile_id == profile.id,
        policy.shown_sessions(profile),
        PracticeSession.practice_date >= start,
        PracticeSession.practice_date <= end,
    )
    sessions = db.session.execute(
        sa.select(
            PracticeSession.id, PracticeSession.practice_date, PracticeSession.duration_minutes
        ).where(*in_week)
    ).all()
    items = db.session.execute(
        sa.select(
            SessionItem.piece_id,
            SessionItem.section_id,
            SessionItem.skill_id,
            PracticeSession.practice_date,
            item_minutes(),
        )
        .join(PracticeSession, PracticeSession.id == SessionItem.session_id)
        .where(*in_week)
    ).all()
    return sessions, items


def _best_tempos(
    profile: MusicianProfile, goals: list[Goal]
) -> dict[tuple[str, uuid.UUID | None], int]:
    """The best tempo logged on each goal's section (or anywhere in its piece): one
    backward seek along a partial index per goal, in one statement."""
    wanted = [("section_id", g.section_id) for g in goals if g.kind == "section" and g.section_id]
    wanted += [("piece_id", g.piece_id) for g in goals if g.kind == "piece" and g.piece_id]
    if not wanted:
        return {}
    rows = json_rows(wanted, column=sa.String(), id=sa.Uuid())

    def best(column):
        return (
            sa.select(SessionItem.tempo_bpm)
            .join(PracticeSession, PracticeSession.id == SessionItem.session_id)
            .where(
                PracticeSession.profile_id == profile.id,
                policy.shown_sessions(profile),
                column == rows.c.id,
                SessionItem.tempo_bpm.is_not(None),
            )
            .order_by(SessionItem.tempo_bpm.desc())
            .limit(1)
            .scalar_subquery()
        )

    tempo = sa.case(
        (rows.c.column == "section_id", best(SessionItem.section_id)),
        else_=best(SessionItem.piece_id),
    )
    return {
        (column, obj_id): value
        for column, obj_id, value in db.session.execute(sa.select(rows.c.column, rows.c.id, tempo))
        if value is not None
    }


def progress_for(
    profile: MusicianProfile, goals: list[Goal], today: date
) -> dict[uuid.UUID, Progress | None]:
    """Progress of each goal (None for a goal without a measurable target)."""
    weekly = [g for g in goals if g.target_type in ("minutes_per_week", "days_per_week")]
    start, end = week_of(profile, today)
    minutes: dict[tuple[str, uuid.UUID | None], int] = defaultdict(int)
    days: dict[tuple[str, uuid.UUID | None], set[date]] = defaultdict(set)
    if weekly:
        sessions, items = _week_rows(profile, start, end)
        for _, day, duration in sessions:
            minutes[("session", None)] += duration
            days[("session", None)].add(day)
        for piece_id, section_id, skill_id, day, item_min in items:
            for name, key in (
                ("piece_id", piece_id),
                ("section_id", section_id),
                ("skill_id", skill_id),
            ):
                if key is not None:
                    minutes[(name, key)] += item_min or 0
                    days[(name, key)].add(day)
    tempo_goals = [g for g in goals if g.target_type == "tempo"]
    best = _best_tempos(profile, tempo_goals) if tempo_goals else {}

    result: dict[uuid.UUID, Progress | None] = {}
    for goal in goals:
        target = goal.target_value or 0
        if goal.target_type == "minutes_per_week":
            current = minutes.get(_subject(goal), 0)
            result[goal.id] = Progress(
                _percent(current, target),
                f"{current} of {target} min this week",
                current,
                target,
                "minutes",
                start,
                end,
            )
        elif goal.target_type == "days_per_week":
            current = len(days.get(_subject(goal), ()))
            result[goal.id] = Progress(
                _percent(current, target),
                f"{current} of {_plural(target, 'day')} this week",
                current,
                target,
                "days",
                start,
                end,
            )
        elif goal.target_type == "tempo":
            best_tempo = best.get(_subject(goal))
            label = (
                f"best {best_tempo} of {target} bpm"
                if best_tempo is not None
                else f"no tempo logged yet (target {target} bpm)"
            )
            result[goal.id] = Progress(
                _percent(best_tempo or 0, target), label, best_tempo, target, "bpm"
            )
        elif goal.target_type == "checklist":
            total = len(goal.checklist)
            done = sum(1 for item in goal.checklist if item.done)
            result[goal.id] = Progress(
                _percent(done, total), f"{done} of {total} done", done, total, "items"
            )
        else:
            result[goal.id] = None
    return result
