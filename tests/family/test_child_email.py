"""A child's reminders by email: to each guardian who allowed email about the child
(consent on record), never to anyone else; without consent, the in-app notice only.
Delivered by the worker through a real SMTP server on loopback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.factories import log_session, make_persona, make_plan, make_reminder
from tests.family.helpers import CONSENT, add_guardian, make_child
from tests.teaching.helpers import make_teacher
from woodshed.db import db
from woodshed.family import services as family
from woodshed.notify import worker
from woodshed.notify.models import Delivery, Notification
from woodshed.notify.schemas import SettingsIn
from woodshed.notify.services import update_settings
from woodshed.plans.models import PlanOccurrence
from woodshed.teaching.models import SCOPES, Link

#: The guardians (and so their children) live in Berlin: 18:00 there is 17:00 UTC.
MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
EVENING = datetime(2026, 12, 1, 17, 1, tzinfo=UTC)


def _notices(profile) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.title).where(Notification.profile_id == profile.id)
        )
    )


def _everyone(mailbox) -> list[str]:
    return sorted(m["To"] for m in mailbox.messages)


def test_a_childs_reminder_reaches_only_the_guardians_who_allowed_email(
    app, alice, bob, mailbox, frozen_clock
):
    frozen_clock(MORNING)
    mia = make_child(alice, "Mia")
    add_guardian(mia, alice, bob)  # bob is Mia's guardian too, but has not allowed email
    tess = make_teacher("tess")  # Mia's teacher gets weekly reports, never her reminders
    db.session.add(
        Link(
            kind="teacher",
            user_id=tess.user.id,
            profile_id=mia.id,
            scopes=list(SCOPES),
            accepted_by=alice.user.id,
            accepted_at=MORNING,
        )
    )
    gwen = make_persona("gwen")
    make_child(gwen, "Leo")
    family.allow_email(gwen.user, family.children_of(gwen.user)[0], CONSENT)  # another family
    family.allow_email(alice.user, mia, CONSENT)
    make_reminder(mia, kind="daily", time="18:00", channels=["email", "in_app"])
    frozen_clock(EVENING)

    worker.run_once("inline")

    (message,) = mailbox.to(alice.email)
    assert _everyone(mailbox) == [alice.email]
    assert message["Subject"] == "Mia: Time to practise"
    text = mailbox.text(message)
    assert "A reminder for Mia" in text
    assert "you allowed email about Mia" in text
    # Its links open Mia's pages, where the guardian acts for her.
    assert f"http://woodshed.test/children/{mia.id}/settings/reminders" in text
    assert re.search(r"http://woodshed.test/unsubscribe\?token=\S+", text)
    assert message.get_body(("html",)) is not None
    assert _notices(mia) == ["Time to practise"]  # the child's centre, once
    assert _notices(alice.profile) == []


def test_each_consenting_guardian_gets_an_email_of_their_own(
    app, alice, bob, mailbox, frozen_clock
):
    frozen_clock(MORNING)
    mia = make_child(alice, "Mia")
    add_guardian(mia, alice, bob)
    family.allow_email(alice.user, mia, CONSENT)
    family.allow_email(bob.user, mia, CONSENT)
    make_reminder(mia, kind="daily", time="18:00", channels=["email"])
    frozen_clock(EVENING)

    counts = worker.run_once("inline")
    worker.run_once("inline")  # a second pass sends nothing again

    assert counts["sent"] == 1
    assert _everyone(mailbox) == sorted([alice.email, bob.email])  # one To each, never both
    assert db.session.scalars(sa.select(Delivery.status)).all() == ["sent"]


def test_a_guardian_who_left_gets_no_more_email_about_the_child(
    app, alice, bob, mailbox, frozen_clock
):
    frozen_clock(MORNING)
    mia = make_child(alice, "Mia")
    add_guardian(mia, alice, bob)
    family.allow_email(bob.user, mia, CONSENT)
    family.leave_child(bob.user, mia)
    make_reminder(mia, kind="daily", time="18:00", channels=["email", "in_app"])
    frozen_clock(EVENING)

    worker.run_once("inline")

    assert mailbox.messages == []
    assert _notices(mia) == ["Time to practise"]


def test_without_consent_no_email_but_the_in_app_notice_still_arrives(
    app, alice, mailbox, frozen_clock
):
    frozen_clock(MORNING)
    mia = make_child(alice, "Mia")
    # Email only, and nobody may receive it: the reminder is not lost, it goes to the centre.
    make_reminder(mia, kind="daily", time="18:00", channels=["email"])
    frozen_clock(EVENING)

    counts = worker.run_once("inline")

    assert counts["sent"] == 1
    assert mailbox.messages == []
    assert _notices(mia) == ["Time to practise"]


def test_a_childs_plan_reminder_goes_to_the_guardian_with_the_childs_check_in_link(
    app, alice, mailbox, frozen_clock
):
    frozen_clock(MORNING)
    mia = make_child(alice, "Mia")
    family.allow_email(alice.user, mia, CONSENT)
    plan = make_plan(mia, {"kind": "single", "start": "2026-12-01T18:00", "duration_minutes": 30})
    make_reminder(mia, kind="before_occurrence", minutes_before=30, channels=["email"])
    frozen_clock(datetime(2026, 12, 1, 16, 31, tzinfo=UTC))  # 17:31 in Berlin

    worker.run_once("inline")

    (message,) = mailbox.to(alice.email)
    assert message["Subject"] == f"Mia: Practice in 30 minutes: {plan.title}"
    occurrence = db.session.scalars(
        sa.select(PlanOccurrence).where(PlanOccurrence.plan_id == plan.id)
    ).one()
    link = f"http://woodshed.test/children/{mia.id}/plans/occurrences/{occurrence.id}/check-in"
    assert link in mailbox.text(message)


def test_a_refused_guardian_address_does_not_hold_back_the_other(
    app, alice, bob, mailbox, frozen_clock
):
    frozen_clock(MORNING)
    mia = make_child(alice, "Mia")
    add_guardian(mia, alice, bob)
    family.allow_email(alice.user, mia, CONSENT)
    family.allow_email(bob.user, mia, CONSENT)
    make_reminder(mia, kind="daily", time="18:00", channels=["email"])
    frozen_clock(EVENING)
    mailbox.refused.add(bob.email)  # bob's mail host refuses his address
    try:
        worker.run_once("inline")
        frozen_clock(EVENING + timedelta(hours=1))
        worker.run_once("inline")  # no retry: alice would get it twice
    finally:
        mailbox.refused.clear()

    assert _everyone(mailbox) == [alice.email]
    delivery = db.session.scalars(sa.select(Delivery)).one()
    assert delivery.status == "sent"
    assert "Mailbox unavailable" in delivery.last_error


def test_the_childs_reminder_form_says_where_email_goes(app, alice, alice_web):
    mia = make_child(alice, "Mia")
    child_page = alice_web.get(f"/children/{mia.id}/settings/reminders")
    own_page = alice_web.get("/settings/reminders")
    assert child_page.status_code == 200
    assert "Email about Mia goes to each guardian who allowed it" in child_page.get_data(
        as_text=True
    )
    assert "goes to each guardian" not in own_page.get_data(as_text=True)


def test_a_childs_weekly_summary_reaches_only_the_guardians_who_allowed_email(
    app, alice, bob, mailbox, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # Tuesday
    mia = make_child(alice, "Mia")
    add_guardian(mia, alice, bob)  # bob looks after Mia too, but has not allowed email
    family.allow_email(alice.user, mia, CONSENT)
    gwen = make_persona("gwen")
    leo = make_child(gwen, "Leo")
    family.allow_email(gwen.user, leo, CONSENT)  # another family
    log_session(mia, datetime(2026, 12, 1, 8, 0, tzinfo=UTC), 40)
    log_session(alice.profile, datetime(2026, 12, 1, 9, 0, tzinfo=UTC), 15)  # alice's own
    update_settings(mia, SettingsIn(weekly_summary=True))
    frozen_clock(datetime(2026, 12, 7, 8, 30, tzinfo=UTC))  # Monday 09:30 in Berlin

    worker.run_once("inline")
    worker.run_once("inline")  # once only

    # One email about Mia's week, to the guardian who allowed email: her weekly report,
    # with what the summary adds (the summary alone: test_teacher_and_family.py).
    about_mia = [m for m in mailbox.messages if "Mia" in m["Subject"]]
    assert [(m["To"], m["Subject"]) for m in about_mia] == [
        (alice.email, "Mia's practice week: 40 minutes on 1 day")
    ]
    (message,) = about_mia
    text = mailbox.text(message)
    assert "40 minutes in 1 session on 1 day" in text  # Mia's week, not alice's 15 minutes
    assert "Current streak: 0 days." in text  # Tuesday to Monday: broken
    assert f"http://woodshed.test/children/{mia.id}/" in text
    assert message.get_body(("html",)) is not None


def test_without_consent_a_childs_weekly_summary_is_mailed_to_nobody(
    app, alice, mailbox, frozen_clock
):
    frozen_clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    mia = make_child(alice, "Mia")
    log_session(mia, datetime(2026, 12, 1, 8, 0, tzinfo=UTC), 40)
    update_settings(mia, SettingsIn(weekly_summary=True))
    frozen_clock(datetime(2026, 12, 7, 8, 30, tzinfo=UTC))

    worker.run_once("inline")

    assert mailbox.messages == []
