"""A student's weekly report: what the week's log says, in the student's own week.

The week is the profile's (its time zone, week start and rollover hour decide which
practice dates belong to it). `include_private` says whether private entries count: the
student's own page yes, anything a teacher sees never (`policy.sees_private` in requests;
the worker's email to a teacher passes False). See docs/teaching.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from woodshed.assignments.models import Assignment
from woodshed.assignments.progress import Logged, as_logged, counts_for, logged_select
from woodshed.assignments.services import item_label
from woodshed.db import db
from woodshed.errors import DomainError
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill, bar_range
from woodshed.timeutil import practice_date, week_start_of

FUTURE_WEEK = "This week has not started yet: a report covers a week that has begun."


@dataclass
class Report:
    week_start: date
    week_end: date
    complete: bool
    minutes: int = 0
    sessions: int = 0
    days: int = 0
    items: list[dict] = field(default_factory=list)
    tempo: list[dict] = field(default_factory=list)
    struggles: list[dict] = field(default_factory=list)
    achievements: list[dict] = field(default_factory=list)


def week_of(profile: MusicianProfile, day: date) -> tuple[date, date]:
    start = week_start_of(day, profile.week_start_index)
    return start, start + timedelta(days=6)


def last_complete_week(profile: MusicianProfile, today: date | None = None) -> date:
    """The start of the student's latest week that has ended."""
    start, _ = week_of(profile, today or profile.today())
    return start - timedelta(days=7)


def first_week(profile: MusicianProfile, *, include_private: bool) -> date:
    """The start of the musician's first week: the week their profile began, or an earlier
    one holding a session dated before it (a restored or back-dated log). No report lists
    a week before it: the musician did not exist then ("0 min on 0 days" says nothing)."""
    began = practice_date(profile.created_at, profile.timezone, profile.day_rollover_hour)
    stmt = sa.select(sa.func.min(PracticeSession.practice_date)).where(
        PracticeSession.profile_id == profile.id
    )
    if not include_private:
        stmt = stmt.where(PracticeSession.private.is_(False))
    first = db.session.scalar(stmt)
    return week_of(profile, min(began, first) if first else began)[0]


def _sessions(profile, start, end, include_private):
    stmt = sa.select(PracticeSession).where(
        PracticeSession.profile_id == profile.id,
        PracticeSession.practice_date >= start,
        PracticeSession.practice_date <= end,
    )
    if not include_private:
        stmt = stmt.where(PracticeSession.private.is_(False))
    return list(db.session.scalars(stmt.order_by(PracticeSession.started_at)))


def _logged(session_ids) -> list[tuple[Logged, str]]:
    """The week's items with what they were about, in words (one statement)."""
    if not session_ids:
        return []
    rows = db.session.execute(
        logged_select(Piece.title, Section.name, Skill.name)
        .outerjoin(Piece, Piece.id == SessionItem.piece_id)
        .outerjoin(Skill, Skill.id == SessionItem.skill_id)
        .where(SessionItem.session_id.in_(session_ids))
    )
    result = []
    for row in rows:
        logged = as_logged(row)
        piece, section, skill = row[9], row[10], row[11]
        if skill:
            label = skill
        elif piece:
            label = piece + (f", {section}" if section else "")
            if logged.bar_start is not None and not section:
                label += f", bars {bar_range(logged.bar_start, logged.bar_end or logged.bar_start)}"
        else:
            label = "Other"
        result.append((logged, label))
    return result


def weekly_report(
    profile: MusicianProfile, week_start: date, *, include_private: bool, today: date | None = None
) -> Report:
    """The report of the week containing `week_start` (refused for a week not yet begun)."""
    today = today or profile.today()
    start, end = week_of(profile, week_start)
    if start > today:
        raise DomainError({"week": FUTURE_WEEK})
    report = Report(start, end, complete=end < today)
    sessions = _sessions(profile, start, end, include_private)
    report.sessions = len(sessions)
    report.minutes = sum(s.duration_minutes for s in sessions)
    report.days = len({s.practice_date for s in sessions})
    for s in sessions:
        if s.struggles:
            report.struggles.append({"date": s.practice_date, "text": s.struggles})
        if s.achievements:
            report.achievements.append({"date": s.practice_date, "text": s.achievements})
    logged = _logged([s.id for s in sessions])
    minutes_by_label: dict[str, int] = defaultdict(int)
    for row, label in logged:
        minutes_by_label[label] += row.minutes
    report.items = [
        {"label": label, "minutes": minutes}
        for label, minutes in sorted(minutes_by_label.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    report.tempo = _tempo_progress(profile, start, end, logged)
    return report


def _tempo_progress(profile, start, end, logged) -> list[dict]:
    """Per assigned item with a tempo target, active in the week: the week's best tempo."""
    assignments = db.session.scalars(
        sa.select(Assignment).where(
            Assignment.profile_id == profile.id,
            Assignment.starts_on <= end,
            Assignment.due_on >= start,
        )
    )
    result = []
    for assignment in assignments:
        for item in assignment.items:
            if item.tempo_bpm is None:
                continue
            tempos = [r.tempo_bpm for r, _ in logged if r.tempo_bpm and counts_for(item, r)]
            result.append(
                {
                    "label": item_label(item),
                    "assignment": assignment.title,
                    "best": max(tempos) if tempos else None,
                    "target": item.tempo_bpm,
                }
            )
    return result


def as_dict(report: Report) -> dict:
    return {
        "week_start": report.week_start,
        "week_end": report.week_end,
        "complete": report.complete,
        "minutes": report.minutes,
        "sessions": report.sessions,
        "days": report.days,
        "items": report.items,
        "tempo": report.tempo,
        "struggles": report.struggles,
        "achievements": report.achievements,
    }
