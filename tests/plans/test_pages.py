import re
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.clients import page_text
from tests.factories import make_piece, make_plan, make_section, make_skill
from woodshed.db import db
from woodshed.journal.models import PracticeSession
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
    assert "Every 2 weeks on Tuesday and Thursday at 19:30, 40 min" in page_text(page)


def test_the_form_keeps_what_was_typed_and_says_what_to_fix(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    alice_web = _web(app, alice)
    response = alice_web.submit(
        "/plans/new",
        {
            "title": "",
            "pattern": "custom",
            "custom_mode": "per_week",
            "per_week": "9",
            "start_date": "2026-12-01",
            "time_of_day": "18:00",
            "duration_minutes": "30",
        },
    )
    assert response.status_code == 422
    text = page_text(response)
    assert "This field is required." in text
    html = response.get_data(as_text=True)
    assert re.search(r'<input id="f-per_week" name="per_week" type="number" value="9"', html)
    assert "Enter a whole number from 1 to 7." in text
    assert 'value="per_week" checked' in html


@pytest.mark.parametrize(
    ("fields", "rule", "words"),
    [
        (
            {"custom_mode": "days", "custom_days": ["MO", "TH"], "custom_weeks": "1"},
            "FREQ=WEEKLY;BYDAY=MO,TH",
            "Every Monday and Thursday at 07:30, 30 min",
        ),
        (
            {"custom_mode": "every_days", "every_days": "3"},
            "FREQ=DAILY;INTERVAL=3",
            "Every 3 days at 07:30, 30 min",
        ),
        (
            {"custom_mode": "per_week", "per_week": "3", "count": "12"},
            "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=12",
            "Every Monday, Wednesday and Friday at 07:30, 30 min, 12 times",
        ),
    ],
)
def test_a_custom_schedule_is_chosen_never_typed(app, alice, frozen_clock, fields, rule, words):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    alice_web = _web(app, alice)
    form = alice_web.get("/plans/new").get_data(as_text=True)
    assert 'name="rrule"' not in form
    assert "RRULE" not in page_text(alice_web.get("/plans/new"))
    response = alice_web.submit(
        "/plans/new",
        {
            "title": "Custom",
            "pattern": "custom",
            "start_date": "2026-12-01",
            "time_of_day": "07:30",
            "duration_minutes": "30",
            **fields,
        },
    )
    assert response.status_code == 302, page_text(response)[:800]
    plan = db.session.scalars(sa.select(Plan).where(Plan.profile_id == alice.profile.id)).one()
    assert plan.schedule["rrule"] == rule
    assert words in page_text(alice_web.get(response.headers["Location"]))


def test_a_custom_schedule_without_weekdays_names_the_field(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    alice_web = _web(app, alice)
    response = alice_web.submit(
        "/plans/new",
        {
            "title": "Custom",
            "pattern": "custom",
            "custom_mode": "days",
            "start_date": "2026-12-01",
            "time_of_day": "07:30",
            "duration_minutes": "30",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="f-custom_days"[^>]*>.*?Choose at least one weekday\.', html, re.S)


def test_a_rule_the_form_cannot_show_is_kept_on_edit_and_shown_in_words(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    alice_web = _web(app, alice)
    plan = make_plan(
        alice.profile,
        {
            "kind": "recurring",
            "rrule": "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20261231",
            "start_date": "2026-11-30",
            "time_of_day": "07:30",
            "duration_minutes": 30,
        },
        title="From the API",
    )
    page = alice_web.get(f"/plans/{plan.id}/edit")
    text = page_text(page)
    assert "FREQ=" not in text
    assert "Keep the current schedule: every Monday and Thursday, until 31 December 2026" in text
    html = page.get_data(as_text=True)
    assert 'value="keep" checked' in html
    response = alice_web.submit(
        f"/plans/{plan.id}/edit",
        {
            "title": "From the API, renamed",
            "version": str(plan.version),
            "pattern": "custom",
            "custom_mode": "keep",
            "rrule": "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20261231",
            "start_date": "2026-11-30",
            "time_of_day": "07:30",
            "duration_minutes": "30",
        },
    )
    assert response.status_code == 302, page_text(response)[:800]
    db.session.refresh(plan)
    assert plan.title == "From the API, renamed"
    assert plan.schedule["rrule"] == "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20261231"


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


DAILY = {
    "kind": "recurring",
    "rrule": "FREQ=DAILY",
    "start_date": "2026-12-01",
    "time_of_day": "18:00",
    "duration_minutes": 30,
}


def test_a_check_in_form_sent_twice_logs_one_entry_and_says_saved_both_times(
    app, alice, frozen_clock
):
    # The offline queue sends a check-in again when its first answer never arrived.
    frozen_clock(datetime(2026, 12, 2, 19, 0, tzinfo=UTC))
    alice_web = _web(app, alice)
    occ = _occurrence(make_plan(alice.profile, DAILY), "2026-12-02")
    html = alice_web.get(f"/plans/occurrences/{occ.id}/check-in").get_data(as_text=True)
    entry_id = re.search(r'<input type="hidden" name="id" value="([0-9a-f-]{36})">', html)[1]
    form = {"id": entry_id, "started_at": "2026-12-02T18:00", "duration_minutes": "30"}
    first = alice_web.submit(f"/plans/occurrences/{occ.id}/check-in", form)
    again = alice_web.submit(f"/plans/occurrences/{occ.id}/check-in", form, follow_redirects=True)
    assert first.status_code == 302
    assert again.status_code == 200
    text = page_text(again)
    assert "Checked in: 30 min" in text
    assert "already checked in" not in text
    db.session.refresh(occ)
    assert str(occ.session_id) == entry_id
    count = sa.select(sa.func.count()).select_from(PracticeSession)
    assert db.session.scalar(count.where(PracticeSession.profile_id == alice.profile.id)) == 1


def test_a_second_check_in_with_another_entry_id_is_refused(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 12, 2, 19, 0, tzinfo=UTC))
    alice_web = _web(app, alice)
    occ = _occurrence(make_plan(alice.profile, DAILY), "2026-12-02")
    path = f"/plans/occurrences/{occ.id}/check-in"
    form = {"started_at": "2026-12-02T18:00", "duration_minutes": "30"}
    alice_web.submit(path, form | {"id": str(uuid.uuid4())})
    again = alice_web.submit(path, form | {"id": str(uuid.uuid4())}, follow_redirects=True)
    assert "already checked in" in page_text(again)
    count = sa.select(sa.func.count()).select_from(PracticeSession)
    assert db.session.scalar(count.where(PracticeSession.profile_id == alice.profile.id)) == 1


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


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8", "Every Monday and Thursday at 07:30, 30 min, 8 times"),
        ("FREQ=DAILY", "Every day at 07:30, 30 min"),
        ("FREQ=DAILY;INTERVAL=3", "Every 3 days at 07:30, 30 min"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Every weekday at 07:30, 30 min"),
        ("FREQ=MONTHLY;BYDAY=2TU", "Every month on the 2nd Tuesday at 07:30, 30 min"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "Every month on the last Friday at 07:30, 30 min"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;UNTIL=20260601",
            "Every 2 weeks on Saturday at 07:30, 30 min, until 1 June 2026",
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=12",  # three days: their commas stay together
            "Every Monday, Wednesday and Friday at 07:30, 30 min, 12 times",
        ),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", "Every day at 07:30, 30 min"),
    ],
)
def test_every_schedule_is_described_in_words(rule, words):
    from woodshed.plans.schedule import describe

    schedule = {"kind": "recurring", "rrule": rule, "time_of_day": "07:30", "duration_minutes": 30}
    assert describe(schedule) == words
    assert "FREQ" not in describe(schedule)


def test_no_page_shows_a_raw_rrule(alice, alice_web, frozen_clock):
    """Plans, templates and a template's page describe schedules in words."""
    from tests.factories import make_plan
    from woodshed.plans.sharing import publish, save_as_template

    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    schedule = {
        "kind": "recurring",
        "rrule": "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20261231",
        "start_date": "2026-11-30",
        "time_of_day": "07:30",
        "duration_minutes": 30,
    }
    plan = make_plan(alice.profile, schedule=schedule)
    template = save_as_template(alice.profile, plan)
    link = publish(template)  # the whole sharing link
    pages = [
        "/plans",
        f"/plans/{plan.id}",
        "/plans/templates",
        f"/plans/templates/{template.id}",
        link.removeprefix("http://woodshed.test"),
    ]
    for path in pages:
        response = alice_web.get(path)
        assert response.status_code == 200, path
        text = page_text(response)
        assert "FREQ=" not in text, path
        assert "BYDAY" not in text, path
    assert "Every Monday and Thursday at 07:30, 30 min, until 31 December 2026" in page_text(
        alice_web.get(f"/plans/{plan.id}")
    )
    assert "Every Monday and Thursday at 07:30, 30 min, over" in page_text(
        alice_web.get("/plans/templates")
    )


def test_a_new_plan_starts_today(alice, alice_web, frozen_clock):
    frozen_clock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    html = alice_web.get("/plans/new").get_data(as_text=True)
    assert 'value="2026-11-30"' in html


def test_reminders_are_reachable_from_the_plans_page_in_plain_words(alice, alice_web):
    from tests.factories import make_reminder

    make_reminder(alice.profile, kind="daily", time="18:00")
    assert 'href="/settings/reminders"' in alice_web.get("/plans").get_data(as_text=True)
    text = page_text(alice_web.get("/settings/reminders"))
    assert "Looked at again" not in text
    assert "Next one not before" in text


def test_the_plans_page_shows_each_occurrence_once_with_one_compact_set_of_actions(
    app, alice, frozen_clock
):
    frozen_clock(datetime(2026, 12, 2, 5, 0, tzinfo=UTC))  # Wednesday 06:00 in Berlin
    alice_web = _web(app, alice)
    piece = make_piece(alice.profile, "Nocturne")
    section = make_section(piece, "Coda", (29, 34))
    plan = make_plan(
        alice.profile,
        {
            "kind": "recurring",
            "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            "start_date": "2026-11-30",
            "time_of_day": "18:00",
            "duration_minutes": 30,
        },
        items=[{"section_id": section.id, "target_minutes": 15, "target_tempo_bpm": 66}],
    )
    html = alice_web.get("/plans").get_data(as_text=True)
    shown = re.findall(r"/plans/occurrences/([0-9a-f-]+)/check-in", html)
    assert len(shown) == len(set(shown))  # each occurrence once
    today = _occurrence(plan, "2026-12-02")
    assert str(today.id) in shown
    # One primary action each; skipping and moving are folded away until asked for.
    assert html.count('class="button small" href="/plans/occurrences/') == len(shown)
    assert html.count('<details class="occurrence-more">') == len(shown)
    text = page_text(alice_web.get("/plans"))
    todays = text[text.index("Today") : text.index("Upcoming")]
    assert "Practise: Nocturne › Coda (15 min, 66 bpm)" in todays
    upcoming = text[text.index("Upcoming") : text.index("Your plans")]
    assert "Practise:" not in upcoming
    # The dashboard's card says what to practise too.
    dashboard = page_text(alice_web.get("/"))
    card = dashboard[dashboard.index("Today's plan") :]
    assert "Practise: Nocturne › Coda (15 min, 66 bpm)" in card
