"""Goal progress is computed from the log: the profile's week, zone and rollover decide."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import log_session, make_goal, make_piece, make_section, make_skill
from woodshed.db import db
from woodshed.goals.progress import progress_for, week_of
from woodshed.timeutil import WEEKDAYS, practice_date, week_start_of

# Sunday 8 March 2026 in Berlin. Weeks starting on Sunday run 8–14 March.
SUNDAY = date(2026, 3, 8)


def progress(profile, goal, today=SUNDAY):
    return progress_for(profile, [goal], today)[goal.id]


@pytest.fixture
def sunday_weeks(alice):
    alice.profile.week_start = "SU"
    db.session.flush()
    return alice.profile


def test_minutes_per_week_count_the_profiles_own_week(sunday_weeks):
    profile = sunday_weeks
    goal = make_goal(profile, target={"type": "minutes_per_week", "value": 120})
    # Saturday 23:30 in Berlin: the week before.
    log_session(profile, started_at=datetime(2026, 3, 7, 22, 30, tzinfo=UTC), duration_minutes=50)
    # Sunday 02:30 in Berlin is before the 04:00 rollover: still Saturday, the week before.
    log_session(profile, started_at=datetime(2026, 3, 8, 1, 30, tzinfo=UTC), duration_minutes=40)
    # Sunday 09:00 in Berlin: this week.
    log_session(profile, started_at=datetime(2026, 3, 8, 8, 0, tzinfo=UTC), duration_minutes=30)
    # Saturday 14 March, 03:00 on Sunday the 15th local: still this week's Saturday.
    log_session(profile, started_at=datetime(2026, 3, 15, 2, 0, tzinfo=UTC), duration_minutes=15)
    p = progress(profile, goal, date(2026, 3, 12))
    assert (p.current, p.target, p.percent) == (45, 120, 38)
    assert p.label == "45 of 120 min this week"
    assert (p.period_start, p.period_end) == (date(2026, 3, 8), date(2026, 3, 14))
    assert progress(profile, goal, date(2026, 3, 7)).current == 90  # the week before


def test_monday_weeks_split_the_same_sessions_differently(alice):
    goal = make_goal(alice.profile, target={"type": "minutes_per_week", "value": 60})
    log_session(
        alice.profile, started_at=datetime(2026, 3, 8, 8, 0, tzinfo=UTC), duration_minutes=30
    )
    log_session(
        alice.profile, started_at=datetime(2026, 3, 9, 8, 0, tzinfo=UTC), duration_minutes=45
    )
    assert progress(alice.profile, goal, date(2026, 3, 8)).current == 30  # week of 2–8 March
    assert progress(alice.profile, goal, date(2026, 3, 9)).current == 45
    assert progress(alice.profile, goal, date(2026, 3, 10)).percent == 75


def test_days_per_week_count_distinct_practice_dates(alice):
    goal = make_goal(alice.profile, target={"type": "days_per_week", "value": 5})
    for hours in (8, 19):  # two sessions on Monday 9 March
        log_session(alice.profile, started_at=datetime(2026, 3, 9, hours, tzinfo=UTC))
    log_session(alice.profile, started_at=datetime(2026, 3, 11, 8, tzinfo=UTC))
    p = progress(alice.profile, goal, date(2026, 3, 12))
    assert (p.current, p.percent, p.label) == (2, 40, "2 of 5 days this week")
    one = make_goal(alice.profile, "once", target={"type": "days_per_week", "value": 1})
    assert progress(alice.profile, one, date(2026, 3, 12)).label == "2 of 1 day this week"
    assert progress(alice.profile, one, date(2026, 3, 12)).percent == 100


def test_piece_section_and_skill_goals_count_only_their_own_practice(alice):
    piece = make_piece(alice.profile)
    a, b = make_section(piece, "A", (1, 8)), make_section(piece, "B", (9, 16))
    scales = make_skill(alice.profile)
    monday = datetime(2026, 3, 9, 18, tzinfo=UTC)
    # Items with minutes count their minutes.
    log_session(
        alice.profile,
        started_at=monday,
        duration_minutes=60,
        items=[
            {"section_id": str(a.id), "minutes": 20},
            {"section_id": str(b.id), "minutes": 25},
            {"skill_id": str(scales.id), "minutes": 10},
        ],
    )
    # An item without minutes counts the whole session when it is the only item...
    log_session(
        alice.profile,
        started_at=monday + timedelta(days=1),
        duration_minutes=30,
        items=[{"section_id": str(a.id)}],
    )
    # ...and nothing when the session also worked on something else.
    log_session(
        alice.profile,
        started_at=monday + timedelta(days=2),
        duration_minutes=40,
        items=[{"section_id": str(b.id)}, {"skill_id": str(scales.id), "minutes": 5}],
    )

    def minutes(**fields):
        goal = make_goal(alice.profile, target={"type": "minutes_per_week", "value": 100}, **fields)
        return progress(alice.profile, goal, date(2026, 3, 12)).current

    assert minutes(kind="section", section_id=a.id) == 50
    assert minutes(kind="section", section_id=b.id) == 25
    assert minutes(kind="piece", piece_id=piece.id) == 75
    assert minutes(kind="skill", skill_id=scales.id) == 15
    assert minutes() == 130  # a habit counts whole sessions
    days = make_goal(
        alice.profile,
        kind="skill",
        skill_id=scales.id,
        target={"type": "days_per_week", "value": 3},
    )
    assert progress(alice.profile, days, date(2026, 3, 12)).current == 2


def test_a_tempo_goal_compares_the_best_tempo_reached_with_the_target(alice):
    piece = make_piece(alice.profile)
    b = make_section(piece, "B", (33, 40))
    goal = make_goal(
        alice.profile, kind="section", section_id=b.id, target={"type": "tempo", "value": 80}
    )
    assert progress(alice.profile, goal).label == "no tempo logged yet (target 80 bpm)"
    assert progress(alice.profile, goal).percent == 0
    for tempo in (60, 72, 68):
        log_session(alice.profile, items=[{"section_id": str(b.id), "tempo_bpm": tempo}])
    p = progress(alice.profile, goal)
    assert (p.current, p.percent, p.label) == (72, 90, "best 72 of 80 bpm")
    log_session(alice.profile, items=[{"section_id": str(b.id), "tempo_bpm": 84}])
    assert progress(alice.profile, goal).percent == 100
    whole = make_goal(
        alice.profile, kind="piece", piece_id=piece.id, target={"type": "tempo", "value": 100}
    )
    assert progress(alice.profile, whole).current == 84


def test_a_checklist_counts_items_done(alice):
    goal = make_goal(
        alice.profile,
        target={
            "type": "checklist",
            "items": [
                {"text": "memorise A", "done": True},
                {"text": "memorise B"},
                {"text": "record"},
            ],
        },
    )
    p = progress(alice.profile, goal)
    assert (p.current, p.target, p.percent, p.label) == (1, 3, 33, "1 of 3 done")


def test_a_goal_without_a_target_has_no_progress(alice):
    assert progress(alice.profile, make_goal(alice.profile)) is None


def test_bobs_practice_never_counts_for_alice(alice, bob):
    goal = make_goal(alice.profile, target={"type": "minutes_per_week", "value": 60})
    log_session(bob.profile, started_at=datetime(2026, 3, 9, 8, tzinfo=UTC), duration_minutes=60)
    assert progress(alice.profile, goal, date(2026, 3, 10)).current == 0


instants = st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 4, 10)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    starts=st.lists(st.tuples(instants, st.integers(1, 90)), max_size=12),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]),
    rollover=st.integers(0, 6),
    week_start=st.sampled_from(WEEKDAYS),
    today=st.dates(date(2026, 3, 1), date(2026, 4, 10)),
)
def test_weekly_progress_matches_a_naive_count(alice, starts, zone, rollover, week_start, today):
    nested = db.session.begin_nested()
    try:
        profile = alice.profile
        profile.timezone, profile.day_rollover_hour, profile.week_start = zone, rollover, week_start
        db.session.flush()
        minutes_goal = make_goal(profile, "m", target={"type": "minutes_per_week", "value": 100})
        days_goal = make_goal(profile, "d", target={"type": "days_per_week", "value": 7})
        for start, duration in starts:
            log_session(profile, started_at=start, duration_minutes=duration)
        first = week_start_of(today, WEEKDAYS.index(week_start))
        assert week_of(profile, today) == (first, first + timedelta(days=6))
        dates = [(practice_date(s, zone, rollover), d) for s, d in starts]
        in_week = [(day, d) for day, d in dates if first <= day <= first + timedelta(days=6)]
        found = progress_for(profile, [minutes_goal, days_goal], today)
        assert found[minutes_goal.id].current == sum(d for _, d in in_week)
        assert found[days_goal.id].current == len({day for day, _ in in_week})
    finally:
        nested.rollback()
