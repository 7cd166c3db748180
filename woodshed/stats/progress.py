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

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from woodshed.db import db
from woodshed.profiles.models import MusicianProfile
from woodshed.stats.models import DailyBreakdown, MonthlyBreakdown

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
    profile: MusicianProfile, kind: str, keys: list[str] | None, as_of: date, before: date
) -> dict[str, tuple[Point, Point]]:
    """What is known about each subject as of `as_of` and as of `before`.

    Whole months come from the monthly rollup and the last weeks from the daily one (two
    grouped reads), so the work stays bounded however long and busy the journal is.
    """
    m, b = MonthlyBreakdown, DailyBreakdown
    as_of_month, before_month = as_of.replace(day=1), before.replace(day=1)
    window_start = min(before_month, before - timedelta(days=FREQUENCY_WINDOW - 1))

    def when(condition, column):
        return sa.func.sum(sa.case((condition, column), else_=0))

    def latest(condition, column):
        return sa.func.max(sa.case((condition, column)))

    monthly = (
        sa.select(
            m.key,
            when(m.month < as_of_month, m.minutes),
            when(m.month < as_of_month, m.sessions),
            latest(m.month < as_of_month, m.month),
            when(m.month < before_month, m.minutes),
            when(m.month < before_month, m.sessions),
            latest(m.month < before_month, m.month),
        )
        .where(m.profile_id == profile.id, m.dimension == kind, m.month < as_of_month)
        .group_by(m.key)
    )
    d = b.practice_date
    periods = (
        (sa.and_(d >= as_of_month, d <= as_of), as_of),
        (sa.and_(d >= before_month, d <= before), before),
    )
    columns = []
    for this_month, limit in periods:
        recent = sa.and_(d >= limit - timedelta(days=FREQUENCY_WINDOW - 1), d <= limit)
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
        sa.select(b.key, *columns)
        .where(b.profile_id == profile.id, b.dimension == kind, d >= window_start, d <= as_of)
        .group_by(b.key)
    )
    if keys is not None:
        monthly = monthly.where(m.key.in_(keys))
        daily = daily.where(b.key.in_(keys))
    result: dict[str, tuple[Point, Point]] = {}
    months: dict[str, tuple] = {}
    for key, m1, s1, last1, m2, s2, last2 in db.session.execute(monthly):
        result[key] = (Point(int(m1 or 0), int(s1 or 0)), Point(int(m2 or 0), int(s2 or 0)))
        months[key] = (_as_date(last1), _as_date(last2))
    for key, *values in db.session.execute(daily):
        now, then = result.setdefault(key, (Point(), Point()))
        for point, part in ((now, values[:8]), (then, values[8:])):
            minutes, sessions, last, recent, r_sum, r_n, t_sum, t_n = part
            point.minutes += int(minutes or 0)
            point.sessions += int(sessions or 0)
            point.last = _as_date(last)
            point.days_recent = int(recent or 0)
            point.rating_sum, point.rating_n = int(r_sum or 0), int(r_n or 0)
            point.ratio_sum, point.ratio_n = int(t_sum or 0), int(t_n or 0)
    missing = {}
    for key, (now, then) in result.items():
        for which, point in ((0, now), (1, then)):
            month = months.get(key, (None, None))[which]
            if point.last is None and month is not None:
                missing[(key, which)] = month
    if missing:
        _last_days(profile, kind, result, missing)
    return result


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _last_days(profile: MusicianProfile, kind: str, result: dict, missing: dict) -> None:
    """The exact last practice date, for subjects last practised before the daily window
    (one read of at most a month of days each)."""
    b = DailyBreakdown
    wanted = {(key, month) for (key, _), month in missing.items()}
    stmt = (
        sa.select(b.key, sa.func.max(b.practice_date))
        .where(
            b.profile_id == profile.id,
            b.dimension == kind,
            sa.or_(
                *(
                    sa.and_(
                        b.key == key,
                        b.practice_date >= month,
                        b.practice_date
                        < (month.replace(day=28) + timedelta(days=4)).replace(day=1),
                    )
                    for key, month in wanted
                )
            ),
        )
        .group_by(b.key, sa.func.substr(sa.cast(b.practice_date, sa.String), 1, 7))
    )
    found: dict[tuple[str, date], date] = {}
    for key, last in db.session.execute(stmt):
        last = _as_date(last)
        found[(key, last.replace(day=1))] = last
    for (key, which), month in missing.items():
        if (key, month) in found:
            result[key][which].last = found[(key, month)]


def progress_for(
    profile: MusicianProfile,
    kind: str,
    ids: list[uuid.UUID] | None,
    as_of: date | None = None,
) -> dict[uuid.UUID, dict]:
    """Progress of many subjects in a fixed number of queries; `ids=None` means every one
    that has been practised. Subjects never practised are reported with no numbers."""
    from woodshed.stats.services import today

    as_of = as_of or today(profile)
    before = as_of - timedelta(days=TREND_STEP)
    keys = None if ids is None else [str(i) for i in ids]
    points = _points(profile, kind, keys, as_of, before)
    subject_ids = [uuid.UUID(k) for k in points] if ids is None else list(ids)
    result = {}
    for subject in subject_ids:
        now, then = points.get(str(subject), (Point(), Point()))
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
            info.update(
                stage=stage_of(pct), percentage=pct, trend=trend_of(pct, earlier), message=None
            )
        result[subject] = info
    return result


def progress_list(
    profile: MusicianProfile, kind: str, start: date | None = None, end: date | None = None
) -> list[dict]:
    """Progress of everything of this kind practised in the range, labelled, A–Z."""
    from woodshed.stats.services import labels_for

    found = progress_for(profile, kind, None, end)
    if start is not None:
        found = {
            k: v for k, v in found.items() if v["last_practised"] and v["last_practised"] >= start
        }
    labels = labels_for(profile, kind, [str(k) for k in found])
    items = [info | {"label": labels[str(k)]} for k, info in found.items() if str(k) in labels]
    items.sort(key=lambda i: i["label"].casefold())
    return items
