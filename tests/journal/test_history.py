"""Revision history in words, on the entry page and through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.clients import page_text
from tests.factories import log_session, make_instrument
from woodshed.journal import services
from woodshed.journal.history import delay_words, describe_changes

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("gap", "words"),
    [
        (timedelta(seconds=20), "right away"),
        (timedelta(minutes=1), "1 minute later"),
        (timedelta(minutes=59), "59 minutes later"),
        (timedelta(hours=3, minutes=5), "3 hours later"),
        (timedelta(days=1, hours=2), "1 day later"),
        (timedelta(days=2), "2 days later"),
        (timedelta(days=95), "3 months later"),
    ],
)
def test_it_says_how_long_after_logging_an_edit_came(gap, words):
    assert delay_words(T0, T0 + gap) == words


def test_it_describes_each_kind_of_change_in_words():
    changes = {
        "tags": [["scales"], ["arpeggios", "scales", "left hand"]],
        "duration_minutes": [30, 45],
        "mood": [None, 4],
        "notes": ["", "better"],
        "next_time": ["start slow", "start slower"],
        "exam_prep": [False, True],
        "instrument_id": ["i-1", "i-2"],
        "started_at": ["2026-03-10T17:00:00+00:00", "2026-03-10T17:30:00+00:00"],
        "goal_ids": [["g-1"], ["g-2", "g-3"]],
    }
    text = describe_changes(changes, "Europe/Berlin", {"i-1": "Piano", "i-2": "Guitar"})
    assert text == (
        "start 18:00 → 18:30; duration 30 → 45 min; instrument Piano → Guitar; "
        "tags + arpeggios, left hand; notes added; next-time note changed; mood – → 4; "
        "exam prep on; linked goals +2 −1"
    )


def test_a_start_moved_to_another_day_shows_the_dates():
    changes = {"started_at": ["2026-03-10T17:00:00+00:00", "2026-03-08T17:00:00+00:00"]}
    assert describe_changes(changes, "UTC") == (
        "start Tue, 10 Mar 2026, 17:00 → Sun, 8 Mar 2026, 17:00"
    )


def test_removed_items_and_evidence_are_named():
    changes = {
        "items": [["Etude, bars 1-8"], []],
        "evidence": [[], ["link: https://example.org/rec"]],
    }
    assert describe_changes(changes, "UTC") == (
        "items − Etude, bars 1-8; evidence + link: https://example.org/rec"
    )


def test_the_entry_page_shows_an_edit_two_days_later(alice, alice_web, frozen_clock):
    frozen_clock(T0)
    session = log_session(alice.profile, duration_minutes=30, started_at=T0 - timedelta(hours=1))
    frozen_clock(T0 + timedelta(days=2, hours=1))
    services.update_session(alice.profile, session, {"duration_minutes": 45, "tags": ["scales"]})
    text = page_text(alice_web.get(f"/journal/{session.id}"))
    assert "edited 2 days later: duration 30 → 45 min; tags + scales" in text
    assert "logged Tue, 10 Mar 2026, 13:00" in text  # in alice's zone


def test_the_api_gives_the_same_words(alice, alice_api, frozen_clock):
    frozen_clock(T0)
    piano = make_instrument(alice.profile, "Piano")
    session = log_session(alice.profile, started_at=T0 - timedelta(hours=1))
    frozen_clock(T0 + timedelta(hours=3))
    services.update_session(alice.profile, session, {"instrument_id": piano.id})
    body = alice_api.get(f"/api/v1/sessions/{session.id}/revisions").get_json()
    assert body[0]["summary"] == "instrument none → Piano"
    assert body[0]["delay"] == "3 hours later"
    assert body[0]["changes"] == {"instrument_id": [None, str(piano.id)]}
