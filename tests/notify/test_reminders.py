import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.clients import field_errors, page_text
from tests.factories import log_session, make_plan, make_reminder
from woodshed.db import db, utcnow
from woodshed.notify import services, worker
from woodshed.notify.models import Delivery, Notification
from woodshed.notify.reminders import Context, due_between, next_due
from woodshed.notify.schemas import SettingsIn
from woodshed.notify.services import notify


def test_a_reminder_needs_a_channel_and_its_kinds_fields(alice_api):
    cases = [
        (
            {"kind": "daily", "time": "18:00", "channels": []},
            {"channels": "Choose at least one channel (in-app or email)."},
        ),
        (
            {"kind": "weekly", "time": "18:00", "channels": ["email"]},
            {"days": "Choose at least one weekday."},
        ),
        (
            {"kind": "before_occurrence"},
            {"minutes_before": "How many minutes before the practice?"},
        ),
        ({"kind": "inactivity"}, {"after_days": "After how many days without practice?"}),
        ({"kind": "goal_deadline"}, {"days_before": "How many days before the goal's date?"}),
        ({"kind": "daily"}, {"time": "Enter the time of day, e.g. 18:00."}),
    ]
    for body, errors in cases:
        response = alice_api.post("/api/v1/reminders", json=body)
        assert response.status_code == 422, body
        assert field_errors(response) == errors, body
    assert alice_api.get("/api/v1/reminders").get_json()["items"] == []


def test_reminders_are_created_switched_off_and_isolated(alice_api, bob_api):
    created = alice_api.post(
        "/api/v1/reminders",
        json={
            "kind": "weekly",
            "time": "07:30",
            "days": ["FR", "MO"],
            "channels": ["in_app", "email"],
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["days"], body["time"], body["sent"]) == (["MO", "FR"], "07:30", 0)
    url = f"/api/v1/reminders/{body['id']}"
    assert bob_api.patch(url, json={"active": False}).status_code == 404
    off = alice_api.patch(url, json={"active": False})
    assert off.get_json()["active"] is False
    cleared = alice_api.patch(url, json={"channels": []})
    assert field_errors(cleared) == {"channels": "Choose at least one channel (in-app or email)."}


def test_daily_reminders_fall_on_local_time_and_wait_out_quiet_hours(alice, frozen_clock):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    reminder = make_reminder(alice.profile, kind="daily", time="23:30")
    services.update_settings(
        alice.profile,
        SettingsIn(quiet_start="22:00", quiet_end="07:00", weekly_summary=False),
    )
    ctx = Context(alice.profile, services.settings_for(alice.profile))
    dues = due_between(reminder, ctx, utcnow(), utcnow() + timedelta(days=1))
    # 23:30 Berlin is in the quiet hours: it waits until 07:00 (06:00 UTC) the next morning.
    assert [d.due_at for d in dues] == [datetime(2026, 12, 2, 6, 0, tzinfo=UTC)]
    assert next_due(reminder, ctx, utcnow()) == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def test_before_occurrence_and_inactivity_reminders_are_due_at_the_right_time(alice, frozen_clock):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    make_plan(
        alice.profile, {"kind": "single", "start": "2026-12-01T18:00", "duration_minutes": 30}
    )
    before = make_reminder(alice.profile, kind="before_occurrence", minutes_before=30)
    idle = make_reminder(alice.profile, kind="inactivity", after_days=3, time="19:00")
    ctx = Context(alice.profile, None)
    later = utcnow() + timedelta(days=5)
    assert [d.due_at for d in due_between(before, ctx, utcnow(), later)] == [
        datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    ]  # 17:30 Berlin
    # No practice since the reminder was made (1 Dec): due 3 days later at 19:00 Berlin …
    assert [d.due_at for d in due_between(idle, ctx, utcnow(), later)] == [
        datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    ]
    # … and practice on the 2nd moves it to the 5th.
    frozen_clock(datetime(2026, 12, 2, 20, 0, tzinfo=UTC))
    log_session(alice.profile, started_at=datetime(2026, 12, 2, 18, 0, tzinfo=UTC))
    assert [d.due_at for d in due_between(idle, ctx, utcnow(), later)] == [
        datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
    ]


def test_in_app_reminders_reach_the_notification_centre_and_the_bell(app, alice, frozen_clock):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    make_reminder(alice.profile, kind="daily", time="18:00", message="Scales first!")
    frozen_clock(datetime(2026, 12, 1, 17, 1, tzinfo=UTC))
    counts = worker.run_once("inline")
    assert counts["sent"] == 1
    note = db.session.scalars(sa.select(Notification)).one()
    assert note.title == "Time to practise"
    assert "Scales first!" in note.body
    web = app.test_client()
    web.sign_in(alice)
    page = web.get("/notifications")
    assert "Scales first!" in page_text(page)
    assert re.search(r"data-bell-count>1<", page.get_data(as_text=True))
    assert web.get("/api/v1/notifications/unread-count").get_json() == {"unread": 1}
    web.submit("/notifications/read-all")
    assert web.get("/api/v1/notifications/unread-count").get_json() == {"unread": 0}


def test_the_notifications_api_lists_pages_and_marks_read(alice_api, alice, bob_api):
    for i in range(3):
        notify(alice.profile, "badge", f"Badge {i}")
    page = alice_api.get("/api/v1/notifications?limit=2").get_json()
    assert [n["title"] for n in page["items"]] == ["Badge 2", "Badge 1"]
    rest = alice_api.get(f"/api/v1/notifications?limit=2&cursor={page['next_cursor']}")
    assert [n["title"] for n in rest.get_json()["items"]] == ["Badge 0"]
    first = page["items"][0]["id"]
    assert bob_api.post(f"/api/v1/notifications/{first}/read").status_code == 404
    read = alice_api.post(f"/api/v1/notifications/{first}/read")
    assert read.get_json()["read_at"] is not None
    assert alice_api.get("/api/v1/notifications?unread=true").get_json()["items"][0]["title"] == (
        "Badge 1"
    )


def test_reminder_email_has_text_html_and_a_one_click_unsubscribe_without_login(
    alice, client, mailbox, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    reminder = make_reminder(alice.profile, kind="daily", time="18:00", channels=["email"])
    frozen_clock(datetime(2026, 12, 1, 17, 1, tzinfo=UTC))
    worker.run_once("inline")
    (message,) = mailbox.to(alice.email)
    assert message.get_body(("html",)) is not None
    text = mailbox.text(message)
    assert "http://woodshed.test/settings/reminders" in text
    link = re.search(r"(http://woodshed.test/unsubscribe\?token=\S+)", text)[1]
    assert message["List-Unsubscribe"] == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.removeprefix("http://woodshed.test")
    assert client.get(path).status_code == 200  # GET only asks; it never unsubscribes
    db.session.refresh(reminder)
    assert reminder.channels == ["email"]
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058, no login
    assert response.status_code == 200
    assert "no longer receive this reminder by email" in page_text(response)
    db.session.refresh(reminder)
    assert (reminder.active, reminder.channels) == (False, ["in_app"])
    assert client.post("/unsubscribe?token=forged").status_code == 404


def test_the_practised_within_24h_figure_counts_practice_after_each_reminder(
    alice, alice_api, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    reminder = make_reminder(alice.profile, kind="daily", time="18:00")
    for day, practised in ((1, True), (2, False)):
        frozen_clock(datetime(2026, 12, day, 17, 1, tzinfo=UTC))
        worker.run_once("inline")
        if practised:
            frozen_clock(datetime(2026, 12, day, 20, 0, tzinfo=UTC))
            log_session(alice.profile, started_at=datetime(2026, 12, day, 19, 0, tzinfo=UTC))
    frozen_clock(datetime(2026, 12, 3, 17, 30, tzinfo=UTC))
    worker.run_once("inline")
    body = alice_api.get(f"/api/v1/reminders/{reminder.id}").get_json()
    assert (body["sent"], body["practised_within_24h"]) == (3, 1)
    evaluated = db.session.scalars(
        sa.select(Delivery.practised_within_24h).order_by(Delivery.due_at)
    ).all()
    assert evaluated == [True, False, None]  # the last one is not a day old yet


def test_the_weekly_summary_arrives_once_with_minutes_and_no_streak_in_quiet_mode(
    alice, mailbox, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # Tuesday
    log_session(
        alice.profile, started_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC), duration_minutes=40
    )
    alice.profile.motivation_mode = "quiet"
    services.update_settings(
        alice.profile,
        SettingsIn(weekly_summary=True),
    )
    frozen_clock(datetime(2026, 12, 7, 8, 30, tzinfo=UTC))  # Monday 09:30 Berlin
    worker.run_once("inline")
    worker.run_once("inline")
    (message,) = mailbox.to(alice.email)
    text = mailbox.text(message)
    assert "40 minutes on 1 day" in text
    assert "streak" not in text.lower()
    assert db.session.scalars(sa.select(Delivery.kind)).all() == ["weekly_summary"]


def test_failed_deliveries_show_in_the_admin_view(app, alice, charlie):
    from tests.access.plans_builders import BUILDERS

    BUILDERS["delivery_id"](alice)
    web = app.test_client()
    web.sign_in(charlie)
    page = web.get("/admin/deliveries")
    assert page.status_code == 200
    assert "SMTP refused" in page_text(page)


def test_an_administrator_retries_a_failed_delivery_as_new(app, alice, charlie, frozen_clock):
    from tests.access.plans_builders import BUILDERS

    frozen_clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    delivery = BUILDERS["delivery_id"](alice)
    delivery.due_at, delivery.lease_until = utcnow() - timedelta(days=2), utcnow()
    db.session.flush()
    frozen_clock(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    web = app.test_client()
    web.sign_in(charlie)
    assert web.submit(f"/admin/deliveries/{delivery.id}/retry").status_code == 302
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.due_at) == ("pending", 0, utcnow())
    assert delivery.lease_until is None
    assert delivery.next_attempt_at is None
    # Only a failed delivery is retried.
    assert services.retry_failed_delivery(delivery.id) is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minutes_before": -1}, "minutes_before"),
        ({"after_days": 0}, "after_days"),
        ({"days": ["MO", "XX"]}, "days.1"),
        ({"days": ["MO"] * 8}, "days"),
        ({"message": "x" * 501}, "message"),
        ({"active": None}, "active"),
        ({"kind": "hourly"}, "kind"),
    ],
)
def test_a_reminder_patch_is_held_to_the_rules_of_a_new_reminder(alice_api, change, field):
    """ReminderUpdate is the create schema made partial: the same limits, the same words."""
    created = alice_api.post("/api/v1/reminders", json={"kind": "daily", "time": "18:00"})
    patched = alice_api.patch(f"/api/v1/reminders/{created.get_json()['id']}", json=change)
    fresh = alice_api.post("/api/v1/reminders", json={"kind": "daily", "time": "18:00"} | change)
    assert patched.status_code == fresh.status_code == 422
    assert field in field_errors(patched)
    assert field_errors(patched)[field] == field_errors(fresh)[field]
