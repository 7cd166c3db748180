"""Assignment progress, derived from the student's log (see docs/teaching.md).

An item on a piece counts every logged item on that piece; an item on a passage counts
logged items on the same piece whose bars (their own, or their section's) overlap the
assigned bars, or that name the assigned section; an item on a skill counts items on that
skill. From those, since the assignment began: minutes in the student's current week,
the best tempo, the run-throughs. Private sessions count only for those who may see them
(`policy.sees_private`): a teacher's numbers are the non-private log's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from woodshed import policy
from woodshed.assignments.models import Assignment, AssignmentItem
from woodshed.db import db
from woodshed.goals.progress import week_of
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.history import item_minutes
from woodshed.repertoire.models import Section


@dataclass(frozen=True)
class Logged:
    """One logged item that may count for an assignment item."""

    piece_id: uuid.UUID | None
    section_id: uuid.UUID | None
    skill_id: uuid.UUID | None
    bar_start: int | None
    bar_end: int | None
    practice_date: date
    minutes: int
    tempo_bpm: int | None
    run_through: bool


@dataclass(frozen=True)
class ItemProgress:
    minutes_this_week: int
    best_tempo: int | None
    run_throughs: int
    last_practised: date | None

    def remaining_minutes(self, item: AssignmentItem) -> int | None:
        if item.minutes_per_week is None:
            return None
        return max(0, item.minutes_per_week - self.minutes_this_week)

    def met(self, item: AssignmentItem) -> bool:
        """Every target of the item reached (an item without targets: when marked done)."""
        checks = [
            item.minutes_per_week is None or self.minutes_this_week >= item.minutes_per_week,
            item.tempo_bpm is None or (self.best_tempo or 0) >= item.tempo_bpm,
            item.run_throughs is None or self.run_throughs >= item.run_throughs,
        ]
        has_target = any(
            v is not None for v in (item.minutes_per_week, item.tempo_bpm, item.run_throughs)
        )
        return item.done_at is not None or (has_target and all(checks))


def assigned_bars(item: AssignmentItem) -> tuple[int, int] | None:
    if item.bar_start is not None and item.bar_end is not None:
        return item.bar_start, item.bar_end
    if item.section is not None:
        return item.section.bar_start, item.section.bar_end
    return None


def counts_for(item: AssignmentItem, row: Logged) -> bool:
    """Whether a logged item counts for an assignment item (the rule in the docstring)."""
    if item.kind == "skill":
        return item.skill_id is not None and row.skill_id == item.skill_id
    if item.kind not in ("piece", "passage") or item.piece_id is None:
        return False
    if row.piece_id != item.piece_id:
        return False
    if item.kind == "piece":
        return True
    if item.section_id is not None and row.section_id == item.section_id:
        return True
    bars = assigned_bars(item)
    if bars is None or row.bar_start is None or row.bar_end is None:
        return False
    return row.bar_start <= bars[1] and bars[0] <= row.bar_end


def logged_select(*extra) -> sa.Select:
    """Logged items as `Logged` reads them (its fields, in order, then `extra` columns),
    joined to their session and section: the one read of what counts for an assignment,
    here and in the weekly report."""
    return (
        sa.select(
            SessionItem.piece_id,
            SessionItem.section_id,
            SessionItem.skill_id,
            sa.func.coalesce(SessionItem.bar_start, Section.bar_start),
            sa.func.coalesce(SessionItem.bar_end, Section.bar_end),
            PracticeSession.practice_date,
            item_minutes(),
            SessionItem.tempo_bpm,
            SessionItem.run_through,
            *extra,
        )
        .join(PracticeSession, PracticeSession.id == SessionItem.session_id)
        .outerjoin(Section, Section.id == SessionItem.section_id)
    )


def as_logged(row) -> Logged:
    """A `Logged` from the first columns of a `logged_select` row."""
    piece_id, section_id, skill_id, bar_start, bar_end, practice_date = row[:6]
    return Logged(
        piece_id,
        section_id,
        skill_id,
        bar_start,
        bar_end,
        practice_date,
        row[6] or 0,
        row[7],
        row[8],
    )


def _logged(profile: MusicianProfile, since: date, pieces: set, skills: set) -> list[Logged]:
    """The logged items on these pieces and skills since `since` (one statement)."""
    found = logged_by_profile([profile.id], since, pieces, skills, policy.sees_private(profile))
    return found.get(profile.id, [])


def logged_by_profile(
    profile_ids: list[uuid.UUID], since: date, pieces: set, skills: set, include_private: bool
) -> dict[uuid.UUID, list[Logged]]:
    """The logged items on these pieces and skills since `since` of several musicians, by
    profile (one statement; the studio dashboard reads every student's at once, without
    their private sessions)."""
    if not profile_ids or (not pieces and not skills):
        return {}
    conditions = []
    if pieces:
        conditions.append(SessionItem.piece_id.in_(pieces))
    if skills:
        conditions.append(SessionItem.skill_id.in_(skills))
    stmt = logged_select(PracticeSession.profile_id).where(
        PracticeSession.profile_id.in_(profile_ids),
        PracticeSession.practice_date >= since,
        sa.or_(*conditions),
    )
    if not include_private:
        stmt = stmt.where(PracticeSession.private.is_(False))
    result: dict[uuid.UUID, list[Logged]] = {}
    for row in db.session.execute(stmt):
        result.setdefault(row[9], []).append(as_logged(row))
    return result


def progress_for(
    profile: MusicianProfile, assignments: list[Assignment], today: date
) -> dict[uuid.UUID, ItemProgress]:
    """Progress of every item of these assignments, by item id."""
    items = [(a, i) for a in assignments for i in a.items]
    if not items:
        return {}
    since = min(a.starts_on for a, _ in items)
    pieces = {i.piece_id for _, i in items if i.piece_id is not None}
    skills = {i.skill_id for _, i in items if i.skill_id is not None}
    return progress_from(_logged(profile, since, pieces, skills), profile, assignments, today)


def wanted(assignments: list[Assignment]) -> tuple[date | None, set, set]:
    """What the log must be read for to know these assignments' progress: since when, which
    pieces and which skills."""
    items = [(a, i) for a in assignments for i in a.items]
    since = min((a.starts_on for a, _ in items), default=None)
    pieces = {i.piece_id for _, i in items if i.piece_id is not None}
    skills = {i.skill_id for _, i in items if i.skill_id is not None}
    return since, pieces, skills


def progress_from(
    rows: list[Logged], profile: MusicianProfile, assignments: list[Assignment], today: date
) -> dict[uuid.UUID, ItemProgress]:
    """Progress of every item of these assignments from the logged items read for them."""
    week_start, week_end = week_of(profile, today)
    result = {}
    for assignment in assignments:
        for item in assignment.items:
            mine = [
                r for r in rows if r.practice_date >= assignment.starts_on and counts_for(item, r)
            ]
            tempos = [r.tempo_bpm for r in mine if r.tempo_bpm is not None]
            result[item.id] = ItemProgress(
                minutes_this_week=sum(
                    r.minutes for r in mine if week_start <= r.practice_date <= week_end
                ),
                best_tempo=max(tempos) if tempos else None,
                run_throughs=sum(1 for r in mine if r.run_through),
                last_practised=max((r.practice_date for r in mine), default=None),
            )
    return result
