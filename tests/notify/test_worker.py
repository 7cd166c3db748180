"""REL-JOB: every due reminder is delivered exactly once, even with several workers racing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.conftest import database_kind
from tests.factories import make_persona, make_reminder
from tests.racing import race
from tests.smtp import free_port
from woodshed.db import Clock, db, utcnow
from woodshed.notify import worker
from woodshed.notify.models import Delivery, Notification, Reminder

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # reminders are created
DUE = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 18:00 in UTC: due


def _seed(app, people: int, per_person: int, channels=("email",), time="18:00") -> list[str]:
    """Reminders with a distinct message each; returns the messages."""
    Clock.frozen = T0
    texts = []
    with app.app_context():
        for p in range(people):
            persona = make_persona(f"musician{p}", timezone="UTC")
            for r in range(per_person):
                text = f"reminder-{p}-{r}"
                make_reminder(persona.profile, time=time, channels=list(channels), message=text)
                texts.append(text)
        db.session.commit()
    return texts


def _race(app, workers: int) -> Counter:
    def run(n: int) -> Counter:
        with app.app_context():
            return Counter(worker.run_once(f"test-worker-{n}"))

    return sum(race(workers, run), Counter())


def _statuses(app) -> dict[str, int]:
    with app.app_context():
        return dict(
            db.session.execute(
                sa.select(Delivery.status, sa.func.count()).group_by(Delivery.status)
            ).all()
        )


def test_racing_workers_send_each_of_hundreds_of_reminders_exactly_once(committed_app, mailbox):
    texts = _seed(committed_app, people=8, per_person=40)  # 320 due reminders
    Clock.frozen = DUE + timedelta(minutes=1)
    counts = _race(committed_app, workers=4)
    bodies = Counter(
        m
        for message in mailbox.messages
        for m in re.findall(r"reminder-\d+-\d+", mailbox.text(message))
    )
    assert len(mailbox.messages) == len(texts)
    assert set(bodies.values()) == {1}
    assert set(bodies) == set(texts)
    assert counts["sent"] == len(texts)
    assert _statuses(committed_app) == {"sent": len(texts)}
    # A second pass finds nothing more to do.
    assert _race(committed_app, workers=2)["sent"] == 0
    assert len(mailbox.messages) == len(texts)


def test_in_app_reminders_arrive_exactly_once_with_workers_racing(committed_app):
    texts = _seed(committed_app, people=5, per_person=50, channels=("in_app",))
    Clock.frozen = DUE + timedelta(minutes=1)
    _race(committed_app, workers=3)
    with committed_app.app_context():
        bodies = Counter(db.session.scalars(sa.select(Notification.body)))
    assert set(bodies) == set(texts)
    assert set(bodies.values()) == {1}


def test_worker_processes_racing_on_the_same_database_deliver_once(committed_app, mailbox):
    """Separate `woodshed worker --once` processes, each with its own connection (real clock)."""
    now = datetime.now(UTC)
    due = now - timedelta(minutes=5)
    texts = _seed(committed_app, people=3, per_person=40, time=due.strftime("%H:%M"))
    Clock.frozen = None
    with committed_app.app_context():
        db.session.execute(
            sa.update(Reminder).values(
                scheduled_until=now - timedelta(minutes=30), next_due_at=now - timedelta(minutes=30)
            )
        )
        db.session.commit()
    config = committed_app.config
    env = os.environ | {
        "WOODSHED_DATABASE_URL": config["DATABASE_URL"],
        "WOODSHED_SMTP_URL": config["SMTP_URL"],
        "WOODSHED_SECRET_KEY": config["SECRET_KEY"],
        "WOODSHED_BASE_URL": config["BASE_URL"],
        "WOODSHED_INSTANCE_PATH": str(committed_app.instance_path),
        "WOODSHED_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-c", "from woodshed.cli import main; main()", "worker", "--once"]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()[-2000:]
    assert len(mailbox.messages) == len(texts)
    assert _statuses(committed_app) == {"sent": len(texts)}


def test_a_claim_whose_worker_died_is_retried_after_the_lease(committed_app, mailbox):
    _seed(committed_app, people=1, per_person=3)
    Clock.frozen = DUE + timedelta(minutes=1)
    with committed_app.app_context():
        worker.schedule_due(utcnow())
        claimed = worker.claim("crashed-worker", utcnow())  # …and then it died
    assert len(claimed) == 3
    assert _race(committed_app, workers=2)["sent"] == 0  # the lease still holds
    assert mailbox.messages == []
    Clock.frozen = DUE + timedelta(minutes=4)  # the 120 s lease has run out
    assert _race(committed_app, workers=2)["sent"] == 3
    assert len(mailbox.messages) == 3


def test_after_downtime_stale_reminders_are_marked_missed_not_sent(committed_app, mailbox):
    _seed(committed_app, people=1, per_person=2)
    Clock.frozen = DUE + timedelta(days=3, hours=2)  # the worker was down for three days
    counts = _race(committed_app, workers=2)
    assert counts["sent"] == 0
    assert mailbox.messages == []
    # One row per reminder and missed day (1st to 4th at 18:00), none of them sent.
    assert _statuses(committed_app) == {"missed": 2 * 4}


def test_smtp_failures_back_off_then_end_as_failed(committed_app, mailbox):
    committed_app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}?timeout=2"  # closed
    committed_app.config["WORKER_MAX_ATTEMPTS"] = 3
    _seed(committed_app, people=1, per_person=1)
    when = DUE + timedelta(minutes=1)
    Clock.frozen = when
    assert _race(committed_app, workers=1)["retry"] == 1
    with committed_app.app_context():
        row = db.session.scalars(sa.select(Delivery)).one()
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.next_attempt_at == when + timedelta(seconds=60)
    Clock.frozen = when + timedelta(seconds=30)  # too early for the retry
    assert _race(committed_app, workers=1)["retry"] == 0
    Clock.frozen = when + timedelta(seconds=61)
    assert _race(committed_app, workers=1)["retry"] == 1
    with committed_app.app_context():
        row = db.session.scalars(sa.select(Delivery)).one()
        assert row.next_attempt_at == when + timedelta(seconds=61 + 120)  # doubled
    Clock.frozen = when + timedelta(seconds=61 + 121)
    assert _race(committed_app, workers=1)["failed"] == 1
    assert _statuses(committed_app) == {"failed": 1}
    assert mailbox.messages == []


def test_database_kind_is_reported():
    assert database_kind() in ("sqlite", "postgresql")


def _poison(app) -> None:
    """A goal reminder whose goal title holds a line break (as rows written before titles
    were single-line may): its email Subject cannot be built. Due at 17:30, before the rest."""
    from tests.factories import make_goal

    Clock.frozen = T0
    with app.app_context():
        persona = make_persona("poisoner", timezone="UTC")
        goal = make_goal(persona.profile, title="Scales", target_date=DUE.date().isoformat())
        make_reminder(
            persona.profile, kind="goal_deadline", days_before=0, time="17:30", channels=["email"]
        )
        table = type(goal).__table__  # raw, past today's validation
        db.session.execute(
            sa.update(table)
            .where(table.c.id == goal.id)
            .values(title="Scales\r\nBcc: everyone@example.org")
        )
        db.session.commit()


def test_a_poisoned_delivery_among_fifty_does_not_hold_back_the_others(committed_app, mailbox):
    committed_app.config["WORKER_MAX_ATTEMPTS"] = 2
    _poison(committed_app)
    texts = _seed(committed_app, people=5, per_person=10)  # 50 good reminders
    when = DUE + timedelta(minutes=1)
    Clock.frozen = when
    counts = _race(committed_app, workers=1)
    # The 50 arrive on the first pass; the poisoned row is one failed attempt of its own.
    assert counts["sent"] == 50
    assert counts["retry"] == 1
    assert len(mailbox.messages) == len(texts)
    assert not any("everyone@example.org" in mailbox.text(m) for m in mailbox.messages)
    with committed_app.app_context():
        bad = db.session.scalars(sa.select(Delivery).where(Delivery.kind == "goal_deadline")).one()
        assert (bad.status, bad.attempts, bad.lease_until) == ("pending", 1, None)
        assert "ValueError" in bad.last_error
    # It backs off, then fails for good with its reason, without sending anything.
    Clock.frozen = when + timedelta(seconds=61)
    assert _race(committed_app, workers=1)["failed"] == 1
    assert _statuses(committed_app) == {"sent": 50, "failed": 1}
    assert len(mailbox.messages) == 50
