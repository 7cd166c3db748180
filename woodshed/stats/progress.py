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
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from woodshed.db import db, json_rows
from woodshed.profiles.models import MusicianProfile
from woodshed.stats.models import DailyBreakdown, LifetimeBreakdown, MonthlyBreakdown
from woodshed.stats.rollup import audience_for
from woodshed.stats.services import as_date, as_date_or_none
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
    """What is known about each (kind, key) as of `as_of` and as of `before`: every
    subject with a session on or before `as_of`.

    Totals so far are the lifetime rollup less what came after (whole months from the
    monthly rollup, the rest of the month from the daily one); the last weeks come from the
    daily rollup. The rows read do not grow with the length of the journal.
    """
    next_month = (as_of.replace(day=28) + timedelta(days=4)).replace(day=1)
    params = {
        "profile_id": profile.id,
        "audience": audience_for(profile),
        "kinds": list(kinds),
        "as_of": as_of,
        "before": before,
        "next_month": next_month,
        "as_of_recent": as_of - timedelta(days=FREQUENCY_WINDOW - 1),
        "before_recent": before - timedelta(days=FREQUENCY_WINDOW - 1),
        "window_start": min(before.replace(day=1), before - timedelta(days=FREQUENCY_WINDOW - 1)),
    }
    if keys is not None:
        params["keys"] = keys
    totals_stmt, daily_stmt = _point_statements(keys is not None)
    # Minutes and sessions up to the end of as_of's month.
    totals = {
        (kind, key): (int(m), int(n)) for kind, key, m, n in db.session.execute(totals_stmt, params)
    }
    recent = {
        (row.dimension, row.key): row._mapping for row in db.session.execute(daily_stmt, params)
    }
    result: dict[tuple[str, str], tuple[Point, Point]] = {}
    missing: dict[tuple[tuple[str, str], int], date] = {}
    for subject, (minutes, sessions) in totals.items():
        row = recent.get(subject)
        points = []
        for which, (name, limit) in enumerate((("as_of", as_of), ("before", before))):
            point = _point(minutes, sessions, row, name)
            if point.sessions > 0 and point.last is None:
                missing[(subject, which)] = limit
            points.append(point)
        if points[0].sessions > 0:
            result[subject] = (points[0], points[1])
    if missing:
        _last_days(profile, result, missing)
    return result


def _point(minutes: int, sessions: int, window, limit: str) -> Point:
    """One subject as of a limit ("as_of" or "before"): its totals so far less what came
    after the limit, and the limit's window, from the daily read's columns for it."""
    if window is None:  # nothing in the daily window: nothing after the limit either
        return Point(minutes, sessions)

    def value(name: str) -> int:
        return int(window[f"{limit}_{name}"] or 0)

    return Point(
        minutes=minutes - value("later_minutes"),
        sessions=sessions - value("later_sessions"),
        last=as_date_or_none(window[f"{limit}_last"]),
        days_recent=value("days"),
        rating_sum=value("rating_sum"),
        rating_n=value("rating_n"),
        ratio_sum=value("ratio_sum"),
        ratio_n=value("ratio_n"),
    )


@functools.cache
def _point_statements(with_keys: bool) -> tuple[sa.Select, sa.Select]:
    """The two grouped reads of `_points`, built once (their dates are bound parameters)."""
    life, m, b = LifetimeBreakdown, MonthlyBreakdown, DailyBreakdown
    p = functools.partial(sa.bindparam, type_=sa.Date())
    profile_id: sa.BindParameter[uuid.UUID] = sa.bindparam("profile_id")
    kinds: sa.BindParameter[list[str]] = sa.bindparam("kinds", expanding=True)
    audience: sa.BindParameter[str] = sa.bindparam("audience")

    def when(condition, column):
        return sa.func.sum(sa.case((condition, column), else_=0))

    def latest(condition, column):
        return sa.func.max(sa.case((condition, column)))

    lifetime = sa.select(life.dimension, life.key, life.minutes, life.sessions).where(
        life.profile_id == profile_id, life.audience == audience, life.dimension.in_(kinds)
    )
    later_months = sa.select(m.dimension, m.key, -m.minutes, -m.sessions).where(
        m.profile_id == profile_id,
        m.audience == audience,
        m.dimension.in_(kinds),
        m.month >= p("next_month"),
    )
    d = b.practice_date
    columns = []
    for name in ("as_of", "before"):
        limit = p(name)
        recent = sa.and_(d >= p(f"{name}_recent"), d <= limit)
        columns += [
            # What came after the limit (taken off the totals so far), then its window.
            when(d > limit, b.minutes).label(f"{name}_later_minutes"),
            when(d > limit, b.sessions).label(f"{name}_later_sessions"),
            latest(d <= limit, d).label(f"{name}_last"),
            when(recent, 1).label(f"{name}_days"),
            when(recent, b.quality_sum + b.confidence_sum).label(f"{name}_rating_sum"),
            when(recent, b.quality_n + b.confidence_n).label(f"{name}_rating_n"),
            when(recent, b.ratio_sum).label(f"{name}_ratio_sum"),
            when(recent, b.ratio_n).label(f"{name}_ratio_n"),
        ]
    daily = sa.select(b.dimension, b.key, *columns).where(
        b.profile_id == profile_id,
        b.audience == audience,
        b.dimension.in_(kinds),
        d >= p("window_start"),
        d < p("next_month"),
    )
    if with_keys:
        keys: sa.BindParameter[list[str]] = sa.bindparam("keys", expanding=True)
        lifetime = lifetime.where(life.key.in_(keys))
        later_months = later_months.where(m.key.in_(keys))
        daily = daily.where(b.key.in_(keys))
    rows = sa.union_all(lifetime, later_months).subquery()
    totals = sa.select(
        rows.c.dimension, rows.c.key, sa.func.sum(rows.c.minutes), sa.func.sum(rows.c.sessions)
    ).group_by(rows.c.dimension, rows.c.key)
    return totals, daily.group_by(b.dimension, b.key)


def _last_days(profile: MusicianProfile, result: dict, missing: dict) -> None:
    """The exact last practice date on or before a limit, for subjects not practised in
    the daily window: one backward index seek each, in one statement."""
    b = DailyBreakdown
    wanted = json_rows(
        [
            (kind, key, limit, which)
            for ((kind, key), which), limit in missing.items()
            if (kind, key) in result
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
            b.audience == audience_for(profile),
            b.dimension == wanted.c.dim,
            b.key == wanted.c.key,
            b.practice_date <= wanted.c.until,
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
    pct = score(kind, now, as_of, now.ratings, now.tempo) if now.sessions >= MIN_SESSIONS else None
    if pct is not None:
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
    as_of = as_of or profile.today()
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
    labels: dict[str, dict[str, str]] | None = None,
) -> dict[str, list[dict]]:
    """Per kind, the progress of everything practised in the range, labelled, A–Z.

    `labels[kind]`, when given, must name every object of that kind practised in the
    range (the stats page has read them for its charts); otherwise they are read here.
    Deleted objects drop out.
    """
    found = _progress(profile, kinds, None, end or profile.today())
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
        labels = read_labels(profile, {kind: [str(k) for k in found[kind]] for kind in kinds})
    result = {}
    for kind in kinds:
        named = labels[kind]
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
