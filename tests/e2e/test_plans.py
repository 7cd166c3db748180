"""In a real browser: plan the week, check in today's practice, see it logged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_persona, make_piece
from woodshed.db import db
from woodshed.journal.models import PracticeSession
from woodshed.plans.models import PlanOccurrence
from woodshed.timeutil import WEEKDAYS, today

pytestmark = pytest.mark.e2e


def test_create_a_weekly_plan_check_in_today_and_see_the_entry(live_server, page):
    with live_server.app.app_context():
        alice = make_persona("planner", timezone="Europe/Berlin")
        make_piece(alice.profile, "Clair de lune")
        db.session.commit()
        practice_day = today("Europe/Berlin", alice.profile.day_rollover_hour)
        email, password, profile_id = alice.email, alice.password, alice.profile.id
    base = live_server.url

    sign_in(page, base, email, password, then="/plans/new")
    page.fill("#f-title", "Debussy every week")
    page.select_option("#f-pattern", "weekly")
    page.check(f"input[name=days][value={WEEKDAYS[practice_day.weekday()]}]")
    page.fill("#f-start_date", practice_day.isoformat())
    page.fill("#f-time_of_day", "12:00")
    page.fill("#f-duration_minutes", "35")
    page.select_option("#f-item-0-subject", label="Clair de lune (whole piece)")
    page.fill("#f-item-0-minutes", "20")
    page.fill("#f-item-0-tempo", "60")
    page.click("button:has-text('Create plan')")
    page.wait_for_selector("h1:has-text('Debussy every week')")

    page.goto(f"{base}/plans")
    today_section = page.locator("section.planning-today")
    today_section.locator("a:has-text('Check in')").first.click()
    page.wait_for_selector("h1:has-text('Check in')")
    assert page.input_value("#f-duration_minutes") == "35"
    assert page.input_value("#f-item-0-target_tempo_bpm") == "60"
    page.fill("#f-item-0-tempo_bpm", "54")
    page.fill("#f-notes", "Smooth arpeggios at last")
    page.click("button:has-text('Save to journal')")
    page.wait_for_selector("text=Checked in: 35 min logged in your journal.")
    completed = page.locator("section.planning-today li.occurrence-completed")
    assert completed.count() == 1
    assert "Checked in: 35 min" in completed.inner_text()
    screenshot(page, "plans-today")

    with live_server.app.app_context():
        session = db.session.scalars(
            sa.select(PracticeSession).where(PracticeSession.profile_id == profile_id)
        ).one()
        occ = db.session.scalars(
            sa.select(PlanOccurrence).where(PlanOccurrence.session_id == session.id)
        ).one()
        assert (session.notes, session.items[0].tempo_bpm) == ("Smooth arpeggios at last", 54)
        assert occ.status == "completed"


def test_a_custom_schedule_is_chosen_in_the_browser_and_a_session_skipped(live_server, page):
    """The custom schedule shows only the chosen way's fields; skipping is one fold away."""
    with live_server.app.app_context():
        alice = make_persona("custom-planner", timezone="Europe/Berlin")
        db.session.commit()
        practice_day = today("Europe/Berlin", alice.profile.day_rollover_hour)
        email, password = alice.email, alice.password
    base = live_server.url
    sign_in(page, base, email, password, then="/plans/new")
    expect(page.locator("#f-custom_mode")).to_be_hidden()
    page.fill("#f-title", "Three times a week")
    page.select_option("#f-pattern", "custom")
    expect(page.locator("#f-custom_mode")).to_be_visible()
    assert page.locator("text=RRULE").count() == 0
    page.check("input[name=custom_mode][value=per_week]")
    expect(page.locator("#f-per_week")).to_be_visible()
    expect(page.locator("#f-every_days")).to_be_hidden()
    expect(page.locator("#f-custom_days")).to_be_hidden()
    page.fill("#f-per_week", "7")  # every day, so today has one
    page.fill("#f-start_date", practice_day.isoformat())
    page.fill("#f-time_of_day", "23:30")
    page.fill("#f-duration_minutes", "20")
    page.click("button:has-text('Create plan')")
    page.wait_for_selector("h1:has-text('Three times a week')")
    assert "Every day at 23:30, 20 min" in page.inner_text("main")

    page.goto(f"{base}/plans")
    today_section = page.locator("section.planning-today")
    skip = today_section.locator("button:has-text('Skip')").first
    expect(skip).to_be_hidden()
    today_section.locator("summary:has-text('Skip or move')").first.click()
    today_section.locator("input[name=reason]").first.fill("Concert tonight")
    skip.click()
    page.wait_for_selector("section.planning-today li.occurrence-skipped")
    assert "Skipped: Concert tonight" in page.inner_text("section.planning-today")
