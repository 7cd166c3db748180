"""The consequences of logging are named events (woodshed/events.py) with subscribers:
journal_changed once per commit, whatever wrote the journal; badge_earned for a new
badge; plans_changed when plans move."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.factories import log_session, make_plan, make_reminder
from woodshed import events
from woodshed.db import db
from woodshed.journal import services as journal
from woodshed.journal.models import PracticeSession
from woodshed.notify.models import Notification, Reminder
from woodshed.plans import services as plans
from woodshed.stats import services
from woodshed.stats.models import DailyTotal
from woodshed.stats.schemas import SkipPeriodIn

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@contextmanager
def heard(signal) -> Iterator[list[tuple]]:
    """Every (sender, data) the signal sends while the block runs."""
    got: list[tuple] = []

    def receiver(sender, **data):
        got.append((sender, data))

    with signal.connected_to(receiver):
        yield got


def test_one_commit_announces_every_changed_journal_once(app, alice, bob, frozen_clock):
    frozen_clock(NOW)
    with heard(events.journal_changed) as got:
        log_session(alice.profile, NOW - timedelta(hours=3), 20)
        log_session(alice.profile, NOW - timedelta(hours=2), 20)
        log_session(bob.profile, NOW - timedelta(hours=1), 20)
        assert got == []  # nothing before the commit
        db.session.commit()
    assert [data for _, data in got] == [
        {"profiles": {alice.profile.id: False, bob.profile.id: False}}
    ]


def test_deleting_an_entry_announces_that_something_was_taken_away(app, alice, frozen_clock):
    frozen_clock(NOW)
    entry = log_session(alice.profile, NOW - timedelta(hours=3), 20)
    db.session.commit()
    with heard(events.journal_changed) as got:
        journal.delete_session(entry)
        db.session.commit()
    assert [data["profiles"] for _, data in got] == [{alice.profile.id: True}]


def test_a_bulk_delete_is_rebuilt_and_announced(app, alice, frozen_clock):
    """A statement outside the ORM's objects still ends in complete rollups and the event."""
    frozen_clock(NOW)
    log_session(alice.profile, NOW - timedelta(hours=3), 20)
    db.session.commit()
    with heard(events.journal_changed) as got:
        db.session.execute(
            sa.delete(PracticeSession).where(PracticeSession.profile_id == alice.profile.id)
        )
        db.session.commit()
    assert [data["profiles"] for _, data in got] == [{alice.profile.id: True}]
    rows = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(DailyTotal)
        .where(DailyTotal.profile_id == alice.profile.id)
    )
    assert rows == 0


def test_days_off_announce_a_change_without_any_entry(app, alice, frozen_clock):
    frozen_clock(NOW)
    with heard(events.journal_changed) as got:
        services.add_skip_period(
            alice.profile,
            SkipPeriodIn.model_validate({"start_date": "2026-03-01", "end_date": "2026-03-02"}),
        )
        db.session.commit()
    assert [data["profiles"] for _, data in got] == [{alice.profile.id: True}]


def test_a_rolled_back_change_announces_nothing(app, alice, frozen_clock):
    frozen_clock(NOW)
    with heard(events.journal_changed) as got:
        log_session(alice.profile, NOW - timedelta(hours=3), 20)
        db.session.rollback()
        db.session.commit()
    assert got == []


def test_a_new_badge_is_announced_and_the_notification_centre_subscribes(app, alice, frozen_clock):
    frozen_clock(NOW)
    with heard(events.badge_earned) as got:
        log_session(alice.profile, NOW - timedelta(hours=3), 20)
        db.session.commit()
    assert [(sender, data["badge"].code, data["url"]) for sender, data in got] == [
        (alice.profile, "first_session", "/stats/badges")
    ]
    notes = db.session.scalars(
        sa.select(Notification.title).where(Notification.profile_id == alice.profile.id)
    ).all()
    assert notes == ["Badge earned: First session"]


def test_changing_a_plan_is_announced_and_its_reminders_look_again(app, alice, frozen_clock):
    frozen_clock(NOW)
    plan = make_plan(alice.profile)
    reminder = make_reminder(alice.profile, kind="before_occurrence", minutes_before=15)
    later = NOW + timedelta(days=2)
    reminder.next_due_at = later
    db.session.flush()
    with heard(events.plans_changed) as got:
        plans.update_plan(alice.profile, plan, {"title": "Bach bootcamp"})
    assert got == [(alice.profile, {})]
    db.session.expire_all()
    assert db.session.get(Reminder, reminder.id).next_due_at == NOW
