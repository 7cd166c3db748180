"""Totals, streaks, consistency, heatmap, time series and breakdowns — read from the rollups.

Everything counts by the stored `practice_date` of each session (the musician's day, fixed
when it was logged), never by UTC date. The formulas are documented in docs/formulas.md.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from woodshed.db import db
from woodshed.journal.models import Tag
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.stats import rollup
from woodshed.stats.models import DailyBreakdown, DailyTotal, MonthlyBreakdown, SkipPeriod
from woodshed.timeutil import WEEKDAYS, practice_date, week_start_of

#: Loop Habit Tracker's daily multiplier: a day's weight halves after 13 days.
CONSISTENCY_MULTIPLIER = 0.5 ** (1 / 13)
#: Moving-average window per bucket (days, weeks, months).
MOVING_AVERAGE = {"day": 7, "week": 4, "month": 3}
BREAKDOWNS = ("instrument", "piece", "section", "skill", "tag")


class Day(NamedTuple):
    practice_date: date
    minutes: int
    sessions: int


def today(profile: MusicianProfile) -> date:
    """The musician's practice day now (their zone and rollover hour)."""
    from woodshed.db import utcnow

    return practice_date(utcnow(), profile.timezone, profile.day_rollover_hour)


def week_start_index(profile: MusicianProfile) -> int:
    return WEEKDAYS.index(profile.week_start) if profile.week_start in WEEKDAYS else 0


# --- excused days ------------------------------------------------------------------------


def excused_dates(profile: MusicianProfile, start: date, end: date) -> set[date]:
    """Days in [start, end] that neither break nor extend a streak.

    Rest weekdays from the profile, the musician's skip/vacation periods and the days of
    skipped plan occurrences. This is the one place that decides it.
    """
    from woodshed.plans.services import skipped_dates

    if end < start:
        return set()
    first, last = start.toordinal(), end.toordinal()
    days: set[int] = set()
    for code in profile.rest_weekdays or ():
        if code in WEEKDAYS:
            offset = (WEEKDAYS.index(code) - start.weekday()) % 7
            days.update(range(first + offset, last + 1, 7))
    for period_start, period_end in db.session.execute(
        sa.select(SkipPeriod.start_date, SkipPeriod.end_date).where(
            SkipPeriod.profile_id == profile.id,
            SkipPeriod.start_date <= end,
            SkipPeriod.end_date >= start,
        )
    ):
        days.update(
            range(max(period_start.toordinal(), first), min(period_end.toordinal(), last) + 1)
        )
    return {date.fromordinal(d) for d in days} | skipped_dates(profile, start, end)


# --- days ------------------------------------------------------------------------------


def days(profile: MusicianProfile) -> list[Day]:
    """Every practice date of the profile with its minutes and sessions, oldest first
    (one indexed read of the rollup: at most one row per day)."""
    t = DailyTotal.__table__
    rows = (
        db.session.connection()
        .execute(
            sa.select(t.c.practice_date, t.c.minutes, t.c.sessions)
            .where(t.c.profile_id == profile.id)
            .order_by(t.c.practice_date)
        )
        .all()  # one fetchall: iterating a result fetches row by row
    )
    return rows  # rows have .practice_date, .minutes and .sessions, like Day


def in_range(all_days: list[Day], start: date | None, end: date | None) -> list[Day]:
    """The days of a sorted list that fall in [start, end] (binary search, no full scan)."""
    first = 0 if start is None else bisect_left(all_days, start, key=_date_of)
    last = len(all_days) if end is None else bisect_right(all_days, end, key=_date_of)
    return all_days[first:last]


def _date_of(day: Day) -> date:
    return day.practice_date


def in_range_cells(all_days: list[Day], start: date, end: date) -> list[dict]:
    return [
        {"date": d.practice_date, "minutes": d.minutes, "sessions": d.sessions}
        for d in in_range(all_days, start, end)
    ]


# --- totals ---------------------------------------------------------------------------------


def summary(profile: MusicianProfile, start: date | None = None, end: date | None = None) -> dict:
    """The stats summary row of the API (SPEC §5); without a range the totals are all time.

    Totals are summed by the database in one statement; streaks come from `streaks`.
    """
    now = today(profile)
    week_first = week_start_of(now, week_start_index(profile))
    t = DailyTotal
    chosen = sa.true()
    if start is not None:
        chosen = sa.and_(chosen, t.practice_date >= start)
    if end is not None:
        chosen = sa.and_(chosen, t.practice_date <= end)

    def total(condition, column):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, column), else_=0)), 0)

    def between(first: date, last: date):
        return total(sa.and_(t.practice_date >= first, t.practice_date <= last), t.minutes)

    row = db.session.execute(
        sa.select(
            total(chosen, t.minutes),
            total(chosen, t.sessions),
            total(chosen, 1),
            between(now, now),
            between(week_first, week_first + timedelta(days=6)),
            between(now.replace(day=1), _month_end(now)),
            between(now.replace(month=1, day=1), now.replace(month=12, day=31)),
        ).where(t.profile_id == profile.id)
    ).one()
    minutes, sessions, practice_days, today_m, week_m, month_m, year_m = (int(v) for v in row)
    result = {
        "total_minutes": minutes,
        "total_sessions": sessions,
        "practice_days": practice_days,
        "average_minutes": round(minutes / sessions, 1) if sessions else None,
        "today_minutes": today_m,
        "week_minutes": week_m,
        "month_minutes": month_m,
        "year_minutes": year_m,
        "current_streak": None,
        "longest_streak": None,
        "consistency": None,
    }
    if not profile.quiet:
        info = streaks(profile, start, end, now=now)
        result.update({k: info[k] for k in ("current_streak", "longest_streak", "consistency")})
    return result


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def period_totals(profile: MusicianProfile, all_days: list[Day] | None = None) -> list[dict]:
    """Today, this week, month and year, and all time: minutes, sessions, days, average."""
    all_days = days(profile) if all_days is None else all_days
    now = today(profile)
    week_first = week_start_of(now, week_start_index(profile))
    periods = [
        ("Today", now, now),
        ("This week", week_first, week_first + timedelta(days=6)),
        ("This month", now.replace(day=1), _month_end(now)),
        ("This year", now.replace(month=1, day=1), now.replace(month=12, day=31)),
        ("All time", None, None),
    ]
    return [{"label": label, **totals_of(in_range(all_days, a, b))} for label, a, b in periods]


def totals_of(chosen: list[Day]) -> dict:
    minutes = sum(d.minutes for d in chosen)
    sessions = sum(d.sessions for d in chosen)
    return {
        "minutes": minutes,
        "sessions": sessions,
        "practice_days": len(chosen),
        "average_minutes": round(minutes / sessions, 1) if sessions else None,
    }


# --- streaks and consistency --------------------------------------------------------------


EPOCH = date(2000, 1, 1)


def _day_number(column):
    """Days since 2000-01-01 as an integer, computed by the database (both dialects)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(column - sa.literal_column("DATE '2000-01-01'"), sa.Integer)
    return sa.cast(sa.func.julianday(column) - sa.func.julianday("2000-01-01"), sa.Integer)


def practised_runs(profile: MusicianProfile) -> list[tuple[int, int]]:
    """Runs of consecutive practice days as (first, last) day numbers (date.toordinal()).

    A practice day has at least one session and the daily minimum. The database groups
    consecutive days ("gaps and islands"), so a musician who practises every day sends a
    few rows, not one per day.
    """
    t = DailyTotal
    minimum = max(profile.daily_minimum_minutes or 1, 1)
    number = _day_number(t.practice_date)
    days_ = (
        sa.select(
            number.label("n"),
            (number - sa.func.row_number().over(order_by=t.practice_date)).label("island"),
        )
        .where(t.profile_id == profile.id, t.sessions >= 1, t.minutes >= minimum)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(sa.func.min(days_.c.n), sa.func.max(days_.c.n))
        .group_by(days_.c.island)
        .order_by(sa.func.min(days_.c.n))
    ).all()
    offset = EPOCH.toordinal()
    return [(int(a) + offset, int(b) + offset) for a, b in rows]


# The three rules below work on day numbers (date.toordinal()): sets of ints are cheap.


def current_streak(done: set[int], off: set[int], today: int) -> int:
    """Practice days in a row up to today; a day without practice yet doesn't break it."""
    if not done:
        return 0
    first = min(done)
    day = today
    if day not in done and day not in off:
        day -= 1
    count = 0
    while day >= first:
        if day in off:
            pass
        elif day in done:
            count += 1
        else:
            break
        day -= 1
    return count


def longest_run(
    done: set[int], off: set[int], start: int, end: int, today: int
) -> tuple[int, int | None, int | None]:
    """The longest streak with its days inside [start, end] (and not after today)."""
    best, best_start, best_end = 0, None, None
    run, run_start = 0, 0
    for day in range(start, min(end, today) + 1):
        if day in off:
            continue
        if day in done:
            if run == 0:
                run_start = day
            run += 1
            if run > best:
                best, best_start, best_end = run, run_start, day
        elif day != today:
            run = 0
    return best, best_start, best_end


def consistency(done: set[int], off: set[int], today: int) -> int:
    """Habit strength 0–100: exponential smoothing of practised (1) / missed (0) days.

    Each counted day: score = score × m + (1 − m) × practised, m = 0.5^(1/13). Excused days
    are skipped; today counts only once practised. See docs/formulas.md for an example.
    """
    if not done:
        return 0
    m = CONSISTENCY_MULTIPLIER
    gain = 1 - m
    score = 0.0
    for day in range(min(done), today + 1):
        if day in off:
            continue
        if day in done:
            score = score * m + gain
        elif day != today:
            score *= m
    return round(score * 100)


def streaks(
    profile: MusicianProfile,
    start: date | None = None,
    end: date | None = None,
    *,
    now: date | None = None,
) -> dict:
    """Current streak and consistency (as of today), longest streak within the range."""
    now = today(profile) if now is None else now
    runs = practised_runs(profile)
    if not runs:
        return {
            "current_streak": 0,
            "longest_streak": 0,
            "longest_start": None,
            "longest_end": None,
            "consistency": 0,
            "practice_days": 0,
            "excused_days": 0,
        }
    done: set[int] = set()
    for first_day, last_day in runs:
        done.update(range(first_day, last_day + 1))
    first = date.fromordinal(runs[0][0])
    excused = excused_dates(profile, min(first, start or first), max(now, end or now))
    off = {d.toordinal() for d in excused}
    today_n = now.toordinal()
    range_start = (first if start is None else start).toordinal()
    range_end = (end or now).toordinal()
    longest, longest_start, longest_end = longest_run(done, off, range_start, range_end, today_n)
    return {
        "current_streak": current_streak(done, off, today_n),
        "longest_streak": longest,
        "longest_start": date.fromordinal(longest_start) if longest_start else None,
        "longest_end": date.fromordinal(longest_end) if longest_end else None,
        "consistency": consistency(done, off, today_n),
        "practice_days": sum(1 for d in done if range_start <= d <= range_end),
        "excused_days": sum(1 for d in off if range_start <= d <= min(range_end, today_n)),
    }


# --- heatmap and time series ----------------------------------------------------------------


def heatmap(profile: MusicianProfile, start: date, end: date) -> list[dict]:
    """One cell per practice date in [start, end] that has sessions."""
    rows = db.session.execute(
        sa.select(DailyTotal.practice_date, DailyTotal.minutes, DailyTotal.sessions)
        .where(
            DailyTotal.profile_id == profile.id,
            DailyTotal.practice_date >= start,
            DailyTotal.practice_date <= end,
        )
        .order_by(DailyTotal.practice_date)
    ).all()
    return [{"date": d, "minutes": m, "sessions": n} for d, m, n in rows]


def bucket_start(day: date, bucket: str, week_start: int) -> date:
    if bucket == "week":
        return week_start_of(day, week_start)
    if bucket == "month":
        return day.replace(day=1)
    return day


def next_bucket(day: date, bucket: str) -> date:
    if bucket == "week":
        return day + timedelta(days=7)
    if bucket == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def bucket_starts(start: date, end: date, bucket: str, week_start: int) -> list[date]:
    first = bucket_start(start, bucket, week_start)
    result = []
    while first <= end:
        result.append(first)
        first = next_bucket(first, bucket)
    return result


def timeseries(profile: MusicianProfile, start: date, end: date, bucket: str = "day") -> list[dict]:
    """Minutes, sessions and practice days per day/week/month in [start, end], every bucket
    present (zeros included), with a trailing moving average of the minutes."""
    week_start = week_start_index(profile)
    sums: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for cell in heatmap(profile, start, end):
        d = Day(cell["date"], cell["minutes"], cell["sessions"])
        row = sums[bucket_start(d.practice_date, bucket, week_start)]
        row[0] += d.minutes
        row[1] += d.sessions
        row[2] += 1
    window = MOVING_AVERAGE[bucket]
    items, recent = [], []
    for first in bucket_starts(start, end, bucket, week_start):
        minutes, sessions, practice_days = sums.get(first, (0, 0, 0))
        recent = [*recent[-(window - 1) :], minutes] if window > 1 else [minutes]
        items.append(
            {
                "start": first,
                "minutes": minutes,
                "sessions": sessions,
                "practice_days": practice_days,
                "moving_average": round(sum(recent) / len(recent), 1),
            }
        )
    return items


def first_practice_date(profile: MusicianProfile) -> date | None:
    return db.session.scalar(
        sa.select(sa.func.min(DailyTotal.practice_date)).where(DailyTotal.profile_id == profile.id)
    )


# --- breakdowns ---------------------------------------------------------------------------


def breakdown(
    profile: MusicianProfile,
    by: str,
    start: date | None = None,
    end: date | None = None,
    sums: dict[str, list[int]] | None = None,
) -> list[dict]:
    """Minutes and sessions per instrument, piece, section, skill or tag, most time first.

    Items without minutes share what the session has left (docs/formulas.md); a tag or an
    instrument gets the whole session. Deleted objects drop out; sessions of a deleted
    instrument count as "no instrument".
    """
    rows = _breakdown_sums(profile, by, start, end) if sums is None else sums
    labels = labels_for(profile, by, [k for k in rows if k != rollup.NO_INSTRUMENT])
    merged: dict[str | None, list[int]] = {}
    for key, values in rows.items():
        if key in labels:
            target = key
        elif by == "instrument":
            target = None
        else:
            continue
        acc = merged.setdefault(target, [0] * len(rollup.BREAKDOWN_FIELDS))
        for i, v in enumerate(values):
            acc[i] += v
    items = []
    for key, (minutes, sessions, q_sum, q_n, e_sum, e_n, *_rest) in merged.items():
        items.append(
            {
                "id": uuid.UUID(key) if key else None,
                "label": labels.get(key, "No instrument") if key else "No instrument",
                "minutes": minutes,
                "sessions": sessions,
                "average_quality": round(q_sum / q_n, 2) if q_n else None,
                "average_enjoyment": round(e_sum / e_n, 2) if e_n else None,
            }
        )
    items.sort(key=lambda i: (-i["minutes"], -i["sessions"], i["label"].casefold()))
    return items


def _breakdown_sums(
    profile: MusicianProfile, dimension: str, start: date | None, end: date | None
) -> dict[str, list[int]]:
    """Sums per key over [start, end]: whole months from the monthly rollup, the days at
    the ragged ends from the daily one, so the rows read do not grow with the range."""
    b, m = DailyBreakdown, MonthlyBreakdown
    first_full = (
        None if start is None else (start if start.day == 1 else next_bucket(start, "month"))
    )
    end_full = None  # months before this one are whole inside the range
    if end is not None:
        end_full = (
            next_bucket(end.replace(day=1), "month")
            if end == _month_end(end)
            else end.replace(day=1)
        )
    parts = []
    if first_full is None or end_full is None or first_full < end_full:
        monthly = sa.select(*_sum_columns(m)).where(
            m.profile_id == profile.id, m.dimension == dimension
        )
        if first_full is not None:
            monthly = monthly.where(m.month >= first_full)
        if end_full is not None:
            monthly = monthly.where(m.month < end_full)
        parts.append(monthly)
        edges = []
        if start is not None and start < first_full:
            edges.append(sa.and_(b.practice_date >= start, b.practice_date < first_full))
        if end is not None and end_full <= end:
            edges.append(sa.and_(b.practice_date >= end_full, b.practice_date <= end))
    else:
        edges = [sa.and_(b.practice_date >= start, b.practice_date <= end)]
    if edges:
        parts.append(
            sa.select(*_sum_columns(b)).where(
                b.profile_id == profile.id, b.dimension == dimension, sa.or_(*edges)
            )
        )
    rows = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    stmt = sa.select(
        rows.c.key, *(sa.func.sum(rows.c[f]) for f in rollup.BREAKDOWN_FIELDS)
    ).group_by(rows.c.key)
    return {key: [int(v or 0) for v in values] for key, *values in db.session.execute(stmt)}


def _sum_columns(table) -> tuple:
    return (table.key, *(getattr(table, f) for f in rollup.BREAKDOWN_FIELDS))


def labels_for(profile: MusicianProfile, by: str, keys: list[str]) -> dict[str, str]:
    ids = []
    for key in keys:
        try:
            ids.append(uuid.UUID(key))
        except ValueError:
            continue
    if not ids:
        return {}
    if by == "section":
        stmt = (
            sa.select(Section.id, Piece.title, Section.name)
            .join(Piece, Piece.id == Section.piece_id)
            .where(Section.profile_id == profile.id, Section.id.in_(ids))
        )
        return {str(i): f"{title} › {name}" for i, title, name in db.session.execute(stmt)}
    model, column = {
        "instrument": (Instrument, Instrument.name),
        "piece": (Piece, Piece.title),
        "skill": (Skill, Skill.name),
        "tag": (Tag, Tag.name),
    }[by]
    stmt = sa.select(model.id, column).where(model.profile_id == profile.id, model.id.in_(ids))
    return {str(i): label for i, label in db.session.execute(stmt)}


def dimension_sums(
    profile: MusicianProfile, dimension: str, start: date | None, end: date | None
) -> dict[str, list[int]]:
    """Raw sums per key of the hour or length dimension: minutes, sessions, quality and
    enjoyment sums and counts."""
    return _breakdown_sums(profile, dimension, start, end)


# --- skip and vacation days -------------------------------------------------------------------


def skip_periods(profile: MusicianProfile) -> list[SkipPeriod]:
    return list(
        db.session.scalars(
            sa.select(SkipPeriod)
            .where(SkipPeriod.profile_id == profile.id)
            .order_by(SkipPeriod.start_date.desc(), SkipPeriod.id)
        )
    )


def add_skip_period(profile: MusicianProfile, data) -> tuple[SkipPeriod, bool]:
    """Mark days off; a client-chosen id that exists already returns that period."""
    if getattr(data, "id", None) is not None:
        existing = db.session.get(SkipPeriod, data.id)
        if existing is not None:
            if existing.profile_id != profile.id:
                from woodshed.errors import DomainError

                raise DomainError({"id": "This id is already in use."})
            return existing, False
    period = SkipPeriod(
        profile_id=profile.id,
        start_date=data.start_date,
        end_date=data.end_date,
        reason=data.reason,
    )
    if getattr(data, "id", None) is not None:
        period.id = data.id
    db.session.add(period)
    db.session.flush()
    _mark_badges(profile, taken=True)
    return period, True


def update_skip_period(profile: MusicianProfile, period: SkipPeriod, changes: dict) -> SkipPeriod:
    from woodshed.errors import DomainError

    start = changes.get("start_date", period.start_date)
    end = changes.get("end_date", period.end_date)
    if start is None or end is None:
        raise DomainError({"start_date" if start is None else "end_date": "Enter a date."})
    if end < start:
        raise DomainError({"end_date": "The end date is before the start date."})
    for field in ("start_date", "end_date", "reason"):
        if field in changes and changes[field] is not None:
            setattr(period, field, changes[field])
    db.session.flush()
    _mark_badges(profile, taken=True)
    return period


def delete_skip_period(profile: MusicianProfile, period: SkipPeriod) -> None:
    db.session.delete(period)
    db.session.flush()
    _mark_badges(profile, taken=True)


def _mark_badges(profile: MusicianProfile, taken: bool) -> None:
    checks = db.session.info.setdefault(rollup.BADGE_CHECK, {})
    checks[profile.id] = checks.get(profile.id, False) or taken


# --- maintenance ------------------------------------------------------------------------------


def rebuild(profile_ids: list[uuid.UUID] | None = None) -> tuple[int, int]:
    """Recompute the rollups (of some or all profiles); returns (profiles, sessions)."""
    if profile_ids is None:
        profile_ids = list(db.session.scalars(sa.select(MusicianProfile.id)))
    db.session.flush()
    sessions = rollup.rebuild(db.session.connection(), profile_ids)
    return len(profile_ids), sessions


def progress_for(profile: MusicianProfile, kind: str, ids: list[uuid.UUID]) -> dict:
    """Progress (stage, percentage, trend) of many pieces, sections or skills at once."""
    from woodshed.stats import progress

    return progress.progress_for(profile, kind, ids)
