"""Quick log from the dashboard, and the timer page (its script is tested in the browser)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from tests.clients import page_text
from tests.factories import make_instrument, make_piece
from tests.journal.html import read
from woodshed.db import db
from woodshed.journal.models import PracticeSession

NOW = datetime(2026, 3, 10, 12, 0, 30, tzinfo=UTC)


def sessions() -> list[PracticeSession]:
    return list(db.session.scalars(sa.select(PracticeSession)))


def test_the_dashboard_offers_quick_log_with_instruments_and_active_pieces(alice, alice_web):
    make_instrument(alice.profile, "Piano")
    make_piece(alice.profile, "Being learnt", status="learning")
    make_piece(alice.profile, "Someday", status="wishlist")
    make_piece(alice.profile, "Done with", status="archived")
    text = page_text(alice_web.get("/"))
    assert "Quick log" in text
    assert "15 min 30 min 60 min" in text
    assert "Piano" in text
    assert "Being learnt" in text
    assert "Someday" not in text
    assert "Done with" not in text


def test_one_click_logs_a_session_that_just_ended(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    piano = make_instrument(alice.profile, "Piano")
    piece = make_piece(alice.profile, "Etude")
    response = alice_web.submit(
        "/journal/quick",
        {"preset": "30", "duration": "", "instrument_id": str(piano.id), "piece_id": str(piece.id)}
        | {"next": "/"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    (session,) = sessions()
    assert session.started_at == datetime(2026, 3, 10, 11, 30, tzinfo=UTC)
    assert (session.duration_minutes, session.instrument_id) == (30, piano.id)
    assert session.practice_date == date(2026, 3, 10)
    assert [item.piece_id for item in session.items] == [piece.id]
    html = alice_web.get("/").get_data(as_text=True)
    assert "Logged 30 min (Tuesday 10 March 2026)." in html
    assert f'<a href="/journal/{session.id}/edit">Add details</a>' in html


def test_a_typed_duration_is_used_when_no_preset_is_pressed(alice, alice_web):
    response = alice_web.submit("/journal/quick", {"preset": "", "duration": "1h30m"})
    assert response.status_code == 302
    assert [s.duration_minutes for s in sessions()] == [90]


def test_a_missing_or_bad_duration_shows_the_panel_again(alice, alice_web):
    response = alice_web.submit("/journal/quick", {"preset": "", "duration": "forever"})
    assert response.status_code == 422
    form = read(response)
    assert "Enter minutes (45), hours and minutes (1:30) or 1h30m." in page_text(response)
    assert form.value("duration") == "forever"
    response = alice_web.submit("/journal/quick", {"preset": "", "duration": ""})
    assert "This field is required." in page_text(response)
    assert sessions() == []


def test_another_musicians_piece_is_refused_in_quick_log(alice, bob, alice_web):
    piece = make_piece(bob.profile, "Bob's")
    response = alice_web.submit("/journal/quick", {"preset": "15", "piece_id": str(piece.id)})
    assert response.status_code == 422
    assert "There is no such piece in your journal." in page_text(response)
    assert sessions() == []


def test_quick_log_only_goes_back_to_pages_of_this_site(alice, alice_web):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil"):
        response = alice_web.submit("/journal/quick", {"preset": "15", "next": target})
        assert response.headers["Location"] == "/"


def test_the_timer_page_explains_manual_logging_without_javascript(app, alice, alice_web):
    response = alice_web.get("/journal/timer")
    html = response.get_data(as_text=True)
    assert "You can still log by hand" in page_text(response)
    assert 'href="/journal/new"' in html
    assert f'data-timer-key="woodshed.timer.{alice.profile.id}"' in html
    assert f'src="/static/{app.extensions["woodshed.static_manifest"]["js/timer.js"]}"' in html
    assert "<script>" not in html  # the CSP allows no inline script


def _selected_instrument(html: str) -> str | None:
    import re

    select = re.search(r'<select id="q-instrument".*?</select>', html, re.S).group(0)
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else None


def test_quick_log_keeps_the_instrument_of_the_last_session(alice, alice_web):
    """Two instruments: the panel starts on the one used last, not on '— none —'."""
    piano = make_instrument(alice.profile, "Piano")
    guitar = make_instrument(alice.profile, "Guitar")
    assert _selected_instrument(alice_web.get("/").get_data(as_text=True)) is None
    alice_web.submit("/journal/quick", {"preset": "15", "instrument_id": str(guitar.id)})
    html = alice_web.get("/").get_data(as_text=True)
    assert _selected_instrument(html) == str(guitar.id)
    # One click more lands on the guitar again, and the dashboard has no card without one.
    alice_web.submit("/journal/quick", {"preset": "15", "instrument_id": str(guitar.id)})
    assert [s.instrument_id for s in sessions()] == [guitar.id, guitar.id]
    assert "Without an instrument" not in page_text(alice_web.get("/"))
    alice_web.submit("/journal/quick", {"preset": "30", "instrument_id": str(piano.id)})
    assert _selected_instrument(alice_web.get("/").get_data(as_text=True)) == str(piano.id)
    assert f'value="{piano.id}" selected' in alice_web.get("/journal/new").get_data(as_text=True)


def test_with_one_instrument_quick_log_uses_it(alice, alice_web):
    piano = make_instrument(alice.profile, "Piano")
    assert _selected_instrument(alice_web.get("/").get_data(as_text=True)) == str(piano.id)
