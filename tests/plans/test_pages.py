from datetime import UTC, datetime

import sqlalchemy as sa

from tests.clients import page_text
from tests.factories import make_piece, make_plan, make_section, make_skill
from woodshed.db import db
from woodshed.plans.models import Plan, PlanOccurrence


def _web(app, persona):
    """Sign in after the clock is frozen (a session older than the idle limit is over)."""
    web = app.test_client()
    web.sign_in(persona)
    return web


def _occurrence(plan, day: str) -> PlanOccurrence:
    return db.session.scalars(
        sa.select(PlanOccurrence).where(
            PlanOccurrence.plan_id == plan.id, PlanOccurrence.recurrence_key.startswith(day)
        )
    ).one()


def test_the_form_builds_a_weekly_rule_from_chosen_weekdays(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    alice_web = _web(app, alice)
    piece = make_piece(alice.profile)
    response = alice_web.submit(
        "/plans/new",
        {
            "title": "Evening etudes",
            "kind": "custom",
            "pattern": "weekly",
            "days": ["TU", "TH"],
            "interval": "2",
            "start_date": "2026-12-01",
            "time_of_day": "19:30",
            "duration_minutes": "40",
            "flexibility": "same_day",
            "item-0-subject": f"piece:{piece.id}",
            "item-0-minutes": "15",
            "item-0-tempo": "90",
        },
    )
    assert response.status_code == 302, page_text(response)[:800]
    plan = db.session.scalars(sa.select(Plan).where(Plan.profile_id == alice.profile.id)).one()
    assert plan.schedule["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH"
    assert plan.items[0].target_tempo_bpm == 90
    page = alice_web.get(response.headers["Location"])
    assert "Every 2 weeks on Tu, Th at 19:30, 40 min" in page_text(page)


def test_the_form_keeps_what_was_typed_and_says_what_to_fix(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    alice_web = _web(app, alice)
    response = alice_web.submit(
        "/plans/new",
        {
            "title": "",
            "pattern": "custom",
            "rrule": "FREQ=HOURLY",
            "start_date": "2026-12-01",
            "time_of_day": "18:00",
            "duration_minutes": "30",
        },
    )
    assert response.status_code == 422
    text = page_text(response)
    assert "This field is required." in text
    assert "FREQ=HOURLY is not supported; use DAILY, WEEKLY or MONTHLY." in text
    assert 'value="FREQ=HOURLY"' in response.get_data(as_text=True)


def test_the_planning_view_orders_overdue_today_upcoming_and_checks_in(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 12, 2, 19, 0, tzinfo=UTC))  # Wednesday 20:00 in Berlin
    alice_web = _web(app, alice)
    piece = make_piece(alice.profile)
    section = make_section(piece)
    skill = make_skill(alice.profile)
    plan = make_plan(
        alice.profile,
        {
            "kind": "recurring",
            "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            "start_date": "2026-11-30",
            "time_of_day": "18:00",
            "duration_minutes": 45,
            "flexibility": "same_week",
        },
        items=[
            {"section_id": section.id, "target_minutes": 20, "target_tempo_bpm": 72},
            {"skill_id": skill.id, "target_minutes": 10},
        ],
    )
    text = page_text(alice_web.get("/plans"))
    assert text.index("Overdue") < text.index("Today") < text.index("Upcoming")
    occ = _occurrence(plan, "2026-12-02")
    form = alice_web.get(f"/plans/occurrences/{occ.id}/check-in")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert 'value="2026-12-02T18:00"' in html
    assert 'value="72"' in html
    response = alice_web.submit(
        f"/plans/occurrences/{occ.id}/check-in",
        {
            "started_at": "2026-12-02T18:00",
            "duration_minutes": "45",
            "item-0-subject": f"section:{section.id}",
            "item-0-minutes": "25",
            "item-0-tempo_bpm": "66",
            "item-0-target_tempo_bpm": "72",
            "item-1-subject": f"skill:{skill.id}",
            "item-1-minutes": "10",
        },
    )
    assert response.status_code == 302, page_text(response)[:500]
    db.session.refresh(occ)
    assert occ.status == "completed"
    items = occ.session.items
    assert (items[0].section_id, items[0].tempo_bpm, items[0].target_tempo_bpm) == (
        section.id,
        66,
        72,
    )
    assert "Checked in: 45 min" in page_text(alice_web.get("/plans"))


def test_the_dashboard_shows_todays_plan_and_what_next(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    alice_web = _web(app, alice)
    make_plan(
        alice.profile,
        title="Daily scales",
        schedule={
            "kind": "recurring",
            "rrule": "FREQ=DAILY",
            "start_date": "2026-12-01",
            "time_of_day": "18:00",
            "duration_minutes": 20,
        },
    )
    text = page_text(alice_web.get("/"))
    assert "Today's plan" in text
    assert "Daily scales" in text


def test_another_musicians_plan_pages_are_not_found(alice, bob, app, frozen_clock):
    frozen_clock(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    plan = make_plan(alice.profile)
    web = app.test_client()
    web.sign_in(bob)
    assert web.get(f"/plans/{plan.id}").status_code == 404
    assert web.submit(f"/plans/{plan.id}/delete").status_code == 404
    assert db.session.get(Plan, plan.id) is not None
