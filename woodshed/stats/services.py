"""Totals, streaks, consistency, heatmap, time series and breakdowns — read from the rollups.

Everything counts by the stored `practice_date` of each session (the musician's day, fixed
when it was logged), never by UTC date. The formulas are documented in docs/formulas.md.
"""

from __future__ import annotations

import functools
import uuid
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from woodshed import policy
from woodshed.api.keyset import keyset_page
from woodshed.db import db, new_id
from woodshed.errors import DomainError
from woodshed.goals.models import Goal
from woodshed.journal.models import Tag
from woodshed.plans.services import skipped_days
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.stats import rollup, upkeep
from woodshed.stats.models import (
    DailyBreakdown,
    DailyTotal,
    LifetimeBreakdown,
    MonthlyBreakdown,
    SkipPeriod,
)
from woodshed.stats.rollup import BreakdownSums, TotalSums, audience_for
from woodshed.stats.schemas import SkipPeriodIn, SkipPeriodQuery
from woodshed.timeutil import WEEKDAYS, week_start_of

#: Loop Habit Tracker's daily multiplier: a day's weight halves after 13 days.
CONSISTENCY_MULTIPLIER = 0.5 ** (1 / 13)
#: Moving-average window per bucket (days, weeks, months).
MOVING_AVERAGE = {"day": 7, "week": 4, "month": 3}
BREAKDOWNS = ("instrument", "piece", "section", "skill", "tag")


# --- excused days ------------------------------------------------------------------------


def excused_days(profile: MusicianProfile, start: date, end: date) -> list[int]:
    """Days in [start, end] that neither break nor extend a streak, as sorted day numbers
    (date.toordinal()).

    Rest weekdays from the profile, the musician's skip/vacation periods and the days of
    skipped plan occurrences. This is the one place that decides it.
    """
    if end < start:
        return []
    first, last = start.toordinal(), end.toordinal()
    days: set[int] = set()
    for code in profile.rest_weekdays or ():
        if code in WEEKDAYS:
            offset = (WEEKDAYS.index(code) - start.weekday()) % 7
            days.update(range(first + offset, last + 1, 7))
    periods = sa.select(SkipPeriod.start_date, SkipPeriod.end_date).where(
        SkipPeriod.profile_id == profile.id,
        SkipPeriod.start_date <= end,
        SkipPeriod.end_date >= start,
    )
    for period_start, period_end in db.session.execute(
        sa.union_all(periods, skipped_days(profile, start, end))
    ):
        period_start, period_end = as_date(period_start), as_date(period_end)
        days.update(
            range(max(period_start.toordinal(), first), min(period_end.toordinal(), last) + 1)
        )
    return sorted(days)


# --- totals ---------------------------------------------------------------------------------


def summary(profile: MusicianProfile, start: date | None = None, end: date | None = None) -> dict:
    """The stats summary row of the API (SPEC §5); without a range the totals are all time.

    Totals are summed by the database in one statement; streaks come from `streaks`.
    """
    now = profile.today()
    chosen, today_t, week_t, month_t, year_t = period_sums(
        profile, [(start, end), *current_periods(profile, now)]
    )
    result = {
        "total_minutes": chosen["minutes"],
        "total_sessions": chosen["sessions"],
        "practice_days": chosen["practice_days"],
        "average_minutes": chosen["average_minutes"],
        "today_minutes": today_t["minutes"],
        "week_minutes": week_t["minutes"],
        "month_minutes": month_t["minutes"],
        "year_minutes": year_t["minutes"],
        "current_streak": None,
        "longest_streak": None,
        "consistency": None,
    }
    if not profile.quiet:
        info = streaks(profile, start, end, now=now)
        result.update({k: info[k] for k in ("current_streak", "longest_streak", "consistency")})
    return result


Period = tuple[date | None, date | None]


def current_periods(profile: MusicianProfile, now: date | None = None) -> list[Period]:
    """Today, this week (from the profile's week start), this month and this year."""
    now = profile.today() if now is None else now
    week_first = week_start_of(now, profile.week_start_index)
    return [
        (now, now),
        (week_first, week_first + timedelta(days=6)),
        (now.replace(day=1), _month_end(now)),
        (now.replace(month=1, day=1), now.replace(month=12, day=31)),
    ]


def period_sums(profile: MusicianProfile, periods: list[Period]) -> list[dict]:
    """Minutes, sessions, practice days, average and first practice date per period
    ((None, None) = all time), from the daily rollup in one statement."""
    params: dict = {"profile_id": profile.id, "audience": audience_for(profile)}
    for i, (first, last) in enumerate(periods):
        params[f"first{i}"], params[f"last{i}"] = first, last
    shape = tuple((first is not None, last is not None) for first, last in periods)
    found = {i: rest for i, *rest in db.session.execute(_period_statement(shape), params)}
    result = []
    for i in range(len(periods)):
        minutes, sessions, practice_days, first_date = found[i]
        minutes, sessions = int(minutes or 0), int(sessions or 0)
        result.append(
            {
                "minutes": minutes,
                "sessions": sessions,
                "practice_days": int(practice_days or 0),
                "average_minutes": round(minutes / sessions, 1) if sessions else None,
                "first_date": as_date_or_none(first_date),
            }
        )
    return result


@functools.cache
def _period_statement(shape: tuple[tuple[bool, bool], ...]) -> sa.CompoundSelect | sa.Select:
    """One aggregate per period, each over its own index range (built once per shape)."""
    t = DailyTotal
    selects = []
    for i, (bounded_below, bounded_above) in enumerate(shape):
        stmt = sa.select(
            sa.literal(i, sa.Integer),
            sa.func.sum(t.minutes),
            sa.func.sum(t.sessions),
            sa.func.count(),
            sa.func.min(t.practice_date),
        ).where(t.profile_id == sa.bindparam("profile_id"), t.audience == sa.bindparam("audience"))
        if bounded_below:
            stmt = stmt.where(t.practice_date >= sa.bindparam(f"first{i}", type_=sa.Date()))
        if bounded_above:
            stmt = stmt.where(t.practice_date <= sa.bindparam(f"last{i}", type_=sa.Date()))
        selects.append(stmt)
    return sa.union_all(*selects) if len(selects) > 1 else selects[0]


def as_date(value: date | str) -> date:
    """A date from the database (SQLite answers a computed date as text)."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_date_or_none(value: date | str | None) -> date | None:
    """`as_date` of a value that may be NULL (a MIN or MAX over no rows)."""
    return None if value is None else as_date(value)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


PERIOD_LABELS = ("Today", "This week", "This month", "This year", "All time")


def period_totals(profile: MusicianProfile, chosen: Period | None = None) -> list[dict]:
    """Today, this week, month and year, all time (and a chosen range, last): minutes,
    sessions, days and average, in one statement."""
    periods = [*current_periods(profile), (None, None)]
    labels = list(PERIOD_LABELS)
    if chosen is not None:
        periods.append(chosen)
        labels.append("Chosen range")
    sums = period_sums(profile, periods)
    return [{"label": label, **row} for label, row in zip(labels, sums, strict=True)]


# --- streaks and consistency --------------------------------------------------------------


EPOCH = date(2000, 1, 1)


def _day_number(column, dialect: str | None = None):
    """Days since 2000-01-01 as an integer, computed by the database (both dialects)."""
    if (dialect or db.session.get_bind().dialect.name) == "postgresql":
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
        .where(
            t.profile_id == profile.id,
            t.audience == audience_for(profile),
            t.sessions >= 1,
            t.minutes >= minimum,
        )
        .subquery()
    )
    rows = db.session.execute(
        sa.select(sa.func.min(days_.c.n), sa.func.max(days_.c.n))
        .group_by(days_.c.island)
        .order_by(sa.func.min(days_.c.n))
    ).all()
    offset = EPOCH.toordinal()
    return [(int(a) + offset, int(b) + offset) for a, b in rows]


# The rules below work on day numbers (date.toordinal()): runs of consecutive practice
# days (first, last) and the sorted excused days, so their cost follows the number of runs,
# not of days. tests/stats/oracle.py checks them against a day-by-day walk.


class Excused:
    """Sorted excused day numbers, counted in any range by binary search."""

    def __init__(self, days: list[int]) -> None:
        self.days = days

    def count(self, first: int, last: int) -> int:
        """Excused days in [first, last]."""
        if last < first:
            return 0
        return bisect_right(self.days, last) - bisect_left(self.days, first)

    def covers(self, first: int, last: int) -> bool:
        """Every day of [first, last] is excused (true for an empty range)."""
        return self.count(first, last) == last - first + 1


def _clip(runs: list[tuple[int, int]], first: int, last: int) -> list[tuple[int, int]]:
    return [(max(a, first), min(b, last)) for a, b in runs if b >= first and a <= last]


def current_streak(runs: list[tuple[int, int]], off: Excused, today: int) -> int:
    """Practice days in a row up to today; a day without practice yet doesn't break it.
    Excused days are skipped: they neither break nor count."""
    runs = _clip(runs, -(10**9), today)
    if not runs:
        return 0
    last_run_end = runs[-1][1]
    # Today not practised (and not excused) yet: the streak is counted through yesterday.
    reach = today if last_run_end == today or off.count(today, today) else today - 1
    count = 0
    for a, b in reversed(runs):
        if not off.covers(b + 1, reach):
            break
        count += (b - a + 1) - off.count(a, b)
        reach = a - 1
    return count


def longest_run(
    runs: list[tuple[int, int]], off: Excused, start: int, end: int, today: int
) -> tuple[int, int | None, int | None]:
    """The longest streak with its days inside [start, end] (and not after today), with
    its first and last counted day (the earliest such streak when several tie)."""
    best, best_start, best_end = 0, None, None
    count, count_start, previous_end = 0, None, None
    for a, b in _clip(runs, start, min(end, today)):
        if previous_end is not None and not off.covers(previous_end + 1, a - 1):
            count, count_start = 0, None
        counted = (b - a + 1) - off.count(a, b)
        if counted:
            if count_start is None:
                count_start = _first_not_excused(off, a, b)
            count += counted
            if count > best:
                best, best_start, best_end = count, count_start, _last_not_excused(off, a, b)
        previous_end = b
    return best, best_start, best_end


def _first_not_excused(off: Excused, a: int, b: int) -> int:
    day = a
    while day <= b and off.count(day, day):
        day += 1
    return day


def _last_not_excused(off: Excused, a: int, b: int) -> int:
    day = b
    while day >= a and off.count(day, day):
        day -= 1
    return day


def consistency(runs: list[tuple[int, int]], off: Excused, today: int) -> int:
    """Habit strength 0–100: exponential smoothing of practised (1) / missed (0) days.

    Each counted day: score = score × m + (1 − m) × practised, m = 0.5^(1/13). Excused days
    are skipped; today counts only once practised. See docs/formulas.md for an example.
    A run of p practised days takes the score s to s·mᵖ + 1 − mᵖ, a gap of q missed days
    to s·m^q, so the work is one step per run and per gap.
    """
    runs = _clip(runs, -(10**9), today)
    if not runs:
        return 0
    m = CONSISTENCY_MULTIPLIER
    score = 0.0
    previous_end: int | None = None
    for a, b in runs:
        if previous_end is not None:
            gap = (a - 1) - previous_end
            score *= m ** (gap - off.count(previous_end + 1, a - 1))
        practised = (b - a + 1) - off.count(a, b)
        score = score * m**practised + 1 - m**practised
        previous_end = b
    # The days since the last practice, today excepted (it counts only once practised).
    last_end = runs[-1][1]
    missed = (today - 1 - last_end) - off.count(last_end + 1, today - 1)
    score *= m ** max(missed, 0)
    return round(score * 100)


def streaks(
    profile: MusicianProfile,
    start: date | None = None,
    end: date | None = None,
    *,
    now: date | None = None,
) -> dict:
    """Current streak and consistency (as of today), longest streak within the range."""
    now = profile.today() if now is None else now
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
    first = date.fromordinal(runs[0][0])
    off = Excused(excused_days(profile, min(first, start or first), max(now, end or now)))
    today_n = now.toordinal()
    range_start = (first if start is None else start).toordinal()
    range_end = (end or now).toordinal()
    longest, longest_start, longest_end = longest_run(runs, off, range_start, range_end, today_n)
    return {
        "current_streak": current_streak(runs, off, today_n),
        "longest_streak": longest,
        "longest_start": date.fromordinal(longest_start) if longest_start else None,
        "longest_end": date.fromordinal(longest_end) if longest_end else None,
        "consistency": consistency(runs, off, today_n),
        "practice_days": sum(b - a + 1 for a, b in _clip(runs, range_start, range_end)),
        "excused_days": off.count(range_start, min(range_end, today_n)),
    }


# --- days, weeks, months, weekdays: heatmap, time series, and the page's charts over time ----

#: How the daily totals of a range are grouped (weeks begin on the profile's week start).
GROUPINGS = ("day", "week", "month", "weekday")
#: Day numbers are shifted by whole weeks to stay positive (SQL integer division and
#: remainder truncate towards zero); 100,000 weeks reach back before any practice date.
POSITIVE = 7 * 100_000


@dataclass(frozen=True)
class Span:
    """Daily totals of [start, end] grouped `by` day, week, month or weekday."""

    by: str
    start: date
    end: date


@dataclass
class Bucket:
    """One day, week, month or weekday: the sums of its practice dates, by name, and how
    many there were. `key` is its first day, or the weekday (0 = Monday). `sums` is the
    database's row of the sums asked for (a bucket without practice has TotalSums()), so
    a sum that was not read is an AttributeError, never a silent 0."""

    key: date | int
    sums: Any
    practice_days: int = 0

    def average(self, name: str, digits: int = 2) -> float | None:
        """The mean of a summed rating (`mood` → mood_sum / mood_n), None without any."""
        count = getattr(self.sums, f"{name}_n")
        return round(getattr(self.sums, f"{name}_sum") / count, digits) if count else None


def grouped_totals(
    profile: MusicianProfile, spans: list[Span], fields: tuple[str, ...]
) -> dict[Span, dict]:
    """Per span, the buckets that have practice, by key: the named sums of the daily
    totals summed by the database, every span in one statement (a long range sends one
    row per bucket, not per day). This is the one computation behind the heatmap, the
    time series and the stats page's charts over time, in the API and on the page."""
    spans = list(dict.fromkeys(spans))
    dialect = db.session.get_bind().dialect.name
    stmt = _grouped_statement(tuple(s.by for s in spans), fields, dialect)
    week_start = profile.week_start_index
    params: dict = {
        "profile_id": profile.id,
        "audience": audience_for(profile),
        # Day numbers count from a Saturday: shift them so weeks begin on the week start.
        "week_shift": POSITIVE - (week_start - EPOCH.weekday()) % 7,
    }
    for i, span in enumerate(spans):
        params[f"start{i}"], params[f"end{i}"] = span.start, span.end
    found: list[dict] = [{} for _ in spans]
    for row in db.session.execute(stmt, params).all():
        by = spans[row.span].by
        first = as_date(row.first)
        key = first.weekday() if by == "weekday" else bucket_start(first, by, week_start)
        found[row.span][key] = Bucket(key, row, row.practice_days)
    return dict(zip(spans, found, strict=True))


@functools.cache
def _grouped_statement(
    groupings: tuple[str, ...], fields: tuple[str, ...], dialect: str
) -> sa.Select | sa.CompoundSelect:
    """One grouped aggregate per span, each over its own index range (built once per shape)."""
    t = DailyTotal.__table__
    day = _day_number(t.c.practice_date, dialect)
    keys = {
        "day": t.c.practice_date,
        "week": (day + sa.bindparam("week_shift", type_=sa.Integer())) // 7,
        "month": _month_number(t.c.practice_date, dialect),
        "weekday": (day + POSITIVE) % 7,
    }
    selects = []
    for i, by in enumerate(groupings):
        if by == "day":  # one row per practice date already: nothing to add up
            columns = [
                t.c.practice_date.label("first"),
                sa.literal(1, sa.Integer).label("practice_days"),
                *(t.c[name].label(name) for name in fields),
            ]
        else:
            columns = [
                sa.func.min(t.c.practice_date).label("first"),
                sa.func.count().label("practice_days"),
                *(sa.func.sum(t.c[name]).label(name) for name in fields),
            ]
        stmt = sa.select(sa.literal(i, sa.Integer).label("span"), *columns).where(
            t.c.profile_id == sa.bindparam("profile_id"),
            t.c.audience == sa.bindparam("audience"),
            t.c.practice_date >= sa.bindparam(f"start{i}", type_=sa.Date()),
            t.c.practice_date <= sa.bindparam(f"end{i}", type_=sa.Date()),
        )
        selects.append(stmt if by == "day" else stmt.group_by(keys[by]))
    return sa.union_all(*selects) if len(selects) > 1 else selects[0]


def _month_number(column, dialect: str):
    """year × 12 + month, computed by the database."""
    year: sa.ColumnElement[Any]
    month: sa.ColumnElement[Any]
    if dialect == "postgresql":
        year, month = sa.extract("year", column), sa.extract("month", column)
    else:
        year = sa.cast(sa.func.strftime("%Y", column), sa.Integer)
        month = sa.cast(sa.func.strftime("%m", column), sa.Integer)
    return sa.cast(year, sa.Integer) * 12 + sa.cast(month, sa.Integer)


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


def every_bucket(found: dict, span: Span, week_start: int) -> list[Bucket]:
    """Every day, week or month of the span, oldest first, zeros where nothing was logged."""
    return [
        found.get(first) or Bucket(first, NOTHING)
        for first in bucket_starts(span.start, span.end, span.by, week_start)
    ]


#: The sums of a bucket without practice.
NOTHING = TotalSums()


def heatmap_cells(days: list[Bucket]) -> list[dict]:
    """One cell per practice date (buckets of a span grouped by day): date, minutes, sessions."""
    return [
        {"date": b.key, "minutes": b.sums.minutes, "sessions": b.sums.sessions}
        for b in sorted(days, key=lambda b: b.key)
    ]


def heatmap(profile: MusicianProfile, start: date, end: date) -> list[dict]:
    """One cell per practice date in [start, end] that has sessions."""
    span = Span("day", start, end)
    return heatmap_cells(list(grouped_totals(profile, [span], TIME_FIELDS)[span].values()))


#: The sums a time series shows.
TIME_FIELDS = ("minutes", "sessions")


def series(buckets: list[Bucket], bucket: str) -> list[dict]:
    """The time series of every bucket in order: minutes, sessions and practice days,
    with a trailing moving average of the minutes."""
    window = MOVING_AVERAGE[bucket]
    items: list[dict] = []
    recent: list[int] = []
    for b in buckets:
        minutes = b.sums.minutes
        recent = [*recent[-(window - 1) :], minutes]
        items.append(
            {
                "start": b.key,
                "minutes": minutes,
                "sessions": b.sums.sessions,
                "practice_days": b.practice_days,
                "moving_average": round(sum(recent) / len(recent), 1),
            }
        )
    return items


def timeseries(profile: MusicianProfile, start: date, end: date, bucket: str = "day") -> list[dict]:
    """Minutes, sessions and practice days per day/week/month in [start, end], every bucket
    present (zeros included), with a trailing moving average of the minutes."""
    span = Span(bucket, start, end)
    found = grouped_totals(profile, [span], TIME_FIELDS)[span]
    return series(every_bucket(found, span, profile.week_start_index), bucket)


def first_practice_date(profile: MusicianProfile) -> date | None:
    return db.session.scalar(
        sa.select(sa.func.min(DailyTotal.practice_date)).where(
            DailyTotal.profile_id == profile.id, DailyTotal.audience == audience_for(profile)
        )
    )


# --- breakdowns ---------------------------------------------------------------------------


def breakdown(
    profile: MusicianProfile,
    by: str,
    start: date | None = None,
    end: date | None = None,
    sums: dict[str, BreakdownSums] | None = None,
    labels: dict[str, str] | None = None,
) -> list[dict]:
    """Minutes and sessions per instrument, piece, section, skill, tag or goal, most time
    first.

    Items without minutes share what the session has left (docs/formulas.md); a tag, a
    goal or an instrument gets the whole session. Deleted objects drop out; sessions of a deleted
    instrument count as "no instrument". `sums` and `labels` may come from one read of
    several dimensions (`dimension_sums`, `labels`).
    """
    rows = dimension_sums(profile, (by,), start, end)[by] if sums is None else sums
    if labels is None:
        labels = labels_for(profile, by, list(rows))
    merged: dict[str | None, BreakdownSums] = {}
    target: str | None
    for key, values in rows.items():
        if key in labels:
            target = key
        elif by == "instrument":
            target = None
        else:
            continue
        merged.setdefault(target, BreakdownSums()).add(values)
    items: list[dict[str, Any]] = []
    for merged_key, values in merged.items():
        items.append(
            {
                "id": uuid.UUID(merged_key) if merged_key else None,
                "label": labels.get(merged_key, "No instrument") if merged_key else "No instrument",
                "minutes": values.minutes,
                "sessions": values.sessions,
                "average_quality": values.average("quality"),
                "average_enjoyment": values.average("enjoyment"),
            }
        )
    items.sort(key=lambda i: (-i["minutes"], -i["sessions"], i["label"].casefold()))
    return items


def dimension_sums(
    profile: MusicianProfile, dimensions: tuple[str, ...], start: date | None, end: date | None
) -> dict[str, dict[str, BreakdownSums]]:
    """Per dimension, the sums per key over [start, end] (minutes, sessions, rating and
    tempo sums and counts), for several dimensions in one statement.

    All time is the lifetime rollup; otherwise whole months come from the monthly rollup and
    the days at the ragged ends from the daily one, so the rows read do not grow with the
    range.
    """
    params = {
        "profile_id": profile.id,
        "audience": audience_for(profile),
        "dimensions": list(dimensions),
    }
    if start is None and end is None:
        stmt = _lifetime_statement()
    else:
        stmt = _dimension_statement()
        params |= _month_split(start, end)
    result: dict[str, dict[str, BreakdownSums]] = {d: {} for d in dimensions}
    for row in db.session.execute(stmt, params):
        result[row.dimension][row.key] = BreakdownSums.of(row._mapping)
    return result


NEVER = (date(1, 1, 1), date(1, 1, 1))  # an empty range [first, end)


def _month_split(start: date | None, end: date | None) -> dict[str, date]:
    """[start, end] as whole months [month_from, month_to) plus the days at its ends,
    [head_from, head_to) and [tail_from, tail_to) (either may be empty)."""
    months, head, tail = (date(1, 1, 1), date.max), NEVER, NEVER
    if start is not None and end is not None and start.replace(day=1) == end.replace(day=1):
        if start.day == 1 and end == _month_end(end):
            months = (start, next_bucket(start, "month"))
        else:
            months, head = NEVER, (start, end + timedelta(days=1))
    else:
        if start is not None:
            first = start if start.day == 1 else next_bucket(start, "month")
            months, head = (first, months[1]), (start, first)
        if end is not None:
            last = end.replace(day=1)
            if end == _month_end(end):
                last = next_bucket(last, "month")
            months, tail = (months[0], last), (last, end + timedelta(days=1))
    return {
        "month_from": months[0],
        "month_to": months[1],
        "head_from": head[0],
        "head_to": head[1],
        "tail_from": tail[0],
        "tail_to": tail[1],
    }


@functools.cache
def _dimension_statement() -> sa.Select:
    """The sums of `dimension_sums`, built once (its bounds are bound parameters)."""
    b, m = DailyBreakdown, MonthlyBreakdown
    p = functools.partial(sa.bindparam, type_=sa.Date())
    d = b.practice_date
    monthly = sa.select(*_sum_columns(m)).where(
        m.profile_id == sa.bindparam("profile_id"),
        m.audience == sa.bindparam("audience"),
        m.dimension.in_(sa.bindparam("dimensions", expanding=True)),
        m.month >= p("month_from"),
        m.month < p("month_to"),
    )
    daily = sa.select(*_sum_columns(b)).where(
        b.profile_id == sa.bindparam("profile_id"),
        b.audience == sa.bindparam("audience"),
        b.dimension.in_(sa.bindparam("dimensions", expanding=True)),
        sa.or_(
            sa.and_(d >= p("head_from"), d < p("head_to")),
            sa.and_(d >= p("tail_from"), d < p("tail_to")),
        ),
    )
    rows = sa.union_all(monthly, daily).subquery()
    return sa.select(
        rows.c.dimension,
        rows.c.key,
        *(sa.func.sum(rows.c[f]).label(f) for f in BreakdownSums.FIELDS),
    ).group_by(rows.c.dimension, rows.c.key)


@functools.cache
def _lifetime_statement() -> sa.Select:
    """All-time sums: one row per object."""
    t = LifetimeBreakdown
    return sa.select(*_sum_columns(t)).where(
        t.profile_id == sa.bindparam("profile_id"),
        t.audience == sa.bindparam("audience"),
        t.dimension.in_(sa.bindparam("dimensions", expanding=True)),
    )


def _sum_columns(table) -> tuple:
    return (table.dimension, table.key, *(getattr(table, f) for f in BreakdownSums.FIELDS))


def labels(profile: MusicianProfile, wanted: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """Names of the objects behind rollup keys, per kind (instrument, piece, section —
    "Piece › Section" —, skill, tag), for several kinds in one statement. Keys of deleted
    objects (and keys that are no ids) are left out."""
    params: dict = {"profile_id": profile.id}
    for kind, keys in wanted.items():
        ids = []
        for key in keys:
            try:
                ids.append(uuid.UUID(key))
            except ValueError:
                continue
        if ids:
            params[kind] = ids
    result: dict[str, dict[str, str]] = {kind: {} for kind in wanted}
    kinds = tuple(kind for kind in wanted if kind in params)
    if not kinds:
        return result
    for kind, obj_id, name, piece_title in db.session.execute(_label_statement(kinds), params):
        result[kind][str(obj_id)] = f"{piece_title} › {name}" if kind == "section" else name
    return result


@functools.cache
def _label_statement(kinds: tuple[str, ...]) -> sa.Select | sa.CompoundSelect:
    selects: list[sa.Select] = []
    for kind in kinds:
        ids: sa.BindParameter[list[uuid.UUID]] = sa.bindparam(kind, expanding=True)
        if kind == "section":
            selects.append(
                sa.select(sa.literal(kind), Section.id, Section.name, Piece.title)
                .join(Piece, Piece.id == Section.piece_id)
                .where(Section.profile_id == sa.bindparam("profile_id"), Section.id.in_(ids))
            )
            continue
        id_column, owner_column, label_column = LABELS[kind]
        selects.append(
            sa.select(sa.literal(kind), id_column, label_column, sa.null()).where(
                owner_column == sa.bindparam("profile_id"), id_column.in_(ids)
            )
        )
    return sa.union_all(*selects) if len(selects) > 1 else selects[0]


#: Per kind of object (sections aside): its id, owner and label columns.
LABELS: dict[
    str,
    tuple[
        InstrumentedAttribute[uuid.UUID],
        InstrumentedAttribute[uuid.UUID],
        InstrumentedAttribute[str],
    ],
] = {
    "instrument": (Instrument.id, Instrument.profile_id, Instrument.name),
    "piece": (Piece.id, Piece.profile_id, Piece.title),
    "skill": (Skill.id, Skill.profile_id, Skill.name),
    "tag": (Tag.id, Tag.profile_id, Tag.name),
    "goal": (Goal.id, Goal.profile_id, Goal.title),
}


def labels_for(profile: MusicianProfile, by: str, keys: list[str]) -> dict[str, str]:
    return labels(profile, {by: keys})[by]


# --- skip and vacation days -------------------------------------------------------------------


SKIP_PERIOD_ORDER = ((SkipPeriod.start_date, True), (SkipPeriod.id, False))


def skip_periods(profile: MusicianProfile) -> list[SkipPeriod]:
    """Every skip period, latest first (the stats page shows them all)."""
    return list(
        db.session.scalars(
            sa.select(SkipPeriod)
            .where(SkipPeriod.profile_id == profile.id)
            .order_by(*(c.desc() if desc else c for c, desc in SKIP_PERIOD_ORDER))
        )
    )


def list_skip_periods(
    profile: MusicianProfile, query: SkipPeriodQuery
) -> tuple[list[SkipPeriod], str | None]:
    """One page of skip periods, latest first."""
    stmt = sa.select(SkipPeriod).where(SkipPeriod.profile_id == profile.id)
    return keyset_page(stmt, SKIP_PERIOD_ORDER, query)


def add_skip_period(profile: MusicianProfile, data: SkipPeriodIn) -> tuple[SkipPeriod, bool]:
    """Mark days off; a client-chosen id that exists already returns that period."""
    existing = policy.existing_for_client_id(SkipPeriod, data.id, profile)
    if existing is not None:
        return existing, False
    period, created = policy.insert_or_existing(
        SkipPeriod(
            id=data.id or new_id(),
            profile_id=profile.id,
            start_date=data.start_date,
            end_date=data.end_date,
            reason=data.reason,
        ),
        profile,
    )
    if created:
        _mark_badges(profile, taken=True)
    return period, created


def update_skip_period(profile: MusicianProfile, period: SkipPeriod, changes: dict) -> SkipPeriod:
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
    upkeep.announce_at_commit(db.session(), profile.id, taken=taken)


# --- maintenance ------------------------------------------------------------------------------


def rebuild(profile_ids: list[uuid.UUID] | None = None) -> tuple[int, int]:
    """Recompute the rollups (of some or all profiles); returns (profiles, sessions)."""
    if profile_ids is None:
        profile_ids = list(db.session.scalars(sa.select(MusicianProfile.id)))
    db.session.flush()
    sessions = rollup.rebuild(db.session.connection(), profile_ids)
    return len(profile_ids), sessions
