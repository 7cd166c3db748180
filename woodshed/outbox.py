"""Email through the worker: a request queues, the worker sends (`outgoing_mail`).

Registration confirmations, password resets and "someone tried to register with your
address" notices are rows of `outgoing_mail`. A request only inserts one (the same small
write whether or not the address has an account), so no response time depends on SMTP or
on who is registered. The worker claims pending rows with a lease (as it claims reminder
deliveries), sends each on its own — a failure is that row's attempt, retried with
back-off and `failed` after WORKER_MAX_ATTEMPTS — and empties the body of a row that is
done, so single-use links do not linger in the database.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from woodshed import mail
from woodshed.db import Base, IdMixin, db, utcnow

log = logging.getLogger("woodshed.worker")


OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutgoingMail(IdMixin, Base):
    """An email waiting for the worker (account mail: confirmations, resets, notices).

    Requests only queue; the worker sends. No response time depends on SMTP or on whether
    an address has an account. The body (which may hold a single-use link) is emptied once
    the message is sent or has failed for good.
    """

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {OUTBOX_STATUSES!r}", name="status"),
        sa.Index("ix_outgoing_mail_status_created", "status", "created_at"),
    )

    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    html: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(40), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(100))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[datetime | None]


def queue(message: mail.Mail, kind: str) -> OutgoingMail:
    """Queue one message for the worker (flushed with the request's transaction)."""
    mail.check(message)  # a header that is not one line fails here, in the request
    row = OutgoingMail(
        to_address=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html or "",
        kind=kind,
        status="pending",
        attempts=0,
        last_error="",
    )
    db.session.add(row)
    db.session.flush()
    return row


def claim(name: str, now: datetime, batch: int = 50) -> list[uuid.UUID]:
    """Claim pending rows with a lease by one conditional UPDATE (see worker.claim)."""
    lease = timedelta(seconds=current_app.config.get("WORKER_LEASE_SECONDS", 300))
    table = OutgoingMail.__table__
    free = sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now)
    candidates = (
        sa.select(table.c.id)
        .where(
            table.c.status == "pending",
            free,
            sa.or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        )
        .order_by(table.c.created_at, table.c.id)
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = db.session.scalars(candidates).all()
    if not ids:
        db.session.commit()
        return []
    won = db.session.scalars(
        sa.update(table)
        .where(table.c.id.in_(ids), free, table.c.status == "pending")
        .values(claimed_by=name, lease_until=now + lease)
        .returning(table.c.id)
    ).all()
    db.session.commit()
    return list(won)


def send(name: str, ids: list[uuid.UUID], counts: Counter) -> None:
    """Send claimed rows, each on its own, committing after each."""
    rows = db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.id.in_(ids), OutgoingMail.claimed_by == name)
    ).all()
    for row in rows:
        if row.status != "pending":
            continue
        message = mail.Mail(to=row.to_address, subject=row.subject, text=row.text, html=row.html)
        try:
            mail.send(message)
        except OperationalError:
            raise
        except Exception as exc:
            _failed_attempt(row, utcnow(), exc, counts)
        else:
            row.status = "sent"
            row.sent_at = utcnow()
            row.lease_until = None
            row.last_error = ""
            row.text = row.html = ""
            counts["mail_sent"] += 1
        db.session.commit()


def _failed_attempt(row: OutgoingMail, now: datetime, exc: Exception, counts: Counter) -> None:
    config = current_app.config
    row.attempts += 1
    row.lease_until = None
    row.last_error = (str(exc) if isinstance(exc, mail.MailError) else repr(exc))[:2000]
    if row.attempts >= config.get("WORKER_MAX_ATTEMPTS", 5):
        row.status = "failed"
        row.text = row.html = ""
        counts["mail_failed"] += 1
        log.error("account mail %s failed for good: %s", row.id, row.last_error)
        return
    base = config.get("WORKER_RETRY_BASE_SECONDS", 60)
    row.next_attempt_at = now + timedelta(seconds=base * 2 ** (row.attempts - 1))
    counts["mail_retry"] += 1
    log.warning("account mail %s failed (attempt %s), retrying", row.id, row.attempts)


def run_once(name: str, counts: Counter, max_batches: int = 100) -> None:
    for _ in range(max_batches):
        ids = claim(name, utcnow())
        if not ids:
            return
        send(name, ids, counts)
