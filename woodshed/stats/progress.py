"""The progress engine: a stage, a percentage and a trend per piece, section or skill.

    score = Σ wᵢ·cᵢ / Σ wᵢ over the components that have data (docs/formulas.md):
      time       c = min(1, minutes / 1200)   (600 for a section)             w = 0.30
      frequency  c = min(1, days practised in the last 28 / 12)               w = 0.15
      recency    c = 1 up to 3 days since, falling to 0 at 45 days            w = 0.15
      ratings    c = (mean quality/confidence rating in the last 28 days − 1)/4  w = 0.15
      tempo      c = min(1, mean tempo ÷ target in the last 28 days)           w = 0.25
    stage: < 40 beginner, < 75 intermediate, else advanced
    trend: score now − score 28 days ago: ≥ 5 improving, ≤ −5 declining, else steady
Fewer than 3 sessions give no numbers: "Not enough data yet".
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from woodshed.db import db, json_rows
from woodshed.profiles.models import MusicianProfile
from woodshed.stats.models import DailyBreakdown, MonthlyBreakdown
from woodshed.stats.services import as_date, today
from woodshed.stats.services import labels as read_labels

MIN_SESSIONS = 3
NOT_ENOUGH = "Not enough data yet"
TIME_TARGET = {"piece": 1200, "section": 600, "skill": 1200}
WEIGHTS = {"time": 0.30, "frequency": 0.15, "recency": 0.15, "ratings": 0.15, "tempo": 0.25}
FREQUENCY_WINDOW = 28
FREQUENCY_DAYS = 12
RECENCY_FULL, RECENCY_ZERO = 3, 45
TREND_STEP = 28
TREND_THRESHOLD = 5


@dataclass
class Point:
    """What is known about one subject as of one date."""

    minutes: int = 0
    sessions: int = 0
    last: date | None = None
    days_recent: int = 0
    rating_sum: int = 0  # quality and confidence ratings in the last 28 days
    rating_n: int = 0
    ratio_sum: int = 0  # tempo reached, per mille of the target, in the last 28 days
    ratio_n: int = 0

    @property
    def ratings(self) -> list[float]:
        return [self.rating_sum / self.rating_n] if self.rating_n else []

    @property
    def tempo(self) -> float | None:
        return self.ratio_sum / self.ratio_n / 1000 if self.ratio_n else None


def stage_of(percentage: int) -> str:
    if percentage < 40:
        return "beginner"
    if percentage < 75:
        return "intermediate"
    return "advanced"


def score(
    kind: str, point: Point, as_of: date, ratings: list[float], tempo: float | None
) -> int | None:
    """The percentage for one subject at one date (None without any session)."""
    if point.sessions == 0 or point.last is None:
        return None
    parts = {
        "time": min(1.0, point.minutes / TIME_TARGET[kind]),
        "frequency": min(1.0, point.days_recent / FREQUENCY_DAYS),
    }
    since = (as_of - point.last).days
    parts["recency"] = max(
        0.0, min(1.0, 1 - (since - RECENCY_FULL) / (RECENCY_ZERO - RECENCY_FULL))
    )
    if ratings:
        parts["ratings"] = (sum(ratings) / len(ratings) - 1) / 4
    if tempo is not None:
        parts["tempo"] = min(1.0, tempo)
    weight = sum(WEIGHTS[k] for k in parts)
    return round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()) / weight)


def trend_of(now: int, before: int | None) -> str:
    if before is None:
        return "improving"
    if now - before >= TREND_THRESHOLD:
        return "improving"
    if now - before <= -TREND_THRESHOLD:
        return "declining"
    return "steady"


def _points(
    profile: MusicianProfile,
    kinds: tuple[str, ...],
    keys: list[str] | None,
    as_of: date,
    before: date,
) -> dict[tuple[str, str], tuple[Point, Point]]:
    """What is known about each (kind, key) as of `as_of` and as of `before`.

    Whole months come from the monthly rollup and the last weeks from the daily one (two
    grouped reads for all kinds together), so the work stays bounded however long and
    busy the journal is.
    """
    as_of_month, before_month = as_of.replace(day=1), before.replace(day=1)
    params = {
        "profile_id": profile.id,
        "kinds": list(kinds),
        "as_of": as_of,
        "before": before,
        "as_of_month": as_of_month,
        "before_month": before_month,
        "as_of_recent": as_of - timedelta(days=FREQUENCY_WINDOW - 1),
        "before_recent": before - timedelta(days=FREQUENCY_WINDOW - 1),
        "window_start": min(before_month, before - timedelta(days=FREQUENCY_WINDOW - 1)),
    }
    if keys is not None:
        params["keys"] = keys
    monthly, daily = _point_statements(keys is not None)
    result: dict[tuple[str, str], tuple[Point, Point]] = {}
    months: dict[tuple[str, str], tuple] = {}
    for kind, key, m1, s1, last1, m2, s2, last2 in db.session.execute(monthly, params):
        result[(kind, key)] = (Point(int(m1 or 0), int(s1 or 0)), Point(int(m2 or 0), int(s2 or 0)))
        months[(kind, key)] = (as_date(last1), as_date(last2))
    for kind, key, *values in db.session.execute(daily, params):
        now, then = result.setdefault((kind, key), (Point(), Point()))
        for point, part in ((now, values[:8]), (then, values[8:])):
            minutes, sessions, last, recent, r_sum, r_n, t_sum, t_n = part
            point.minutes += int(minutes or 0)
            point.sessions += int(sessions or 0)
            point.last = as_date(last)
            point.days_recent = int(recent or 0)
            point.rating_sum, point.rating_n = int(r_sum or 0), int(r_n or 0)
            point.ratio_sum, point.ratio_n = int(t_sum or 0), int(t_n or 0)
    missing = {}
    for subject, (now, then) in result.items():
        for which, point in ((0, now), (1, then)):
            month = months.get(subject, (None, None))[which]
            if point.last is None and month is not None:
                missing[(subject, which)] = month
    if missing:
        _last_days(profile, result, missing)
    return result


@functools.cache
def _point_statements(with_keys: bool) -> tuple[sa.Select, sa.Select]:
    """The two grouped reads of `_points`, built once (their dates are bound parameters)."""
    m, b = MonthlyBreakdown, DailyBreakdown
    p = functools.partial(sa.bindparam, type_=sa.Date())
    as_of_month, before_month = p("as_of_month"), p("before_month")

    def when(condition, column):
        return sa.func.sum(sa.case((condition, column), else_=0))

    def latest(condition, column):
        return sa.func.max(sa.case((condition, column)))

    monthly = (
        sa.select(
            m.dimension,
            m.key,
            when(m.month < as_of_month, m.minutes),
            when(m.month < as_of_month, m.sessions),
            latest(m.month < as_of_month, m.month),
            when(m.month < before_month, m.minutes),
            when(m.month < before_month, m.sessions),
            latest(m.month < before_month, m.month),
        )
        .where(
            m.profile_id == sa.bindparam("profile_id"),
            m.dimension.in_(sa.bindparam("kinds", expanding=True)),
            m.month < as_of_month,
        )
        .group_by(m.dimension, m.key)
    )
    d = b.practice_date
    columns = []
    for first, limit, recent_start in (
        (as_of_month, p("as_of"), p("as_of_recent")),
        (before_month, p("before"), p("before_recent")),
    ):
        this_month = sa.and_(d >= first, d <= limit)
        recent = sa.and_(d >= recent_start, d <= limit)
        columns += [
            when(this_month, b.minutes),
            when(this_month, b.sessions),
            latest(d <= limit, d),
            when(recent, 1),
            when(recent, b.quality_sum + b.confidence_sum),
            when(recent, b.quality_n + b.confidence_n),
            when(recent, b.ratio_sum),
            when(recent, b.ratio_n),
        ]
    daily = (
        sa.select(b.dimension, b.key, *columns)
        .where(
            b.profile_id == sa.bindparam("profile_id"),
            b.dimension.in_(sa.bindparam("kinds", expanding=True)),
            d >= p("window_start"),
            d <= p("as_of"),
        )
        .group_by(b.dimension, b.key)
    )
    if with_keys:
        monthly = monthly.where(m.key.in_(sa.bindparam("keys", expanding=True)))
        daily = daily.where(b.key.in_(sa.bindparam("keys", expanding=True)))
    return monthly, daily


def _last_days(profile: MusicianProfile, result: dict, missing: dict) -> None:
    """The exact last practice date, for subjects last practised before the daily window:
    the newest day of their rollup before the end of the month known to hold it (one
    backward index seek each, in one statement)."""
    b = DailyBreakdown
    wanted = json_rows(
        [
            (kind, key, (month.replace(day=28) + timedelta(days=4)).replace(day=1), which)
            for ((kind, key), which), month in missing.items()
        ],
        dim=sa.String(),
        key=sa.String(),
        until=sa.Date(),
        which=sa.Integer(),
    )
    newest = (
        sa.select(b.practice_date)
        .where(
            b.profile_id == profile.id,
            b.dimension == wanted.c.dim,
            b.key == wanted.c.key,
            b.practice_date < wanted.c.until,
        )
        .order_by(b.practice_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = sa.select(wanted.c.dim, wanted.c.key, wanted.c.which, newest)
    for kind, key, which, last in db.session.execute(stmt):
        if last is not None:
            result[(kind, key)][int(which)].last = as_date(last)


def _info(kind: str, subject: uuid.UUID, points, as_of: date, before: date) -> dict:
    now, then = points
    info = {
        "id": subject,
        "sessions": now.sessions,
        "minutes": now.minutes,
        "last_practised": now.last,
        "stage": None,
        "percentage": None,
        "trend": None,
        "message": NOT_ENOUGH,
    }
    if now.sessions >= MIN_SESSIONS:
        pct = score(kind, now, as_of, now.ratings, now.tempo)
        earlier = score(kind, then, before, then.ratings, then.tempo)
        info.update(stage=stage_of(pct), percentage=pct, trend=trend_of(pct, earlier), message=None)
    return info


def progress_for(
    profile: MusicianProfile,
    kind: str,
    ids: list[uuid.UUID] | None,
    as_of: date | None = None,
) -> dict[uuid.UUID, dict]:
    """Progress of many subjects in a fixed number of queries; `ids=None` means every one
    that has been practised. Subjects never practised are reported with no numbers."""
    as_of = as_of or today(profile)
    keys = None if ids is None else [str(i) for i in ids]
    found = _progress(profile, (kind,), keys, as_of)[kind]
    if ids is None:
        return found
    before = as_of - timedelta(days=TREND_STEP)
    return {i: found.get(i) or _info(kind, i, (Point(), Point()), as_of, before) for i in ids}


def _progress(
    profile: MusicianProfile, kinds: tuple[str, ...], keys: list[str] | None, as_of: date
) -> dict[str, dict[uuid.UUID, dict]]:
    """Per kind, the progress of every practised subject (of `keys`, when given)."""
    before = as_of - timedelta(days=TREND_STEP)
    result: dict[str, dict[uuid.UUID, dict]] = {kind: {} for kind in kinds}
    for (kind, key), points in _points(profile, kinds, keys, as_of, before).items():
        subject = uuid.UUID(key)
        result[kind][subject] = _info(kind, subject, points, as_of, before)
    return result


def progress_lists(
    profile: MusicianProfile,
    kinds: tuple[str, ...],
    start: date | None = None,
    end: date | None = None,
    labels: Callable[[str], dict[str, str]] | None = None,
) -> dict[str, list[dict]]:
    """Per kind, the progress of everything practised in the range, labelled, A–Z.

    `labels(kind)`, when given, must name every object of that kind practised in the
    range (the stats page has read them for its charts); otherwise they are read here.
    Deleted objects drop out.
    """
    found = _progress(profile, kinds, None, end or today(profile))
    if start is not None:
        found = {
            kind: {
                k: v
                for k, v in items.items()
                if v["last_practised"] and v["last_practised"] >= start
            }
            for kind, items in found.items()
        }
    if labels is None:
        names = read_labels(profile, {kind: [str(k) for k in found[kind]] for kind in kinds})
        labels = names.__getitem__
    result = {}
    for kind in kinds:
        named = labels(kind)
        items = [
            info | {"label": named[str(k)]} for k, info in found[kind].items() if str(k) in named
        ]
        items.sort(key=lambda i: i["label"].casefold())
        result[kind] = items
    return result


def progress_list(
    profile: MusicianProfile, kind: str, start: date | None = None, end: date | None = None
) -> list[dict]:
    """Progress of everything of this kind practised in the range, labelled, A–Z."""
    return progress_lists(profile, (kind,), start, end)[kind]
