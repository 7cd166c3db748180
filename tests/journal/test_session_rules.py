"""The journal's rules, checked at the service and schema level (issue 3, "Bad input")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import log_session, make_instrument, make_persona, make_piece
from tests.journal import builders
from woodshed.db import db
from woodshed.errors import DomainError
from woodshed.journal import services
from woodshed.journal.forms import form_context
from woodshed.journal.models import PracticeSession, Tag
from woodshed.journal.schemas import QuickLogIn, SessionIn
from woodshed.timeutil import day_start
from woodshed.validation import parse_form

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def form_input(profile, **fields) -> SessionIn:
    """What the log form hands the service: the API's schema in form context."""
    return parse_form(SessionIn, fields, context=form_context(profile))


def errors_of(call) -> dict[str, str]:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.messages


# --- practice date ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-03-29T01:30", date(2026, 3, 28)),  # before the spring gap, before rollover
        ("2026-03-29T02:30", date(2026, 3, 28)),  # in the gap: read as 03:30 CEST
        ("2026-03-29T03:30", date(2026, 3, 28)),  # after the gap, still before 04:00
        ("2026-03-29T04:30", date(2026, 3, 29)),
        ("2026-10-25T02:30", date(2026, 10, 24)),  # the hour that happens twice
        ("2026-10-25T04:00", date(2026, 10, 25)),
        ("2026-10-25T23:59", date(2026, 10, 25)),
    ],
)
def test_a_local_start_time_files_under_the_musicians_day_across_dst(
    alice, frozen_clock, local, expected
):
    frozen_clock(datetime(2026, 11, 1, tzinfo=UTC))
    data = form_input(alice.profile, started_at=local, duration_minutes="30")
    session, _ = services.create_session(alice.profile, data)
    assert session.practice_date == expected


def test_the_gap_hour_is_moved_forward_not_back(alice, frozen_clock):
    frozen_clock(datetime(2026, 11, 1, tzinfo=UTC))
    data = form_input(alice.profile, started_at="2026-03-29T02:30", duration_minutes="30")
    assert data.started_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_late_night_practice_counts_for_the_day_before_unless_rollover_is_midnight(app):
    night = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)  # 00:30 on the 10th in Berlin
    owl = make_persona("owl", timezone="Europe/Berlin", day_rollover_hour=4)
    lark = make_persona("lark", timezone="Europe/Berlin", day_rollover_hour=0)
    assert log_session(owl.profile, started_at=night).practice_date == date(2026, 3, 9)
    assert log_session(lark.profile, started_at=night).practice_date == date(2026, 3, 10)


def test_a_later_change_of_time_zone_refiles_nothing(alice):
    session = log_session(alice.profile, started_at=datetime(2026, 3, 9, 22, 0, tzinfo=UTC))
    assert session.practice_date == date(2026, 3, 9)  # 23:00 in Berlin
    alice.profile.timezone = "Asia/Tokyo"
    db.session.flush()
    services.update_session(alice.profile, session, {"notes": "flew to Tokyo"})
    assert session.practice_date == date(2026, 3, 9)


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    instant=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
    rollover=st.integers(0, 6),
)
def test_the_practice_date_is_the_day_whose_start_comes_last_before_the_session(
    instant, zone, rollover
):
    from woodshed.timeutil import practice_date

    day = practice_date(instant, zone, rollover)
    assert day_start(day, zone, rollover) <= instant < day_start(day + timedelta(1), zone, rollover)


# --- duration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("45", 45), ("1:30", 90), ("1h30m", 90), ("1h 30min", 90), ("90 min", 90), ("2h", 120)],
)
def test_the_form_reads_durations_as_people_type_them(alice, typed, minutes):
    data = form_input(alice.profile, started_at="2026-01-05T10:00", duration_minutes=typed)
    assert data.duration_minutes == minutes


@given(hours=st.integers(0, 9), minutes=st.integers(0, 59))
def test_clock_and_h_m_durations_mean_the_same_minutes(hours, minutes):
    total = hours * 60 + minutes
    context = {"form": True, "timezone": "UTC"}
    for typed in (f"{hours}h{minutes}m", f"{hours}:{minutes:02d}"):
        fields = {"started_at": "2026-01-05T10:00", "duration_minutes": typed}
        if 1 <= total <= 600:
            assert parse_form(SessionIn, fields, context=context).duration_minutes == total
        else:
            with pytest.raises(DomainError):
                parse_form(SessionIn, fields, context=context)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "Enter a number of at least 1."),
        ("601", "Enter a number of at most 600."),
        ("10h1m", "Enter a number of at most 600."),
        ("soon", "Enter minutes (45), hours and minutes (1:30) or 1h30m."),
    ],
)
def test_a_duration_outside_1_to_600_minutes_is_refused(alice, typed, message):
    errors = errors_of(
        lambda: form_input(alice.profile, started_at="2026-01-05T10:00", duration_minutes=typed)
    )
    assert errors == {"duration_minutes": message}


@pytest.mark.parametrize("minutes", [1, 600])
def test_one_and_six_hundred_minutes_are_allowed(alice, minutes):
    session = log_session(alice.profile, duration_minutes=minutes)
    assert session.duration_minutes == minutes


def test_the_json_api_wants_whole_minutes_not_typed_text(alice_api):
    response = alice_api.post(
        "/api/v1/sessions",
        json={"started_at": "2026-01-05T10:00:00+01:00", "duration_minutes": "1h30m"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "duration_minutes", "message": "Enter a whole number."}
    ]


# --- start time -------------------------------------------------------------------------


def test_a_start_within_five_minutes_of_clock_skew_is_accepted(alice, frozen_clock):
    frozen_clock(NOW)
    data = form_input(alice.profile, started_at="2026-03-10T13:04", duration_minutes="5")
    assert data.started_at == NOW + timedelta(minutes=4)


def test_a_start_beyond_five_minutes_in_the_future_is_refused(alice, frozen_clock):
    frozen_clock(NOW)
    errors = errors_of(
        lambda: form_input(alice.profile, started_at="2026-03-10T13:06", duration_minutes="5")
    )
    assert errors == {"started_at": "The start time is in the future."}


def test_a_start_time_is_required_and_must_be_a_time(alice):
    assert errors_of(lambda: form_input(alice.profile, duration_minutes="5")) == {
        "started_at": "This field is required."
    }
    assert errors_of(
        lambda: form_input(alice.profile, started_at="yesterday", duration_minutes="5")
    ) == {"started_at": "Enter a date and time, e.g. 2026-03-05 18:30."}


# --- ratings, bars, sections, tags, evidence --------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [(6, "Enter a number of at most 5."), (0, "Enter a number of at least 1.")],
)
@pytest.mark.parametrize("rating", ["mood", "quality", "enjoyment", "difficulty", "confidence"])
def test_ratings_run_from_one_to_five(alice, rating, value, message):
    fields = {"started_at": "2026-01-05T10:00", "duration_minutes": "30", rating: str(value)}
    assert errors_of(lambda: form_input(alice.profile, **fields)) == {rating: message}


def test_a_bar_range_that_runs_backwards_is_refused(alice):
    piece = make_piece(alice.profile)
    errors = errors_of(
        lambda: form_input(
            alice.profile,
            started_at="2026-01-05T10:00",
            duration_minutes="30",
            items=[{"piece_id": str(piece.id), "bars": "40-33"}],
        )
    )
    assert errors == {"items.0.bars": "The first bar (40) comes after the last (33)."}


def test_a_section_of_another_piece_is_refused(alice):
    nocturne = make_piece(alice.profile, "Nocturne", sections=[("A", 1, 8)])
    etude = make_piece(alice.profile, "Etude", sections=[("Coda", 60, 72)])
    data = form_input(
        alice.profile,
        started_at="2026-01-05T10:00",
        duration_minutes="30",
        items=[{"piece_id": str(nocturne.id), "section_id": str(etude.sections[0].id)}],
    )
    errors = errors_of(lambda: services.create_session(alice.profile, data))
    assert errors == {"items.0.section_id": "This section belongs to another piece."}
    assert db.session.scalar(sa.select(sa.func.count(PracticeSession.id))) == 0


def test_a_section_alone_names_its_piece(alice):
    etude = make_piece(alice.profile, "Etude", sections=[("Coda", 60, 72)])
    session = log_session(alice.profile, items=[{"section_id": etude.sections[0].id}])
    assert session.items[0].piece_id == etude.id


def test_another_musicians_section_skill_and_goal_read_as_missing(alice, bob):
    theirs = make_piece(bob.profile, "Bob's piece", sections=[("A", 1, 4)])
    skill = builders.skill(bob.profile)
    goal = builders.goal(bob.profile)
    data = form_input(
        alice.profile,
        started_at="2026-01-05T10:00",
        duration_minutes="30",
        items=[{"section_id": str(theirs.sections[0].id)}, {"skill_id": str(skill.id)}],
        goal_ids=[str(goal.id)],
    )
    assert errors_of(lambda: services.create_session(alice.profile, data)) == {
        "items.0.section_id": "There is no such section in your journal.",
        "items.1.skill_id": "There is no such skill in your journal.",
        "goal_ids.0": "There is no such goal in your journal.",
    }


def test_a_tag_longer_than_fifty_characters_is_refused(alice):
    errors = errors_of(
        lambda: form_input(
            alice.profile,
            started_at="2026-01-05T10:00",
            duration_minutes="30",
            tags=["fine", "x" * 200],
        )
    )
    assert errors == {"tags.1": "Keep this to 50 characters or fewer."}


def test_tags_match_ignoring_case_and_keep_the_first_spelling(alice):
    first = log_session(alice.profile, tags=["Left Hand"])
    second = log_session(alice.profile, tags=["left hand", "LEFT HAND", "scales"])
    assert second.tags[0] is first.tags[0]
    assert second.tag_names == ["Left Hand", "scales"]
    assert db.session.scalar(sa.select(sa.func.count(Tag.id))) == 2


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,hi", "//evil.example"]
)
def test_an_evidence_link_must_be_a_web_address(alice, url):
    errors = errors_of(
        lambda: form_input(
            alice.profile,
            started_at="2026-01-05T10:00",
            duration_minutes="30",
            evidence=[{"kind": "link", "url": url}],
        )
    )
    assert errors == {
        "evidence.0.url": "Enter a full web address starting with https:// or http://."
    }


def test_control_characters_in_notes_are_refused(alice):
    errors = errors_of(
        lambda: form_input(
            alice.profile, started_at="2026-01-05T10:00", duration_minutes="30", notes="a\x00b"
        )
    )
    assert errors == {"notes": "Remove the control characters."}


# --- nothing half-saved, history, version -----------------------------------------------


def test_a_refused_edit_changes_nothing(alice, bob):
    piece = make_piece(bob.profile)
    session = log_session(alice.profile, duration_minutes=30, tags=["scales"])
    with pytest.raises(DomainError):
        services.update_session(
            alice.profile,
            session,
            {"duration_minutes": 45, "tags": ["new"], "items": [{"piece_id": piece.id}]},
        )
    db.session.refresh(session)
    assert (session.duration_minutes, session.tag_names, session.revisions) == (30, ["scales"], [])


def test_editing_only_tags_still_moves_the_version(alice):
    session = log_session(alice.profile, tags=["scales"])
    services.update_session(alice.profile, session, {"tags": ["arpeggios"]})
    assert session.version == 2
    assert session.revisions[0].changes == {"tags": [["scales"], ["arpeggios"]]}


def test_an_edit_that_changes_nothing_leaves_no_revision(alice):
    session = log_session(alice.profile, tags=["scales"], duration_minutes=30)
    services.update_session(alice.profile, session, services.full_fields(session))
    assert (session.version, session.revisions) == (1, [])


def test_a_quick_log_ends_now_and_started_its_duration_ago(alice, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, 42, tzinfo=UTC))
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(alice.profile, "Etude")
    data = QuickLogIn.model_validate(
        {"duration_minutes": "1h", "instrument_id": str(piano.id), "piece_id": str(piece.id)},
        context=form_context(alice.profile),
    )
    session, created = services.quick_log(alice.profile, data)
    assert created
    assert session.started_at == datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    assert (session.duration_minutes, session.instrument_id) == (60, piano.id)
    assert [i.piece_id for i in session.items] == [piece.id]
    assert session.practice_date == date(2026, 3, 10)
