"""In a browser: after a session with a next-time note, the dashboard card shows it."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.factories import (
    log_session,
    make_instrument,
    make_persona,
    make_piece,
    make_section,
)
from woodshed.db import db, utcnow

pytestmark = pytest.mark.e2e


def test_the_dashboard_card_shows_the_next_time_note(live_server, page):
    with live_server.app.app_context():
        erin = make_persona("erin", timezone="Europe/Berlin")
        piano = make_instrument(erin.profile, "Piano")
        piece = make_piece(erin.profile, "Nocturne", instrument_id=piano.id)
        section = make_section(piece, "B section", (33, 40), target_tempo_bpm=80)
        log_session(
            erin.profile,
            started_at=utcnow() - timedelta(hours=3),
            instrument_id=piano.id,
            next_time="Start with bars 33–40 at 64 bpm, hands together",
            items=[{"section_id": str(section.id), "tempo_bpm": 60, "bars": "33-40"}],
        )
        db.session.commit()
        email, password, section_id = erin.email, erin.password, section.id

    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()

    card = page.locator(".pickup-card", has=page.get_by_role("heading", name="Piano"))
    expect(card).to_contain_text("Start with bars 33–40 at 64 bpm, hands together")
    expect(card.locator(".passage-list")).to_contain_text("Nocturne › B section")
    expect(card.locator(".passage-list")).to_contain_text("60 / 80 bpm")
    # The passage link leads to the section on the piece page, drawn in the bar strip.
    card.get_by_role("link", name="Nocturne › B section").click()
    expect(page.locator(f"#section-{section_id}")).to_be_visible()
    expect(page.locator("svg.bar-strip")).to_be_visible()
