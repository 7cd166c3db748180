"""The teacher's dashboard: each student's last practice, week minutes, streak and flags.

Everything is computed from the student's non-private sessions — a teacher never sees a
private entry, not even as minutes — in the student's own practice-day terms (their zone,
rollover hour and week start). A fixed number of statements whatever the number of
students: the links, then the per-day minutes, the last practice dates and the struggles
of every student at once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from woodshed.accounts.models import User
from woodshed.api.pagination import ListQuery
from woodshed.assignments import progress as assignment_progress
from woodshed.assignments.models import Assignment
from woodshed.comments.models import Comment
from woodshed.dates import format_date
from woodshed.db import db, utcnow
from woodshed.errors import DomainError
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.repertoire.models import Piece, Section
from woodshed.teaching import services
from woodshed.teaching.models import Link
from woodshed.templating import student_url
from woodshed.timeutil import WEEKDAYS, week_start_of

#: A student who has not practised for this many days is flagged.
QUIET_DAYS = 7
#: A struggle mentioned in two sessions on the same passage within this many days is flagged.
STRUGGLE_DAYS = 14
#: An assignment due within this many days with an item not met is flagged.
DUE_SOON_DAYS = 2
#: From this day of the student's week (1 = the first), minutes behind half the weekly
#: target are flagged.
HALF_WEEK_DAY = 4
#: How far back a student's reply to a teacher's comment is looked for.
REPLY_DAYS = 60
#: How far back streaks are counted (a longer streak shows as this many days).
STREAK_WINDOW = 400
SORTS = ("name", "last_practice", "week_minutes", "streak", "flags", "four_weeks", "assignments")


@dataclass
class FlagRow:
    code: str
    message: str
    url: str


@dataclass
class StudentRow:
    link: Link
    last_practice_date: date | None
    week_minutes: int
    current_streak: int | None
    flags: list[FlagRow] = field(default_factory=list)
    #: The comparison's figures: minutes in the last four weeks (today included), and the
    #: items of the current assignments with their targets met.
    four_weeks_minutes: int = 0
    items_met: int = 0
    items_total: int = 0

    @property
    def profile(self):
        return self.link.profile

    def as_api(self) -> dict:
        return {
            "profile_id": self.link.profile_id,
            "display_name": self.link.profile.display_name,
            "link_id": self.link.id,
            "last_practice_date": self.last_practice_date,
            "week_minutes": self.week_minutes,
            "current_streak": self.current_streak,
            "flags": [f.__dict__ for f in self.flags],
        }


def _visible_sessions():
    """What a teacher may count of a student's journal: the non-private sessions of
    links that grant reading them."""
    return PracticeSession.private.is_(False)


def _daily_minutes(ids: list[uuid.UUID], since: date) -> dict[uuid.UUID, dict[date, int]]:
    stmt = (
        sa.select(
            PracticeSession.profile_id,
            PracticeSession.practice_date,
            sa.func.sum(PracticeSession.duration_minutes),
        )
        .where(
            PracticeSession.profile_id.in_(ids),
            _visible_sessions(),
            PracticeSession.practice_date >= since,
        )
        .group_by(PracticeSession.profile_id, PracticeSession.practice_date)
    )
    days: dict[uuid.UUID, dict[date, int]] = defaultdict(dict)
    for profile_id, day, minutes in db.session.execute(stmt):
        days[profile_id][day] = int(minutes or 0)
    return days


def _last_practice(ids: list[uuid.UUID]) -> dict[uuid.UUID, date]:
    stmt = (
        sa.select(PracticeSession.profile_id, sa.func.max(PracticeSession.practice_date))
        .where(PracticeSession.profile_id.in_(ids), _visible_sessions())
        .group_by(PracticeSession.profile_id)
    )
    return dict(db.session.execute(stmt).all())  # rows of (profile id, day)


def _struggles(ids: list[uuid.UUID], since: date) -> dict[uuid.UUID, list[tuple]]:
    """(section, piece title, [(session id, date)]) for passages struggled with twice."""
    stmt = (
        sa.select(
            PracticeSession.profile_id,
            SessionItem.section_id,
            Piece.title,
            Section.name,
            Section.bar_start,
            Section.bar_end,
            PracticeSession.id,
            PracticeSession.practice_date,
        )
        .join(SessionItem, SessionItem.session_id == PracticeSession.id)
        .join(Section, Section.id == SessionItem.section_id)
        .join(Piece, Piece.id == Section.piece_id)
        .where(
            PracticeSession.profile_id.in_(ids),
            _visible_sessions(),
            PracticeSession.practice_date >= since,
            PracticeSession.struggles != "",
        )
        .order_by(PracticeSession.practice_date, PracticeSession.id)
    )
    found: dict[tuple, dict] = {}
    for profile_id, section_id, title, name, start, end, session_id, day in db.session.execute(
        stmt
    ):
        label = f"{title}, {name} (bars {start}–{end})" if name else f"{title}, bars {start}–{end}"
        entry = found.setdefault((profile_id, section_id), {"label": label, "s": []})
        if session_id not in [s for s, _ in entry["s"]]:
            entry["s"].append((session_id, day))
    result: dict[uuid.UUID, list[tuple]] = defaultdict(list)
    for (profile_id, _section), entry in found.items():
        if len(entry["s"]) >= 2:
            result[profile_id].append((entry["label"], entry["s"]))
    return result


def _open_assignments(ids: list[uuid.UUID], oldest_today: date) -> dict[uuid.UUID, list]:
    """Every student's assignments not yet past their due date (two statements: the
    assignments, their items)."""
    stmt = (
        sa.select(Assignment)
        .where(Assignment.profile_id.in_(ids), Assignment.due_on >= oldest_today - timedelta(1))
        .order_by(Assignment.due_on, Assignment.id)
    )
    found: dict[uuid.UUID, list] = defaultdict(list)
    for assignment in db.session.scalars(stmt):
        found[assignment.profile_id].append(assignment)
    return found


def _assignment_flags(
    row: StudentRow, assignments: list, logged: list, today: date
) -> list[FlagRow]:
    """Behind on assigned minutes with the week half gone; due soon with an item not met
    (and the row's count of items met, for the comparison)."""
    link = row.link
    profile = link.profile
    flags: list[FlagRow] = []
    current = [a for a in assignments if a.starts_on <= today <= a.due_on]
    if not current:
        return flags
    progress = assignment_progress.progress_from(logged, profile, current, today)
    items = [i for a in current for i in a.items]
    row.items_total = len(items)
    row.items_met = sum(1 for i in items if progress[i.id].met(i))
    day_of_week = (today - week_start_of(today, profile.week_start_index)).days + 1
    for assignment in current:
        url = student_url(link.profile_id, "assignments.show", assignment_id=assignment.id)
        items = [(i, progress[i.id]) for i in assignment.items]
        if day_of_week >= HALF_WEEK_DAY:
            for item, done in items:
                target = item.minutes_per_week
                if target and item.done_at is None and done.minutes_this_week * 2 < target:
                    flags.append(
                        FlagRow(
                            "assignment_behind",
                            f"Behind on “{assignment.title}”: {done.minutes_this_week} of "
                            f"{target} minutes this week.",
                            url,
                        )
                    )
                    break
        if (assignment.due_on - today).days <= DUE_SOON_DAYS:
            open_items = [i for i, done in items if not done.met(i)]
            if open_items:
                flags.append(
                    FlagRow(
                        "assignment_due",
                        f"“{assignment.title}” is due {format_date(assignment.due_on)}: "
                        f"{len(items) - len(open_items)} of {len(items)} items done.",
                        url,
                    )
                )
    return flags


def _replies(links: list[Link]) -> dict[uuid.UUID, list[tuple[Comment, uuid.UUID | None]]]:
    """Per student, their replies to a comment of their teacher that the teacher has not
    answered since: the student wrote last in a thread the teacher wrote in (one statement
    for every student: the recent comments of their threads)."""
    ids = [link.profile_id for link in links]
    stmt = (
        sa.select(Comment, Section.piece_id)
        .outerjoin(Section, Section.id == Comment.section_id)
        .where(
            Comment.profile_id.in_(ids),
            Comment.created_at >= utcnow() - timedelta(days=REPLY_DAYS),
        )
        .order_by(Comment.created_at, Comment.id)
    )
    threads: dict[uuid.UUID, list[Comment]] = defaultdict(list)
    pieces: dict[uuid.UUID, uuid.UUID | None] = {}
    for comment, piece_id in db.session.execute(stmt):
        threads[comment.parent_id or comment.id].append(comment)
        pieces[comment.id] = piece_id
    by_profile = {link.profile_id: link for link in links}
    result: dict[uuid.UUID, list[tuple[Comment, uuid.UUID | None]]] = defaultdict(list)
    for thread in threads.values():
        link = by_profile[thread[0].profile_id]
        student, teacher = link.profile.user_id, link.user_id
        last = thread[-1]
        wrote = any(c.author_id == teacher for c in thread)
        if wrote and student is not None and last.author_id == student and len(thread) > 1:
            result[link.profile_id].append((last, pieces[last.id]))
    return result


def _reply_url(comment: Comment, piece_id: uuid.UUID | None) -> str:
    anchor = f"comment-{comment.id}"
    if comment.session_id is not None:
        return student_url(
            comment.profile_id, "journal.show", session_id=comment.session_id, _anchor=anchor
        )
    return student_url(comment.profile_id, "repertoire.piece", piece_id=piece_id, _anchor=anchor)


def streak(days: dict[date, int], today: date, rest_weekdays: list[str]) -> int:
    """Days in a row with practice up to today (or yesterday, today not being over), rest
    weekdays neither breaking nor adding to it."""
    rest = {WEEKDAYS.index(d) for d in rest_weekdays or () if d in WEEKDAYS}
    day = today if today in days else today - timedelta(days=1)
    count = 0
    for _ in range(STREAK_WINDOW):
        if day in days:
            count += 1
        elif day.weekday() not in rest:
            break
        day -= timedelta(days=1)
    return count


def rows(links: list[Link]) -> list[StudentRow]:
    """These students of a teacher's (their links), with their figures and flags."""
    if not links:
        return []
    ids = [link.profile_id for link in links]
    todays = {link.profile_id: link.profile.today() for link in links}
    oldest = min(todays.values())
    daily = _daily_minutes(ids, oldest - timedelta(days=STREAK_WINDOW))
    last = _last_practice(ids)
    struggles = _struggles(ids, oldest - timedelta(days=STRUGGLE_DAYS))
    assignments = _open_assignments(ids, oldest)
    since, pieces, skills = assignment_progress.wanted(
        [a for found in assignments.values() for a in found]
    )
    logged = (
        assignment_progress.logged_by_profile(ids, since, pieces, skills, include_private=False)
        if since is not None
        else {}
    )
    replies = _replies(links)
    result = []
    for link in links:
        profile, today = link.profile, todays[link.profile_id]
        days = daily.get(link.profile_id, {})
        week_from = week_start_of(today, profile.week_start_index)
        week = sum(m for d, m in days.items() if week_from <= d <= today)
        row = StudentRow(
            link,
            last.get(link.profile_id),
            week,
            None if profile.quiet else streak(days, today, profile.rest_weekdays),
        )
        journal = student_url(link.profile_id, "journal.index")
        if row.last_practice_date is None:
            row.flags.append(FlagRow("no_practice", "Has not logged any practice yet.", journal))
        elif (today - row.last_practice_date).days >= QUIET_DAYS:
            gap = (today - row.last_practice_date).days
            row.flags.append(FlagRow("no_practice", f"No practice for {gap} days.", journal))
        for label, sessions in struggles.get(link.profile_id, []):
            recent = [(s, d) for s, d in sessions if (today - d).days <= STRUGGLE_DAYS]
            if len(recent) >= 2:
                row.flags.append(
                    FlagRow(
                        "struggle",
                        f"Struggled with {label} in {len(recent)} sessions.",
                        student_url(link.profile_id, "journal.show", session_id=recent[-1][0]),
                    )
                )
        row.four_weeks_minutes = sum(
            m for d, m in days.items() if today - timedelta(days=27) <= d <= today
        )
        row.flags += _assignment_flags(
            row, assignments.get(link.profile_id, []), logged.get(link.profile_id, []), today
        )
        for reply, piece_id in replies.get(link.profile_id, []):
            row.flags.append(
                FlagRow("student_replied", "Replied to your comment.", _reply_url(reply, piece_id))
            )
        result.append(row)
    return result


def distribution(found: list[StudentRow]) -> dict | None:
    """The studio's minutes over the last four weeks, anonymised: lowest, quartiles and
    highest (no student's name, and nothing a student is ever shown)."""
    values = sorted(r.four_weeks_minutes for r in found)
    if not values:
        return None

    def quantile(q: float) -> int:
        position = q * (len(values) - 1)
        low = int(position)
        high = min(low + 1, len(values) - 1)
        return round(values[low] + (values[high] - values[low]) * (position - low))

    return {
        "students": len(values),
        "lowest": values[0],
        "lower_quartile": quantile(0.25),
        "median": quantile(0.5),
        "upper_quartile": quantile(0.75),
        "highest": values[-1],
    }


SORT_KEYS = {
    "name": lambda r: r.profile.display_name.casefold(),
    "last_practice": lambda r: r.last_practice_date or date.min,
    "week_minutes": lambda r: r.week_minutes,
    "streak": lambda r: r.current_streak or 0,
    "flags": lambda r: len(r.flags),
    "four_weeks": lambda r: r.four_weeks_minutes,
    "assignments": lambda r: r.items_met / r.items_total if r.items_total else -1,
}


def sorted_rows(user: User, sort: str = "name", flagged_only: bool = False) -> list[StudentRow]:
    if sort.lstrip("-") not in SORTS:
        raise DomainError({"sort": f"Sort by one of: {', '.join(SORTS)}."})
    found = rows(services.students(user))
    if flagged_only:
        found = [r for r in found if r.flags]
    return sorted(found, key=SORT_KEYS[sort.lstrip("-")], reverse=sort.startswith("-"))


def student_page(user: User, query: ListQuery) -> tuple[list[StudentRow], str | None]:
    """A page of the teacher's students by name (the API's list)."""
    links, cursor = services.student_links_page(user, query)
    return rows(links), cursor
