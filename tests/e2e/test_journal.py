"""The journal in a real browser: quick log, a full entry, the timer, edits, search."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import log_session, make_instrument, make_persona, make_piece
from woodshed.db import db
from woodshed.profiles.models import MusicianProfile

pytestmark = pytest.mark.e2e
_names = itertools.count()


def profile_of(musician) -> MusicianProfile:
    return db.session.get(MusicianProfile, musician["profile_id"])


@pytest.fixture
def musician(live_server, page):
    """A new musician (Berlin) with a piano and a piece with two sections, signed in."""
    name = f"player{next(_names)}"

    def build():
        persona = make_persona(name, timezone="Europe/Berlin")
        piano = make_instrument(persona.profile, "Piano")
        make_instrument(persona.profile, "Guitar")
        piece = make_piece(
            persona.profile,
            "Nocturne",
            sections=[
                {"name": "A section", "bar_start": 1, "bar_end": 12},
                {"name": "Cadenza", "bar_start": 33, "bar_end": 40, "target_tempo_bpm": 72},
            ],
        )
        make_piece(persona.profile, "Prelude", sections=[("Opening", 1, 4)])
        return {
            "profile_id": persona.profile.id,
            "piano": piano.id,
            "piece": piece.id,
            "email": persona.email,
            "password": persona.password,
        }

    data = live_server.seed(build)
    sign_in(page, live_server.url, data["email"], data["password"], then=None)
    return data


def test_quick_log_from_the_dashboard(live_server, page, musician):
    page.goto(f"{live_server.url}/")
    page.select_option("#q-instrument", label="Guitar")
    page.select_option("#q-piece", label="Nocturne")
    page.get_by_role("button", name="30 min").click()
    flash = page.locator(".flash-success")
    expect(flash).to_contain_text("Logged 30 min")
    flash.get_by_role("link", name="Add details").click()
    expect(page.locator("#f-duration_minutes")).to_have_value("30")
    expect(page.locator("#f-instrument_id option:checked")).to_have_text("Guitar")
    expect(page.locator("#f-items-0-piece_id option:checked")).to_have_text("Nocturne")


def test_a_typed_quick_log_duration_is_used_on_enter(live_server, page, musician):
    page.goto(f"{live_server.url}/")
    page.fill("#q-duration", "1h15m")
    page.press("#q-duration", "Enter")
    expect(page.locator(".flash-success")).to_contain_text("Logged 75 min")


def test_a_full_entry_with_a_section_and_tempo(live_server, page, musician):
    page.goto(f"{live_server.url}/journal/new")
    page.fill("#f-started_at", "2026-03-09T18:30")
    page.fill("#f-duration_minutes", "1h15m")
    new_piece = page.locator("#f-items-0-piece_title")
    expect(new_piece).to_be_visible()
    page.select_option("#f-items-0-piece_id", label="Nocturne")
    expect(new_piece).to_be_hidden()  # "or a new piece" is for when none is chosen
    # The section list narrows to the chosen piece.
    expect(page.locator('#f-items-0-section_id optgroup[label="Prelude"]')).to_be_hidden()
    page.select_option("#f-items-0-section_id", label="Cadenza (bars 33–40)")
    expect(page.locator("#f-items-0-bars")).to_have_attribute("placeholder", "33-40")
    page.fill("#f-items-0-bars", "33-40")
    page.fill("#f-items-0-tempo_bpm", "63")
    page.fill("#f-items-0-target_tempo_bpm", "72")
    page.check("#f-items-0-run_through")
    page.get_by_role("button", name="+ Add item").click()
    expect(page.locator("#f-items-3-piece_id")).to_be_focused()
    page.fill("#f-tags", "rubato, left hand")
    page.fill("#f-next_time", "Start with bars 37-38 slowly")
    page.check('input[name="mood"][value="4"]')
    page.fill("#f-evidence-0-url", "https://example.org/take3")
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator(".flash-success")).to_have_text(
        "Logged. It counts for Monday 9 March 2026."
    )
    expect(page.locator("h1")).to_have_text("Monday 9 March 2026")
    items = page.locator(".item-list")
    expect(items).to_contain_text("Nocturne › Cadenza")
    expect(items).to_contain_text("bars 33–40")
    expect(items).to_contain_text("63 / 72 bpm")
    expect(items).to_contain_text("run-through")
    expect(page.locator(".next-time")).to_contain_text("Start with bars 37-38 slowly")
    expect(page.locator(".entry-side .rating").first).to_have_attribute("title", "Mood: 4 of 5")


def test_the_form_keeps_input_on_error(live_server, page, musician):
    page.goto(f"{live_server.url}/journal/new")
    page.fill("#f-duration_minutes", "0")
    page.fill("#f-notes", "Keep this note")
    page.select_option("#f-items-0-piece_id", label="Nocturne")
    page.fill("#f-items-0-bars", "40-33")
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#f-items-0-bars-error")).to_have_text(
        "The first bar (40) comes after the last (33)."
    )
    expect(page.locator("#f-notes")).to_have_value("Keep this note")
    expect(page.locator("#f-items-0-bars")).to_have_value("40-33")


def test_the_timer_survives_a_reload_and_shows_time_in_the_title(live_server, page, musician):
    page.goto(f"{live_server.url}/journal/timer")
    expect(page.locator("[data-timer-fallback]")).to_be_hidden()
    page.select_option("#t-instrument", label="Piano")
    page.select_option("#t-piece", label="Nocturne")
    page.get_by_role("button", name="Start").click()
    expect(page).to_have_title(re.compile(r"^0:0[0-9] · Woodshed$"))
    # Pretend it started 12½ minutes ago, then reload: the timer carries on from its state.
    key = f"woodshed.timer.{musician['profile_id']}"
    page.evaluate(
        """key => {
            const s = JSON.parse(localStorage.getItem(key));
            s.startedAt -= 750000; s.runningSince -= 750000;
            localStorage.setItem(key, JSON.stringify(s));
        }""",
        key,
    )
    page.reload()
    expect(page).to_have_title(re.compile(r"^12:3\d · Woodshed$"))
    expect(page.locator("[data-timer-display]")).to_have_text(re.compile(r"^12:3\d$"))
    expect(page.locator("#t-piece")).to_have_value(str(musician["piece"]))
    page.get_by_role("button", name="Pause").click()
    expect(page).to_have_title(re.compile(r"\(paused\) · Woodshed$"))
    page.get_by_role("button", name="Resume").click()
    page.get_by_role("button", name="Stop and log").click()
    expect(page).to_have_url(re.compile(r"/journal/new\?started_at=.+&duration=13"))
    expect(page.locator("#f-duration_minutes")).to_have_value("13")
    expect(page.locator("#f-instrument_id")).to_have_value(str(musician["piano"]))
    expect(page.locator("#f-items-0-piece_id")).to_have_value(str(musician["piece"]))
    assert page.evaluate("key => localStorage.getItem(key)", key) is None


def test_an_edit_shows_in_the_history(live_server, page, musician):
    session_id = live_server.seed(
        lambda: (
            log_session(profile_of(musician), started_at=datetime.now(UTC) - timedelta(hours=2)).id
        )
    )
    page.goto(f"{live_server.url}/journal/{session_id}")
    page.get_by_role("link", name="Edit").click()
    page.fill("#f-duration_minutes", "45")
    page.fill("#f-tags", "scales")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".history-list")).to_contain_text(
        "edited right away: duration 30 → 45 min; tags + scales"
    )


def test_search_finds_a_word_from_a_note(live_server, page, musician):
    def build():
        profile, now = profile_of(musician), datetime.now(UTC)
        log_session(profile, started_at=now - timedelta(days=2), notes="Slow arpeggios today")
        log_session(profile, started_at=now - timedelta(days=1), notes="Only scales")

    live_server.seed(build)
    page.goto(f"{live_server.url}/journal")
    page.fill("#f-q", "arpeggios")
    # The journal's own search (the header's box searches everything).
    journal_search = page.get_by_role("search", name="Search and filter the journal")
    journal_search.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=arpeggios"))
    rows = page.locator(".entry-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Slow arpeggios today")
    expect(page.locator("#f-q")).to_have_value("arpeggios")


def _minutes(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M")


def test_the_start_of_a_new_entry_follows_the_duration_typed(live_server, page, musician):
    """Item 10: with JavaScript, a new entry starts at now minus its duration."""
    page.goto(f"{live_server.url}/journal/new")
    # The form's script has run once it shows the "Add …" buttons (hidden without it).
    expect(page.locator("[data-add-row]").first).to_be_visible()
    now = _minutes(page.input_value("#f-started_at"))
    page.fill("#f-duration_minutes", "45")
    started = _minutes(page.input_value("#f-started_at"))
    assert timedelta(minutes=44) <= now - started <= timedelta(minutes=46)
    page.fill("#f-duration_minutes", "1h30m")
    started = _minutes(page.input_value("#f-started_at"))
    assert timedelta(minutes=89) <= now - started <= timedelta(minutes=91)
    # A start typed by hand is kept whatever the duration says.
    page.fill("#f-started_at", "2026-01-05T18:00")
    page.fill("#f-duration_minutes", "20")
    assert page.input_value("#f-started_at") == "2026-01-05T18:00"


def test_without_javascript_a_new_entry_starts_now(live_server, musician, new_tab):
    from zoneinfo import ZoneInfo

    page = new_tab(java_script_enabled=False)
    page.goto(f"{live_server.url}/login")
    page.fill("#f-email", musician["email"])
    page.fill("#f-password", musician["password"])
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/journal/new")
    page.fill("#f-duration_minutes", "45")
    shown = _minutes(page.input_value("#f-started_at"))
    berlin = datetime.now(UTC).astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)
    assert abs(berlin - shown) <= timedelta(minutes=2)
