"""Straightforward Python versions of every statistic, computed from the sessions themselves
(never from the rollups), for the REL-ORACLE property tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from woodshed.db import db
from woodshed.journal.models import PracticeSession
from woodshed.stats.models import SkipPeriod

CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def naive_practice_date(started_at: datetime, tz: str, rollover: int) -> date:
    local = started_at.astimezone(ZoneInfo(tz))
    wall = datetime(local.year, local.month, local.day, local.hour, local.minute, local.second)
    return (wall - timedelta(hours=rollover)).date()


def entries(profile) -> list[PracticeSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(PracticeSession).where(PracticeSession.profile_id == profile.id)
        )
    )


def day_sums(sessions) -> dict[date, tuple[int, int]]:
    sums: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for s in sessions:
        sums[s.practice_date][0] += s.duration_minutes
        sums[s.practice_date][1] += 1
    return {d: (m, n) for d, (m, n) in sums.items()}


def excused(profile, first: date, last: date) -> set[date]:
    result = set()
    periods = list(
        db.session.scalars(sa.select(SkipPeriod).where(SkipPeriod.profile_id == profile.id))
    )
    day = first
    while day <= last:
        if CODES[day.weekday()] in (profile.rest_weekdays or []):
            result.add(day)
        if any(p.start_date <= day <= p.end_date for p in periods):
            result.add(day)
        day += timedelta(days=1)
    return result


def streak_figures(profile, sessions, today: date) -> dict:
    sums = day_sums(sessions)
    minimum = max(profile.daily_minimum_minutes, 1)
    practised = {d for d, (m, n) in sums.items() if n and m >= minimum and d <= today}
    if not practised:
        return {"current_streak": 0, "longest_streak": 0, "consistency": 0}
    first = min(practised)
    off = excused(profile, first, today)
    # The days that count, oldest first; today only once it has been practised.
    counted = []
    day = first
    while day <= today:
        if day not in off and (day != today or day in practised):
            counted.append(day)
        day += timedelta(days=1)
    longest = run = 0
    for day in counted:
        run = run + 1 if day in practised else 0
        longest = max(longest, run)
    current = 0
    for day in reversed(counted):
        if day not in practised:
            break
        current += 1
    score = 0.0
    m = 0.5 ** (1 / 13)
    for day in counted:
        score = score * m + (1 - m) * (1 if day in practised else 0)
    return {
        "current_streak": current,
        "longest_streak": longest,
        "consistency": round(score * 100),
    }


def shares(duration: int, minutes: list[int | None]) -> list[int]:
    """Each item's minutes: as logged, or an equal integer share of what is left over."""
    left = max(0, duration - sum(m for m in minutes if m is not None))
    open_items = [i for i, m in enumerate(minutes) if m is None]
    result = [m if m is not None else 0 for m in minutes]
    for rank, i in enumerate(open_items):
        result[i] = left // len(open_items) + (1 if rank < left % len(open_items) else 0)
    return result


def breakdown(sessions, by: str, start: date | None = None, end: date | None = None) -> dict:
    """{object id (None for no instrument): (minutes, sessions)}."""
    minutes: dict = defaultdict(int)
    counted: dict = defaultdict(set)
    for s in sessions:
        if (start and s.practice_date < start) or (end and s.practice_date > end):
            continue
        if by == "instrument":
            minutes[s.instrument_id] += s.duration_minutes
            counted[s.instrument_id].add(s.id)
        elif by == "tag":
            for tag in s.tags:
                minutes[tag.id] += s.duration_minutes
                counted[tag.id].add(s.id)
        elif by == "goal":
            for goal in s.goals:
                minutes[goal.id] += s.duration_minutes
                counted[goal.id].add(s.id)
        else:
            items = sorted(s.items, key=lambda i: i.position)
            for item, share in zip(
                items, shares(s.duration_minutes, [i.minutes for i in items]), strict=True
            ):
                key = getattr(item, f"{by}_id")
                if key is not None:
                    minutes[key] += share
                    counted[key].add(s.id)
    return {k: (minutes[k], len(counted[k])) for k in counted}


def progress_points(sessions, kind: str, as_of: date, window: int = 28) -> dict:
    """{subject id: Point} as of `as_of` for every subject with a session by then, summed
    from the items themselves (the rule of docs/formulas.md, without any rollup)."""
    from woodshed.stats.progress import Point

    found: dict = {}
    recent_days: dict = defaultdict(set)
    for s in sessions:
        if s.practice_date > as_of:
            continue
        recent = s.practice_date > as_of - timedelta(days=window)
        items = sorted(s.items, key=lambda i: i.position)
        per_subject: dict = defaultdict(int)
        ratios: dict = defaultdict(lambda: [0, 0])
        for item, share in zip(
            items, shares(s.duration_minutes, [i.minutes for i in items]), strict=True
        ):
            key = getattr(item, f"{kind}_id")
            if key is None:
                continue
            per_subject[key] += share
            target = item.target_tempo_bpm or (
                (item.section and item.section.target_tempo_bpm)
                or (item.piece and item.piece.target_tempo_bpm)
            )
            if kind != "skill" and item.tempo_bpm and target:
                ratios[key][0] += round(1000 * item.tempo_bpm / target)
                ratios[key][1] += 1
        for key, minutes in per_subject.items():
            point = found.setdefault(key, Point())
            point.minutes += minutes
            point.sessions += 1
            point.last = max(point.last or s.practice_date, s.practice_date)
            if recent:
                recent_days[key].add(s.practice_date)
                for rating in (s.quality, s.confidence):
                    if rating is not None:
                        point.rating_sum += rating
                        point.rating_n += 1
                point.ratio_sum += ratios[key][0]
                point.ratio_n += ratios[key][1]
    for key, point in found.items():
        point.days_recent = len(recent_days[key])
    return found


def walk_streaks(done: set[int], off: set[int], start: int, end: int, today: int) -> dict:
    """The streak rules walked day by day over day numbers (the definition the run-based
    code in woodshed/stats/services.py must equal)."""
    m = 0.5 ** (1 / 13)
    current = 0
    if done:
        day = today if today in done or today in off else today - 1
        while day >= min(done):
            if day in off:
                pass
            elif day in done:
                current += 1
            else:
                break
            day -= 1
    best, best_start, best_end, run, run_start = 0, None, None, 0, None
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
    score = 0.0
    for day in range(min(done, default=today + 1), today + 1):
        if day in off:
            continue
        if day in done:
            score = score * m + (1 - m)
        elif day != today:
            score *= m
    return {
        "current": current,
        "longest": (best, best_start, best_end),
        "consistency": round(score * 100),
    }
