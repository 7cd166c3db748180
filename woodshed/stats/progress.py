"""The progress engine: a stage, a percentage and a trend per piece, section or skill.

    score = Σ wᵢ·cᵢ / Σ wᵢ over the components that have data (docs/formulas.md):
      time       c = min(1, minutes / 1200)   (600 for a section)             w = 0.30
      frequency  c = min(1, days practised in the last 28 / 12)               w = 0.15
      recency    c = 1 up to 3 days since, falling to 0 at 45 days            w = 0.15
      ratings    c = (mean quality and confidence of the last 5 rated − 1)/4  w = 0.15
      tempo      c = min(1, latest tempo / target tempo)                       w = 0.25
    stage: < 40 beginner, < 75 intermediate, else advanced
    trend: score now − score 28 days ago: ≥ 5 improving, ≤ −5 declining, else steady
Fewer than 3 sessions give no numbers: "Not enough data yet".
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from woodshed.db import db
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Piece, Section
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
RATED_SESSIONS = 5
DETAIL_WINDOW = 118  # days of sessions read for ratings and tempo before each point


@dataclass
class Point:
    """What is known about one subject as of one date."""

    minutes: int = 0
    sessions: int = 0
    last: date | None = None
    days_recent: int = 0


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

    Whole months come from the monthly rollup and the last weeks from the daily one, so
    the rows read stay bounded however long and busy the journal is.
    """
    m, b = MonthlyBreakdown, DailyBreakdown
    as_of_month, before_month = as_of.replace(day=1), before.replace(day=1)
    window_start = min(before_month, before - timedelta(days=FREQUENCY_WINDOW - 1))
    monthly = sa.select(m.key, m.month, m.minutes, m.sessions).where(
        m.profile_id == profile.id, m.dimension == kind, m.month < as_of_month
    )
    daily = sa.select(b.key, b.practice_date, b.minutes, b.sessions).where(
        b.profile_id == profile.id,
        b.dimension == kind,
        b.practice_date >= window_start,
        b.practice_date <= as_of,
    )
    if keys is not None:
        monthly = monthly.where(m.key.in_(keys))
        daily = daily.where(b.key.in_(keys))
    months: dict[str, list] = defaultdict(list)
    for key, month, minutes, sessions in db.session.execute(monthly):
        months[key].append((month, minutes, sessions))
    days: dict[str, list] = defaultdict(list)
    for key, day, minutes, sessions in db.session.execute(daily):
        days[key].append((day, minutes, sessions))

    def point(key: str, limit: date) -> tuple[Point, date | None]:
        first_of_month = limit.replace(day=1)
        p = Point()
        latest_month = None
        for month, minutes, sessions in months.get(key, ()):
            if month < first_of_month:
                p.minutes += minutes
                p.sessions += sessions
                latest_month = max(latest_month or month, month)
        recent_from = limit - timedelta(days=FREQUENCY_WINDOW - 1)
        for day, minutes, sessions in days.get(key, ()):
            if first_of_month <= day <= limit:
                p.minutes += minutes
                p.sessions += sessions
            if recent_from <= day <= limit:
                p.days_recent += 1
            if day <= limit:
                p.last = max(p.last or day, day)
        return p, (latest_month if p.last is None else None)

    result, missing = {}, {}
    for key in set(months) | set(days):
        now, month_now = point(key, as_of)
        then, month_then = point(key, before)
        result[key] = (now, then)
        for which, month in ((0, month_now), (1, month_then)):
            if month is not None:
                missing[(key, which)] = month
    if missing:
        _last_days(profile, kind, result, missing)
    return result


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
        if isinstance(last, str):
            last = date.fromisoformat(last)
        found[(key, last.replace(day=1))] = last
    for (key, which), month in missing.items():
        if (key, month) in found:
            result[key][which].last = found[(key, month)]


def _details(
    profile: MusicianProfile, kind: str, ids: list[uuid.UUID], before: date, as_of: date
) -> dict[uuid.UUID, list]:
    """Per subject, newest first: (date, quality, confidence, tempo ratio) of the few items
    the formula reads — the last rated ones and the last with a tempo, both as of `as_of`
    and as of `before` — so the rows returned do not grow with the journal."""
    column = {"piece": SessionItem.piece_id, "section": SessionItem.section_id}.get(
        kind, SessionItem.skill_id
    )
    section = aliased(Section)
    piece = aliased(Piece)
    ps = PracticeSession
    target = sa.func.coalesce(
        SessionItem.target_tempo_bpm, section.target_tempo_bpm, piece.target_tempo_bpm
    )
    rated = sa.or_(ps.quality.is_not(None), ps.confidence.is_not(None))
    timed = sa.and_(SessionItem.tempo_bpm.is_not(None), target.is_not(None))
    early = ps.practice_date <= before
    order = (ps.started_at.desc(), SessionItem.position.desc(), SessionItem.id.desc())
    inner = (
        sa.select(
            column.label("subject"),
            ps.practice_date,
            ps.started_at,
            SessionItem.position,
            ps.quality,
            ps.confidence,
            SessionItem.tempo_bpm,
            target.label("target"),
            sa.case((rated, 1), else_=0).label("rated"),
            sa.case((timed, 1), else_=0).label("timed"),
            sa.func.row_number()
            .over(partition_by=(column, rated, early), order_by=order)
            .label("rank_rated"),
            sa.func.row_number()
            .over(partition_by=(column, timed, early), order_by=order)
            .label("rank_timed"),
        )
        .join(ps, ps.id == SessionItem.session_id)
        .outerjoin(section, section.id == SessionItem.section_id)
        .outerjoin(piece, piece.id == SessionItem.piece_id)
        .where(
            ps.profile_id == profile.id,
            column.in_(ids),
            ps.practice_date >= before - timedelta(days=DETAIL_WINDOW),
            ps.practice_date <= as_of,
        )
        .subquery()
    )
    stmt = (
        sa.select(
            inner.c.subject,
            inner.c.practice_date,
            inner.c.quality,
            inner.c.confidence,
            inner.c.tempo_bpm,
            inner.c.target,
        )
        .where(
            sa.or_(
                sa.and_(inner.c.rated == 1, inner.c.rank_rated <= RATED_SESSIONS),
                sa.and_(inner.c.timed == 1, inner.c.rank_timed == 1),
            )
        )
        .order_by(inner.c.started_at.desc(), inner.c.position.desc())
    )
    found: dict[uuid.UUID, list] = defaultdict(list)
    for subject, day, quality, confidence, tempo, goal in db.session.execute(stmt):
        ratio = tempo / goal if tempo and goal else None
        found[subject].append((day, quality, confidence, ratio))
    return found


def _ratings_and_tempo(rows: list, as_of: date) -> tuple[list[float], float | None]:
    earliest = as_of - timedelta(days=DETAIL_WINDOW)
    ratings: list[float] = []
    rated = 0
    tempo = None
    for day, quality, confidence, ratio in rows:
        if not (earliest <= day <= as_of):
            continue
        if tempo is None and ratio is not None:
            tempo = ratio
        if rated < RATED_SESSIONS and (quality is not None or confidence is not None):
            ratings.extend(float(v) for v in (quality, confidence) if v is not None)
            rated += 1
    return ratings, tempo


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
    details = (
        _details(
            profile,
            kind,
            [uuid.UUID(k) for k, (p, _) in points.items() if p.sessions >= MIN_SESSIONS],
            before,
            as_of,
        )
        if points
        else {}
    )
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
            rows = details.get(subject, [])
            pct = score(kind, now, as_of, *_ratings_and_tempo(rows, as_of))
            earlier = score(kind, then, before, *_ratings_and_tempo(rows, before))
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
