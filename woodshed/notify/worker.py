"""The background worker: turns due reminders into deliveries and delivers each exactly once.

Several workers may run at once, on PostgreSQL or SQLite:

1. **Schedule.** Reminders whose `next_due_at` has come get a delivery row per due time.
   The row's unique `key` (reminder + due time) means racing workers insert it once.
2. **Claim.** A worker takes a pending row with a conditional UPDATE that sets
   `claimed_by` and a lease, and checks the row count: only one worker wins a row.
3. **Deliver.** In-app notification and status change commit together (exactly once);
   an email is sent (one per recipient: a child's guardians each get their own), then the
   row is marked sent. A worker that dies in between leaves a lease that runs out, and
   the row is tried again (at least once for email). A row that reached some of its
   recipients is sent, naming the refused ones in `last_error`; one that reached none is
   a failed attempt.
4. Rows more than an hour past due when first tried are marked `missed`, not sent, so a
   worker that was down does not flood anyone. Each row is delivered on its own: any
   failure (SMTP, or a message that cannot be built) is that row's attempt, retried with
   exponential back-off and ending as `failed` with its reason (shown at
   /admin/deliveries); the other rows of the batch go out as if nothing happened.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from woodshed import mail, outbox
from woodshed.db import db, insert_ignore, new_id, utcnow
from woodshed.notify import messages
from woodshed.notify.models import Delivery, NotificationSettings, Reminder
from woodshed.notify.reminders import LOOKBACK, Context, due_between, next_due
from woodshed.profiles.models import MusicianProfile
from woodshed.recordings import worker as recordings_worker

log = logging.getLogger("woodshed.worker")

STALE_AFTER = timedelta(hours=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _setting(name: str, default):
    return current_app.config.get(name, default)


def _commit() -> None:
    db.session.commit()


# --- 1. schedule ------------------------------------------------------------------------------


def schedule_due(now: datetime, batch: int = 500) -> int:
    """Create delivery rows for every reminder (and weekly summary) that has come due."""
    created = 0
    seen: set[uuid.UUID] = set()
    while True:
        reminders = list(
            db.session.scalars(
                sa.select(Reminder)
                .where(Reminder.active.is_(True), Reminder.next_due_at <= now)
                .order_by(Reminder.next_due_at, Reminder.id)  # one lock order for all workers
                .limit(batch)
                .options(joinedload(Reminder.profile))
            )
        )
        reminders = [r for r in reminders if r.id not in seen]
        if not reminders:
            break
        settings = _settings_for({r.profile_id for r in reminders})
        rows, updates = [], []
        for reminder in reminders:
            seen.add(reminder.id)
            ctx = Context(reminder.profile, settings.get(reminder.profile_id))
            since = max(reminder.scheduled_until, now - LOOKBACK)
            for due in due_between(reminder, ctx, since, now):
                rows.append(
                    _delivery_row(
                        due.key,
                        reminder.profile_id,
                        reminder.kind,
                        due.due_at,
                        reminder.id,
                        due.subject_id,
                    )
                )
            updates.append({"rid": reminder.id, "until": now, "next": next_due(reminder, ctx, now)})
        insert_ignore(Delivery, rows, ["key"])
        table = Reminder.__table__  # Core executemany: bookkeeping, not a versioned edit
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("rid"))
            .values(scheduled_until=sa.bindparam("until"), next_due_at=sa.bindparam("next")),
            updates,
        )
        _commit()
        created += len(rows)
    created += _schedule_summaries(now)
    # Features schedule their own deliveries (weekly reports to teachers) the same way.
    for scheduler in current_app.extensions.get("woodshed.delivery_schedulers", []):
        created += scheduler(now)
    return created


def _delivery_row(key, profile_id, kind, due_at, reminder_id=None, subject_id=None) -> dict:
    return {
        "id": new_id(),
        "key": key,
        "reminder_id": reminder_id,
        "profile_id": profile_id,
        "kind": kind,
        "due_at": due_at,
        "subject_id": subject_id,
        "status": "pending",
        "attempts": 0,
        "in_app_done": False,
        "last_error": "",
    }


def _settings_for(profile_ids: set[uuid.UUID]) -> dict[uuid.UUID, NotificationSettings]:
    if not profile_ids:
        return {}
    rows = db.session.scalars(
        sa.select(NotificationSettings).where(NotificationSettings.profile_id.in_(profile_ids))
    )
    return {s.profile_id: s for s in rows}


def _schedule_summaries(now: datetime) -> int:
    due = list(
        db.session.scalars(
            sa.select(NotificationSettings)
            .where(
                NotificationSettings.weekly_summary.is_(True),
                NotificationSettings.summary_due_at <= now,
            )
            .limit(500)
        )
    )
    if not due:
        return 0
    from woodshed.notify.services import next_summary_due

    rows = []
    for s in due:
        assert s.summary_due_at is not None  # selected by it
        if s.summary_due_at >= now - LOOKBACK:
            key = f"s:{s.profile_id}:{s.summary_due_at:%Y%m%dT%H%M}"
            rows.append(_delivery_row(key, s.profile_id, "weekly_summary", s.summary_due_at))
        profile = db.session.get_one(MusicianProfile, s.profile_id)
        s.summary_due_at = next_summary_due(profile, now)
    insert_ignore(Delivery, rows, ["key"])
    _commit()
    return len(rows)


# --- 2. claim ---------------------------------------------------------------------------------


def claim(name: str, now: datetime, batch: int = 100) -> list[uuid.UUID]:
    """Claim up to `batch` pending deliveries with a lease, by one conditional UPDATE.

    `UPDATE … SET claimed_by = me, lease_until = now + lease WHERE id IN (candidates)
    AND (lease_until IS NULL OR lease_until < now) AND status = 'pending' RETURNING id`:
    the WHERE is re-checked row by row under the row lock (PostgreSQL) or the write lock
    (SQLite), so a row another worker claimed first is simply not returned — the ids that
    come back are the ones this worker won (the batch form of checking the row count).
    """
    lease = timedelta(seconds=_setting("WORKER_LEASE_SECONDS", 300))
    table = Delivery.__table__
    free = sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now)
    candidates = (
        sa.select(table.c.id)
        .where(
            table.c.status == "pending",
            table.c.due_at <= now,
            free,
            sa.or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        )
        .order_by(table.c.due_at, table.c.id)  # one lock order for all workers
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped rather than waited for.
        candidates = candidates.with_for_update(skip_locked=True)
    ids = db.session.scalars(candidates).all()
    if not ids:
        _commit()
        return []
    won = db.session.scalars(
        sa.update(table)
        .where(table.c.id.in_(ids), free, table.c.status == "pending")
        .values(claimed_by=name, lease_until=now + lease)
        .returning(table.c.id)
    ).all()
    _commit()
    return list(won)


# --- 3. deliver -------------------------------------------------------------------------------


def deliver(name: str, ids: list[uuid.UUID], now: datetime, counts: Counter) -> None:
    """Deliver claimed rows, each on its own: whatever one row raises (a message that cannot
    be built, a refused address, an SMTP error) counts as that row's failed attempt and
    never touches another row. In-app-only rows commit per batch, each email right after
    sending."""
    if not ids:
        return
    rows = db.session.scalars(
        sa.select(Delivery)
        .where(Delivery.id.in_(ids), Delivery.claimed_by == name)
        .options(joinedload(Delivery.reminder), joinedload(Delivery.profile))
    ).all()
    for delivery in rows:
        if delivery.status != "pending":
            continue
        try:
            # A savepoint: a row that fails half-way leaves nothing of itself behind.
            with db.session.begin_nested():
                emails = _prepare(delivery, now, counts)
        except OperationalError:
            raise  # the database is busy, not this row: the whole step is tried again
        except Exception as exc:
            _failed_attempt(delivery, utcnow(), _reason(exc), counts)
            continue
        if not emails:
            continue
        # The in-app part is durable before SMTP talks, and no lock is held meanwhile.
        _commit()
        refused = []
        for email in emails:
            try:
                mail.send(email)
            except Exception as exc:
                refused.append(_reason(exc))
        if len(refused) == len(emails):
            _failed_attempt(delivery, utcnow(), "; ".join(refused), counts)
            _commit()
            continue
        # Some recipients got it (a child's other guardian): sending again would repeat it
        # to them, so the row ends as sent and says whom it missed.
        _finish(delivery, "sent", "; ".join(refused), now)
        counts["sent"] += 1
        _commit()  # right after the mail is out: keeps the resend window small
    _commit()


def _prepare(delivery: Delivery, now: datetime, counts: Counter) -> list[mail.Mail]:
    """Settle a row that needs no email; otherwise post its in-app part and return the
    emails (one per recipient), checked to be sendable (their headers built) before
    anything is committed."""
    if delivery.attempts == 0 and now - delivery.due_at > STALE_AFTER:
        _finish(delivery, "missed", "More than an hour late (worker was down).")
        counts["missed"] += 1
        return []
    reminder = delivery.reminder
    if delivery.reminder_id is not None and (reminder is None or not reminder.active):
        _finish(delivery, "missed", "The reminder was switched off.")
        counts["missed"] += 1
        return []
    message = messages.build(delivery, now)
    if message is None:
        _finish(delivery, "missed", "Nothing to remind about any more.")
        counts["missed"] += 1
        return []
    for email in message.emails:
        mail.check(email)
    if message.in_app and not delivery.in_app_done:
        messages.post_in_app(delivery, message)
        delivery.in_app_done = True
    if not message.emails:
        _finish(delivery, "sent", "", now)
        counts["sent"] += 1
    return message.emails


def _reason(exc: BaseException) -> str:
    """What the admin deliveries page shows for a failed attempt."""
    if isinstance(exc, mail.MailError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _finish(delivery: Delivery, status: str, error: str, now: datetime | None = None) -> None:
    delivery.status = status
    delivery.last_error = error
    delivery.lease_until = None
    if status == "sent":
        delivery.sent_at = now


def _failed_attempt(delivery: Delivery, now: datetime, error: str, counts: Counter) -> None:
    """One more failed try: back off exponentially, `failed` after WORKER_MAX_ATTEMPTS."""
    delivery.attempts += 1
    delivery.last_error = error[:2000]
    delivery.lease_until = None
    if delivery.attempts >= _setting("WORKER_MAX_ATTEMPTS", 5):
        delivery.status = "failed"
        counts["failed"] += 1
        log.error("delivery %s failed for good: %s", delivery.id, error)
        return
    counts["retry"] += 1
    base = _setting("WORKER_RETRY_BASE_SECONDS", 60)
    delivery.next_attempt_at = now + timedelta(seconds=base * 2 ** (delivery.attempts - 1))
    log.warning("delivery %s failed (attempt %s), retrying", delivery.id, delivery.attempts)


# --- 4. bookkeeping ---------------------------------------------------------------------------


def evaluate_effect(now: datetime, batch: int = 500) -> int:
    """A day after each sent reminder, note whether the musician practised within 24 h."""
    from woodshed.journal.models import PracticeSession

    rows = db.session.scalars(
        sa.select(Delivery)
        .where(
            Delivery.status == "sent",
            Delivery.practised_within_24h.is_(None),
            Delivery.reminder_id.is_not(None),
            Delivery.sent_at <= now - timedelta(hours=24),
        )
        .limit(batch)
    ).all()
    for delivery in rows:
        assert delivery.sent_at is not None  # selected by it
        delivery.practised_within_24h = bool(
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(PracticeSession)
                .where(
                    PracticeSession.profile_id == delivery.profile_id,
                    PracticeSession.started_at >= delivery.sent_at,
                    PracticeSession.started_at <= delivery.sent_at + timedelta(hours=24),
                )
            )
        )
    _commit()
    return len(rows)


def housekeeping(now: datetime) -> int:
    from woodshed.plans.services import expire_overdue

    expired = expire_overdue(None, now)
    _commit()
    return expired


def _retrying(step, *args, attempts: int = 5):
    """Run one idempotent step; a busy database (SQLite's write lock taken by another worker
    for longer than busy_timeout, a PostgreSQL deadlock) rolls back and tries again."""
    for attempt in range(attempts):
        try:
            return step(*args)
        except OperationalError:
            db.session.rollback()
            if attempt == attempts - 1:
                raise
            log.info("database busy in %s; trying again", step.__name__)
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
    return None


def run_once(name: str | None = None, max_batches: int = 1000) -> Counter:
    """One pass: expire, schedule, claim and deliver everything due now, evaluate."""
    name = name or worker_name()
    g.write_intent = True  # SQLite: take the write lock up front (see db._sqlite_begin)
    counts: Counter = Counter()
    now = utcnow()
    counts["expired"] = _retrying(housekeeping, now)
    counts["scheduled"] = _retrying(schedule_due, now)
    for _ in range(max_batches):
        ids = _retrying(claim, name, utcnow())
        if not ids:
            break
        counts["claimed"] += len(ids)
        # A retried batch skips rows already finished (status) or taken over (claimed_by).
        _retrying(deliver, name, ids, utcnow(), counts)
    counts["evaluated"] = _retrying(evaluate_effect, utcnow())
    # Account email queued by requests (woodshed/outbox.py).
    _retrying(outbox.run_once, name, counts)
    # Recordings waiting to be made playable (woodshed/recordings/worker.py).
    for outcome, n in recordings_worker.run_once(name).items():
        counts[f"recordings_{outcome}"] += n
    return counts


def run_forever(app: Flask, interval: float = 30.0, stop: threading.Event | None = None) -> None:
    """Tick every `interval` seconds until `stop` is set; one app context per tick."""
    name = worker_name()
    stop = stop or threading.Event()
    log.info("worker %s started (every %ss)", name, interval)
    while not stop.is_set():
        try:
            with app.app_context():
                counts = run_once(name)
                if any(counts.values()):
                    log.info("worker tick: %s", dict(counts))
        except Exception:  # a bad tick must not end the worker; the next one retries
            log.exception("worker tick failed")
        stop.wait(interval)


def start_thread(app: Flask, interval: float = 30.0) -> threading.Event:
    """Development: run the worker in a daemon thread beside the web server."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(app, interval, stop), name="woodshed-worker", daemon=True
    )
    thread.start()
    return stop
