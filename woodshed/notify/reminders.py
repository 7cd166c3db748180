"""When reminders are due. Turns each active reminder into delivery rows, one per due time.

Each kind answers two questions for the worker: which due times fall in a window
`(a, b]` (they become deliveries, keyed so each exists once), and a lower bound of the next
due time after `b` (so the worker looks at the reminder again no earlier than needed).
Kinds that depend on other data (occurrences, goals, the journal) are looked at again at
least every RECHECK even when nothing seems due, which keeps the bound honest after edits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from woodshed.db import db, utcnow
from woodshed.goals.models import Goal
from woodshed.journal.models import PracticeSession
from woodshed.notify.models import NotificationSettings, Reminder
from woodshed.plans.models import Plan, PlanOccurrence
from woodshed.plans.services import ensure_occurrences
from woodshed.profiles.models import MusicianProfile
from woodshed.timeutil import WEEKDAYS, local_to_utc, practice_date

LOOKBACK = timedelta(days=7)  # older due times after downtime are not even recorded
RECHECK = {
    "before_occurrence": timedelta(minutes=15),
    "goal_deadline": timedelta(hours=1),
    "inactivity": timedelta(hours=1),
}
DEFAULT_TIME = {"inactivity": time(18, 0), "goal_deadline": time(9, 0)}


@dataclass(frozen=True)
class Due:
    key: str
    due_at: datetime
    subject_id: uuid.UUID | None = None


def _local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def in_quiet_hours(local: time, settings: NotificationSettings | None) -> bool:
    if settings is None or settings.quiet_start is None or settings.quiet_end is None:
        return False
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(
    instant: datetime, tz: str, settings: NotificationSettings | None
) -> datetime:
    """A due time in the quiet hours moves to the end of them (local time)."""
    local = _local(instant, tz)
    if not in_quiet_hours(local.time(), settings):
        return instant
    # In quiet hours: there are settings with both ends.
    assert settings is not None
    assert settings.quiet_end is not None
    end = datetime.combine(local.date(), settings.quiet_end)
    if end <= local:
        end += timedelta(days=1)
    return local_to_utc(end, tz)


def _at(day: date, at: time, tz: str) -> datetime:
    return local_to_utc(datetime.combine(day, at), tz)


class Context:
    """What the scheduler knows about one musician while it looks at their reminders."""

    def __init__(self, profile: MusicianProfile, settings: NotificationSettings | None):
        self.profile = profile
        self.tz = profile.timezone
        self.settings = settings


# --- daily and weekly -------------------------------------------------------------------------


def _clock_days(reminder: Reminder) -> set[str]:
    if reminder.kind == "daily" and not reminder.days:
        return set(WEEKDAYS)
    return set(reminder.days or [])


def _clock_dues(reminder: Reminder, ctx: Context, first: date, last: date) -> list[Due]:
    days = _clock_days(reminder)
    at = reminder.time_of_day or time(18, 0)
    dues = []
    day = first
    while day <= last:
        if WEEKDAYS[day.weekday()] in days:
            due = after_quiet_hours(_at(day, at, ctx.tz), ctx.tz, ctx.settings)
            dues.append(Due(f"r:{reminder.id}:{day.isoformat()}T{at:%H:%M}", due))
        day += timedelta(days=1)
    return dues


# --- before an occurrence ------------------------------------------------------------------


def _occurrence_dues(reminder: Reminder, ctx: Context, a: datetime, b: datetime) -> list[Due]:
    ensure_occurrences(ctx.profile)
    before = timedelta(minutes=reminder.minutes_before or 0)
    stmt = (
        sa.select(PlanOccurrence.id, PlanOccurrence.scheduled_start)
        .join(Plan, Plan.id == PlanOccurrence.plan_id)
        .where(
            PlanOccurrence.profile_id == ctx.profile.id,
            PlanOccurrence.status == "scheduled",
            Plan.status == "active",
            PlanOccurrence.scheduled_start > a + before,
            PlanOccurrence.scheduled_start <= b + before,
        )
    )
    if reminder.plan_id is not None:
        stmt = stmt.where(PlanOccurrence.plan_id == reminder.plan_id)
    dues = []
    for occ_id, start in db.session.execute(stmt):
        due = after_quiet_hours(start - before, ctx.tz, ctx.settings)
        if due < start or before == timedelta(0):
            key = f"r:{reminder.id}:o:{occ_id}:{start:%Y%m%dT%H%M}"
            dues.append(Due(key, due, occ_id))
    return dues


def _next_occurrence_due(reminder: Reminder, ctx: Context, after: datetime) -> datetime | None:
    before = timedelta(minutes=reminder.minutes_before or 0)
    stmt = (
        sa.select(sa.func.min(PlanOccurrence.scheduled_start))
        .join(Plan, Plan.id == PlanOccurrence.plan_id)
        .where(
            PlanOccurrence.profile_id == ctx.profile.id,
            PlanOccurrence.status == "scheduled",
            Plan.status == "active",
            PlanOccurrence.scheduled_start > after + before,
        )
    )
    if reminder.plan_id is not None:
        stmt = stmt.where(PlanOccurrence.plan_id == reminder.plan_id)
    start = db.session.scalar(stmt)
    return None if start is None else start - before


# --- inactivity ---------------------------------------------------------------------------------


def _inactivity_base(reminder: Reminder, ctx: Context) -> date:
    last = db.session.scalar(
        sa.select(sa.func.max(PracticeSession.practice_date)).where(
            PracticeSession.profile_id == ctx.profile.id
        )
    )
    created = practice_date(reminder.created_at, ctx.tz, ctx.profile.day_rollover_hour)
    return max(last, created) if last else created


def _inactivity_dues(reminder: Reminder, ctx: Context, a: datetime, b: datetime) -> list[Due]:
    base = _inactivity_base(reminder, ctx)
    n = reminder.after_days or 1
    at = reminder.time_of_day or DEFAULT_TIME["inactivity"]
    dues = []
    k = max(1, ((_local(a, ctx.tz).date() - base).days // n) - 1)
    while True:
        day = base + timedelta(days=k * n)
        due = after_quiet_hours(_at(day, at, ctx.tz), ctx.tz, ctx.settings)
        if due > b:
            break
        if due > a:
            dues.append(Due(f"r:{reminder.id}:i:{day.isoformat()}", due))
        k += 1
    return dues


def _next_inactivity_due(reminder: Reminder, ctx: Context, after: datetime) -> datetime:
    base = _inactivity_base(reminder, ctx)
    n = reminder.after_days or 1
    at = reminder.time_of_day or DEFAULT_TIME["inactivity"]
    k = max(1, ((_local(after, ctx.tz).date() - base).days // n) - 1)
    while True:
        due = _at(base + timedelta(days=k * n), at, ctx.tz)
        if due > after:
            return due
        k += 1


# --- goal deadlines ---------------------------------------------------------------------------


def _goals(reminder: Reminder, ctx: Context, first: date | None, last: date | None):
    stmt = sa.select(Goal).where(
        Goal.profile_id == ctx.profile.id,
        Goal.target_date.is_not(None),
        Goal.status.not_in(("completed", "archived")),
    )
    if reminder.goal_id is not None:
        stmt = stmt.where(Goal.id == reminder.goal_id)
    if first is not None:
        stmt = stmt.where(Goal.target_date >= first)
    if last is not None:
        stmt = stmt.where(Goal.target_date <= last)
    return db.session.scalars(stmt.order_by(Goal.target_date).limit(200))


def _goal_dues(reminder: Reminder, ctx: Context, a: datetime, b: datetime) -> list[Due]:
    n = timedelta(days=reminder.days_before or 0)
    at = reminder.time_of_day or DEFAULT_TIME["goal_deadline"]
    first = _local(a, ctx.tz).date() + n - timedelta(days=1)
    last = _local(b, ctx.tz).date() + n + timedelta(days=1)
    dues = []
    for goal in _goals(reminder, ctx, first, last):
        due = after_quiet_hours(_at(goal.target_date - n, at, ctx.tz), ctx.tz, ctx.settings)
        if a < due <= b:
            dues.append(Due(f"r:{reminder.id}:g:{goal.id}:{goal.target_date}", due, goal.id))
    return dues


def _next_goal_due(reminder: Reminder, ctx: Context, after: datetime) -> datetime | None:
    n = timedelta(days=reminder.days_before or 0)
    at = reminder.time_of_day or DEFAULT_TIME["goal_deadline"]
    for goal in _goals(reminder, ctx, _local(after, ctx.tz).date() + n - timedelta(days=1), None):
        due = _at(goal.target_date - n, at, ctx.tz)
        if due > after:
            return due
    return None


# --- the two questions ----------------------------------------------------------------------


def due_between(reminder: Reminder, ctx: Context, a: datetime, b: datetime) -> list[Due]:
    """Due times of `reminder` in `(a, b]`, with stable keys."""
    if reminder.kind in ("daily", "weekly"):
        first = _local(a, ctx.tz).date() - timedelta(days=1)
        last = _local(b, ctx.tz).date() + timedelta(days=1)
        return [d for d in _clock_dues(reminder, ctx, first, last) if a < d.due_at <= b]
    if reminder.kind == "before_occurrence":
        return _occurrence_dues(reminder, ctx, a, b)
    if reminder.kind == "inactivity":
        return _inactivity_dues(reminder, ctx, a, b)
    if reminder.kind == "goal_deadline":
        return _goal_dues(reminder, ctx, a, b)
    return []


def next_due(reminder: Reminder, ctx: Context, after: datetime) -> datetime | None:
    """No later than the first due time after `after` (None: nothing will ever be due)."""
    if reminder.kind in ("daily", "weekly"):
        start = _local(after, ctx.tz).date()
        future = [
            d.due_at
            for d in _clock_dues(reminder, ctx, start, start + timedelta(days=8))
            if d.due_at > after
        ]
        return min(future) if future else None
    found = {
        "before_occurrence": _next_occurrence_due,
        "inactivity": _next_inactivity_due,
        "goal_deadline": _next_goal_due,
    }[reminder.kind](reminder, ctx, after)
    recheck = after + RECHECK[reminder.kind]
    return recheck if found is None else min(found, recheck)


def recheck_occurrence_reminders(profile: MusicianProfile) -> None:
    """`events.plans_changed` subscriber: reminders before occurrences are looked at again
    on the worker's next tick."""
    db.session.execute(
        sa.update(Reminder)
        .where(
            Reminder.profile_id == profile.id,
            Reminder.kind == "before_occurrence",
            Reminder.active.is_(True),
        )
        .values(next_due_at=utcnow())
        .execution_options(synchronize_session=False)
    )
