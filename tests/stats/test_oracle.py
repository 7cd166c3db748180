"""REL-ORACLE: every aggregate equals a straightforward computation over the same entries.

Random journals over several years in random time zones (with DST, and half-hour and
quarter-hour offsets), random rollover hours, sessions near midnight and near the
rollover, rest weekdays and vacations — built through the real services, then edited and
partly deleted, so the rollups have been maintained incrementally the whole way.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_instrument, make_persona
from tests.stats import oracle
from woodshed.db import db
from woodshed.goals.models import Goal
from woodshed.journal import services as journal
from woodshed.journal.schemas import SessionIn
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.stats import charts, progress, services
from woodshed.stats.models import SkipPeriod
from woodshed.stats.progress import Point
from woodshed.timeutil import practice_date

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Pacific/Chatham",
)
NOW = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
names = itertools.count()

local_times = st.one_of(
    st.sampled_from(["23:59", "00:00", "00:01", "00:30", "12:00"]),
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 29, 59])),
)
session_st = st.fixed_dictionaries(
    {
        "days_ago": st.integers(0, 3 * 365),
        "time": local_times,
        "near_rollover": st.booleans(),
        "duration": st.integers(1, 240),
        "instrument": st.sampled_from([None, 0, 1]),
        "items": st.lists(
            st.tuples(
                st.sampled_from(["p0", "p1", "s0", "s1", "k0", "k1"]),
                st.none() | st.integers(0, 90),
            ),
            max_size=3,
        ),
        "tempo": st.none() | st.integers(40, 200),
        "confidence": st.none() | st.integers(1, 5),
        "tags": st.lists(st.sampled_from(["left hand", "scales", "Sight-reading"]), max_size=2),
        "goals": st.lists(st.integers(0, 1), max_size=2, unique=True),
        "quality": st.none() | st.integers(1, 5),
        "enjoyment": st.none() | st.integers(1, 5),
    }
)
journal_st = st.fixed_dictionaries(
    {
        "zone": st.sampled_from(ZONES),
        "rollover": st.integers(0, 6),
        "week_start": st.sampled_from(oracle.CODES),
        "rest": st.lists(st.sampled_from(oracle.CODES), max_size=3, unique=True),
        "minimum": st.sampled_from([1, 1, 20, 45]),
        "vacations": st.lists(st.tuples(st.integers(0, 400), st.integers(0, 20)), max_size=3),
        "sessions": st.lists(session_st, min_size=1, max_size=40),
        "edits": st.lists(
            st.tuples(st.integers(0, 39), st.integers(-3, 3), st.integers(1, 200)), max_size=5
        ),
        "deletes": st.lists(st.integers(0, 39), max_size=4),
        "range": st.tuples(st.integers(0, 3 * 365), st.integers(0, 400)),
    }
)


def _start(zone: str, rollover: int, today: date, spec: dict) -> datetime:
    day = today - timedelta(days=spec["days_ago"])
    hour, minute = (int(x) for x in spec["time"].split(":"))
    if spec["near_rollover"]:
        hour, minute = (rollover - 1) % 24 if minute < 30 else rollover, minute
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def build_journal(data: dict):
    persona = make_persona(
        f"oracle{next(names)}",
        timezone=data["zone"],
        day_rollover_hour=data["rollover"],
        daily_minimum_minutes=data["minimum"],
    )
    profile = persona.profile
    profile.rest_weekdays = data["rest"]
    profile.week_start = data["week_start"]
    today = profile.today()
    instruments = [make_instrument(profile, "Piano"), make_instrument(profile, "Guitar")]
    pieces = [
        Piece(profile_id=profile.id, title=f"Piece {i}", target_tempo_bpm=(120, None)[i])
        for i in range(2)
    ]
    db.session.add_all(pieces)
    db.session.flush()
    sections = [
        Section(
            piece_id=pieces[i].id,
            profile_id=profile.id,
            name=f"S{i}",
            bar_start=1,
            bar_end=8,
            target_tempo_bpm=(None, 90)[i],
        )
        for i in range(2)
    ]
    skills = [Skill(profile_id=profile.id, name=f"Skill {i}") for i in range(2)]
    goals = [Goal(profile_id=profile.id, title=f"Goal {i}") for i in range(2)]
    db.session.add_all([*sections, *skills, *goals])
    db.session.flush()
    refs = {
        "p0": {"piece_id": pieces[0].id},
        "p1": {"piece_id": pieces[1].id},
        "s0": {"section_id": sections[0].id},
        "s1": {"section_id": sections[1].id},
        "k0": {"skill_id": skills[0].id},
        "k1": {"skill_id": skills[1].id},
    }
    for offset, length in data["vacations"]:
        first = today - timedelta(days=offset)
        db.session.add(
            SkipPeriod(
                profile_id=profile.id, start_date=first, end_date=first + timedelta(days=length)
            )
        )
    created = []
    for spec in data["sessions"]:
        started = _start(data["zone"], data["rollover"], today, spec)
        if started > NOW:
            continue
        payload = SessionIn.model_validate(
            {
                "started_at": started,
                "duration_minutes": spec["duration"],
                "instrument_id": None
                if spec["instrument"] is None
                else instruments[spec["instrument"]].id,
                "items": [
                    refs[key]
                    | {"minutes": minutes}
                    | ({"tempo_bpm": spec["tempo"]} if key[0] in "ps" else {})
                    for key, minutes in spec["items"]
                ],
                "tags": spec["tags"],
                "goal_ids": [goals[i].id for i in spec["goals"]],
                "quality": spec["quality"],
                "enjoyment": spec["enjoyment"],
                "confidence": spec["confidence"],
            }
        )
        created.append(journal.create_session(profile, payload)[0])
    for index, shift, duration in data["edits"]:
        if index < len(created):
            s = created[index]
            new_start = min(s.started_at + timedelta(days=shift), NOW)
            journal.update_session(
                profile, s, {"started_at": new_start, "duration_minutes": duration, "items": []}
            )
    for index in data["deletes"]:
        if index < len(created) and created[index] is not None:
            journal.delete_session(created[index])
            created[index] = None
    db.session.flush()
    return profile, today


@pytest.mark.slow
@settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=journal_st)
def test_every_aggregate_equals_a_naive_computation_over_the_entries(app, frozen_clock, data):
    frozen_clock(NOW)
    profile, today = build_journal(data)
    sessions = oracle.entries(profile)

    # Each entry is filed under its musician's day, never the UTC one.
    for s in sessions:
        assert s.practice_date == oracle.naive_practice_date(
            s.started_at, s.timezone, data["rollover"]
        )

    sums = oracle.day_sums(sessions)
    summary = services.summary(profile)
    assert summary["total_minutes"] == sum(m for m, _ in sums.values())
    assert summary["total_sessions"] == len(sessions)
    assert summary["practice_days"] == len(sums)
    assert summary["today_minutes"] == sums.get(today, (0, 0))[0]
    assert summary["month_minutes"] == sum(
        m for d, (m, _) in sums.items() if (d.year, d.month) == (today.year, today.month)
    )
    week_first = today - timedelta(
        days=(today.weekday() - oracle.CODES.index(data["week_start"])) % 7
    )
    assert summary["week_minutes"] == sum(
        m for d, (m, _) in sums.items() if week_first <= d <= week_first + timedelta(days=6)
    )
    assert summary["year_minutes"] == sum(m for d, (m, _) in sums.items() if d.year == today.year)

    start = today - timedelta(days=data["range"][0])
    end = min(today, start + timedelta(days=data["range"][1]))
    ranged = services.summary(profile, start, end)
    in_range = {d: v for d, v in sums.items() if start <= d <= end}
    assert ranged["total_minutes"] == sum(m for m, _ in in_range.values())
    assert ranged["total_sessions"] == sum(n for _, n in in_range.values())
    assert ranged["practice_days"] == len(in_range)

    cells = {
        c["date"]: (c["minutes"], c["sessions"]) for c in services.heatmap(profile, start, end)
    }
    assert cells == in_range

    for bucket in ("day", "week", "month"):
        series = services.timeseries(profile, start, end, bucket)
        assert sum(p["minutes"] for p in series) == sum(m for m, _ in in_range.values())
        for point in series:
            if bucket == "week":
                assert point["start"].weekday() == oracle.CODES.index(data["week_start"])
            nxt = services.next_bucket(point["start"], bucket)
            expected = sum(m for d, (m, _) in in_range.items() if point["start"] <= d < nxt)
            assert point["minutes"] == expected

    for by in ("instrument", "piece", "section", "skill", "tag", "goal"):
        for first, last in ((None, None), (start, end)):
            got = {
                row["id"]: (row["minutes"], row["sessions"])
                for row in services.breakdown(profile, by, first, last)
            }
            assert got == oracle.breakdown(sessions, by, first, last), by

    # Progress as of today, the end of the range and days at the edges of the 28-day
    # windows around logged days (later sessions left out): every figure of both points.
    edges = {s.practice_date + timedelta(days=n) for s in sessions[:3] for n in (27, 28, 55, 56)}
    window = progress.FREQUENCY_WINDOW
    for as_of in sorted({today, end} | {d for d in edges if d <= today}):
        before = as_of - timedelta(days=progress.TREND_STEP)
        for kind in ("piece", "section", "skill"):
            now = oracle.progress_points(sessions, kind, as_of, window)
            then = oracle.progress_points(sessions, kind, before, window)
            expected = {(kind, str(k)): (p, then.get(k, Point())) for k, p in now.items()}
            got = progress._points(profile, (kind,), None, as_of, before)
            assert got == expected, (kind, as_of)
            assert progress.progress_for(profile, kind, None, as_of) == {
                k: progress._info(kind, k, (p, then.get(k, Point())), as_of, before)
                for k, p in now.items()
            }

    # The stats page shows the API's figures: one computation, two renderings.
    ctx = charts.Context(profile, start, end, charts.auto_bucket(start, end))
    series = services.timeseries(profile, start, end, ctx.bucket)
    expected_rows = [[p["start"], p["minutes"], p["moving_average"], p["sessions"]] for p in series]
    assert charts.time_chart(ctx).rows == (expected_rows if in_range else [])
    calendar = ctx.calendar(lambda day: "")
    assert {c.day: (c.minutes, c.sessions) for c in calendar.practised} == {
        c["date"]: (c["minutes"], c["sessions"])
        for c in services.heatmap(profile, calendar.start, calendar.end)
    }
    goals = db.session.scalars(sa.select(Goal).where(Goal.profile_id == profile.id)).all()
    linked = oracle.breakdown(sessions, "goal", start, end)
    assert {row[0]: (row[1], row[2]) for row in charts.goals_chart(ctx).rows} == {
        goal.title: linked.get(goal.id, (0, 0)) for goal in goals
    }

    expected = oracle.streak_figures(profile, sessions, today)
    figures = services.streaks(profile)
    assert {k: figures[k] for k in expected} == expected
    assert {k: summary[k] for k in expected} == expected


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(ZONES), later=st.sampled_from(ZONES), rollover=st.integers(0, 6))
def test_changing_the_time_zone_later_refiles_nothing(app, frozen_clock, zone, later, rollover):
    frozen_clock(NOW)
    persona = make_persona(f"tz{next(names)}", timezone=zone, day_rollover_hour=rollover)
    profile = persona.profile
    logged = [
        journal.create_session(
            profile,
            SessionIn.model_validate(
                {"started_at": NOW - timedelta(hours=h), "duration_minutes": 20}
            ),
        )[0]
        for h in (1, 5, 23, 49)
    ]
    before = {s.id: s.practice_date for s in logged}
    cells = services.heatmap(profile, date(2026, 1, 1), date(2026, 12, 31))
    profile.timezone = later
    db.session.flush()
    assert {s.id: s.practice_date for s in oracle.entries(profile)} == before
    assert services.heatmap(profile, date(2026, 1, 1), date(2026, 12, 31)) == cells
    assert all(s.practice_date == practice_date(s.started_at, zone, rollover) for s in logged)


@pytest.mark.parametrize("week_start", oracle.CODES)
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Chatham"])
def test_weeks_and_months_are_summed_from_their_first_day(app, frozen_clock, week_start, zone):
    """Daily practice over seven weeks: every week and month holds exactly its own days."""
    frozen_clock(NOW)
    persona = make_persona(f"weeks{next(names)}", timezone=zone, week_start=week_start)
    profile = persona.profile
    today = profile.today()
    for days_ago in range(1, 50):
        noon = datetime.combine(today - timedelta(days=days_ago), datetime.min.time())
        started = noon.replace(hour=12, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        payload = {"started_at": started, "duration_minutes": 10 + days_ago % 7}
        journal.create_session(profile, SessionIn.model_validate(payload))
    start, end = today - timedelta(days=49), today
    sums = oracle.day_sums(oracle.entries(profile))
    for bucket in ("week", "month"):
        for point in services.timeseries(profile, start, end, bucket):
            nxt = services.next_bucket(point["start"], bucket)
            days = [d for d in sums if point["start"] <= d < nxt]
            assert point["practice_days"] == len(days), (bucket, point)
            assert point["minutes"] == sum(sums[d][0] for d in days), (bucket, point)
