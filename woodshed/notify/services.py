"""Notifications, reminders and their settings: every change to them is made here."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from woodshed.db import db, utcnow
from woodshed.notify.models import Delivery, Notification, NotificationSettings, Reminder
from woodshed.profiles.models import MusicianProfile

UNSUBSCRIBE_SALT = "woodshed-unsubscribe"


def notify(
    profile: MusicianProfile,
    kind: str,
    title: str,
    body: str = "",
    url: str | None = None,
    *,
    flush: bool = True,
) -> Notification:
    """Put a notification in the musician's notification centre.

    The worker passes `flush=False` and writes a whole batch at its commit.
    """
    note = Notification(profile_id=profile.id, kind=kind, title=title[:200], body=body, url=url)
    db.session.add(note)
    if flush:
        db.session.flush()
    return note


def announce_badge(profile: MusicianProfile, *, badge, url: str) -> None:
    """`events.badge_earned` subscriber: the badge goes into the notification centre
    (quiet mode earns badges silently)."""
    if not profile.quiet:
        notify(profile, "badge", f"Badge earned: {badge.title}", badge.description, url)


def unread_count(profile: MusicianProfile) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.profile_id == profile.id, Notification.read_at.is_(None))
    )


def mark_all_read(profile: MusicianProfile) -> int:
    return db.session.execute(
        sa.update(Notification)
        .where(Notification.profile_id == profile.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount


# --- the notification centre -----------------------------------------------------------------


def list_notifications(profile: MusicianProfile, query) -> tuple[list[Notification], str | None]:
    """One page, newest first, optionally only unread or read ones."""
    import uuid as _uuid
    from datetime import datetime

    from woodshed.api.pagination import decode_cursor, page_of
    from woodshed.errors import DomainError

    stmt = sa.select(Notification).where(Notification.profile_id == profile.id)
    if query.unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif query.unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    after = decode_cursor(query.cursor, 2)
    if after is not None:
        try:
            created, last_id = datetime.fromisoformat(after[0]), _uuid.UUID(after[1])
        except (TypeError, ValueError):
            raise DomainError({"cursor": "This cursor is not valid; start again."}) from None
        if created.tzinfo is None:
            raise DomainError({"cursor": "This cursor is not valid; start again."})
        stmt = stmt.where(
            sa.or_(
                Notification.created_at < created,
                sa.and_(Notification.created_at == created, Notification.id < last_id),
            )
        )
    stmt = stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
    rows = list(db.session.scalars(stmt.limit(query.limit + 1)))
    return page_of(rows, query.limit, lambda n: [n.created_at.isoformat(), str(n.id)])


def mark_read(note: Notification) -> Notification:
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.flush()
    return note


# --- reminders -----------------------------------------------------------------------------

MAX_REMINDERS = 50
REMINDER_FIELDS = (
    "kind",
    "days",
    "minutes_before",
    "after_days",
    "days_before",
    "plan_id",
    "goal_id",
    "channels",
    "message",
    "active",
)


def _check_refs(profile: MusicianProfile, data) -> None:
    from woodshed.goals.models import Goal
    from woodshed.plans.models import Plan

    errors = {}
    for name, model, label in (("plan_id", Plan, "plan"), ("goal_id", Goal, "goal")):
        obj_id = data.get(name)
        if obj_id is not None:
            obj = db.session.get(model, obj_id)
            if obj is None or obj.profile_id != profile.id:
                errors[name] = f"There is no such {label} in your journal."
    if errors:
        from woodshed.errors import DomainError

        raise DomainError(errors)


def _apply(reminder, data: dict) -> None:
    from datetime import time

    for name in REMINDER_FIELDS:
        if name in data:
            setattr(reminder, name, data[name])
    if "time" in data:
        reminder.time_of_day = time.fromisoformat(data["time"]) if data["time"] else None
    # Look again on the next tick; nothing before now is due.
    now = utcnow()
    reminder.scheduled_until = now
    reminder.next_due_at = now


def create_reminder(profile: MusicianProfile, data) -> tuple:
    """Create a reminder; a known client id returns the existing one."""
    from woodshed.errors import DomainError

    if data.id is not None:
        existing = db.session.get(Reminder, data.id)
        if existing is not None:
            if existing.profile_id != profile.id:
                raise DomainError({"id": "This id is already in use."})
            return existing, False
    count = db.session.scalar(sa.select(sa.func.count()).where(Reminder.profile_id == profile.id))
    if count >= MAX_REMINDERS:
        raise DomainError({"_form": f"You have {MAX_REMINDERS} reminders; delete one first."})
    values = data.model_dump(exclude={"id"})
    _check_refs(profile, values)
    reminder = Reminder(profile_id=profile.id)
    if data.id is not None:
        reminder.id = data.id
    _apply(reminder, values)
    db.session.add(reminder)
    db.session.flush()
    return reminder, True


def update_reminder(profile: MusicianProfile, reminder, changes: dict):
    """Apply changes; the result is checked as a whole (kind-specific fields)."""
    from pydantic import ValidationError

    from woodshed.notify.schemas import ReminderFields
    from woodshed.validation import validation_problem

    merged = reminder_values(reminder) | changes
    try:
        data = ReminderFields.model_validate(merged)
    except ValidationError as exc:
        raise validation_problem(exc) from exc
    values = data.model_dump()
    _check_refs(profile, values)
    _apply(reminder, values)
    db.session.flush()
    return reminder


def reminder_values(reminder) -> dict:
    return {
        "kind": reminder.kind,
        "time": reminder.time_of_day.strftime("%H:%M") if reminder.time_of_day else None,
        **{n: getattr(reminder, n) for n in REMINDER_FIELDS if n != "kind"},
    }


def delete_reminder(reminder) -> None:
    db.session.delete(reminder)
    db.session.flush()


def reminders_with_stats(profile: MusicianProfile, reminders=None) -> list[dict]:
    """Each reminder with how often it was sent and how often practice followed within 24 h."""
    if reminders is None:
        reminders = list(
            db.session.scalars(
                sa.select(Reminder)
                .where(Reminder.profile_id == profile.id)
                .order_by(Reminder.created_at)
            )
        )
    stats = {
        rid: (sent, practised)
        for rid, sent, practised in db.session.execute(
            sa.select(
                Delivery.reminder_id,
                sa.func.count(),
                sa.func.sum(sa.case((Delivery.practised_within_24h.is_(True), 1), else_=0)),
            )
            .where(Delivery.profile_id == profile.id, Delivery.status == "sent")
            .group_by(Delivery.reminder_id)
        )
    }
    out = []
    for r in reminders:
        sent, practised = stats.get(r.id, (0, 0))
        out.append(
            reminder_values(r)
            | {
                "id": r.id,
                "next_due_at": r.next_due_at,
                "version": r.version,
                "sent": sent,
                "practised_within_24h": int(practised or 0),
                "reminder": r,
            }
        )
    return out


# --- settings -----------------------------------------------------------------------------------


def settings_for(profile: MusicianProfile):
    return db.session.scalar(
        sa.select(NotificationSettings).where(NotificationSettings.profile_id == profile.id)
    )


def settings_values(profile: MusicianProfile) -> dict:
    s = settings_for(profile)
    if s is None:
        return {"quiet_start": None, "quiet_end": None, "weekly_summary": False}
    return {
        "quiet_start": s.quiet_start.strftime("%H:%M") if s.quiet_start else None,
        "quiet_end": s.quiet_end.strftime("%H:%M") if s.quiet_end else None,
        "weekly_summary": s.weekly_summary,
    }


def next_summary_due(profile: MusicianProfile, now=None):
    """The next start of the musician's week, 09:00 local: the summary covers the last week."""
    from datetime import datetime, time, timedelta

    from woodshed.plans.services import _week_start, today_for
    from woodshed.timeutil import local_to_utc, week_start_of

    now = now or utcnow()
    day = week_start_of(today_for(profile, now), _week_start(profile))
    while True:
        due = local_to_utc(datetime.combine(day, time(9, 0)), profile.timezone)
        if due > now:
            return due
        day += timedelta(days=7)


def update_settings(profile: MusicianProfile, data) -> None:
    from datetime import time

    s = settings_for(profile)
    if s is None:
        s = NotificationSettings(profile_id=profile.id)
        db.session.add(s)
    s.quiet_start = time.fromisoformat(data.quiet_start) if data.quiet_start else None
    s.quiet_end = time.fromisoformat(data.quiet_end) if data.quiet_end else None
    if data.weekly_summary and not s.weekly_summary:
        s.summary_due_at = next_summary_due(profile)
    s.weekly_summary = data.weekly_summary
    db.session.flush()


# --- unsubscribe links -------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(delivery: Delivery) -> str:
    """A signed token naming what to stop: one reminder's emails, or the weekly summary."""
    if delivery.reminder_id is not None:
        return _serializer().dumps({"r": str(delivery.reminder_id)})
    return _serializer().dumps({"s": str(delivery.profile_id)})


def read_unsubscribe_token(token: str) -> dict | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def unsubscribe(token: str) -> str | None:
    """Stop what a signed unsubscribe link names; returns what was stopped (or None)."""
    data = read_unsubscribe_token(token or "")
    if data is None:
        return None
    try:
        if "r" in data:
            reminder = db.session.get(Reminder, uuid.UUID(data["r"]))
            if reminder is None:
                return None
            reminder.channels = [c for c in reminder.channels if c != "email"]
            if not reminder.channels:
                reminder.active = False
                reminder.channels = ["in_app"]
            db.session.flush()
            return "this reminder"
        if "s" in data:
            s = db.session.scalar(
                sa.select(NotificationSettings).where(
                    NotificationSettings.profile_id == uuid.UUID(data["s"])
                )
            )
            if s is None:
                return None
            s.weekly_summary = False
            db.session.flush()
            return "the weekly summary"
    except (ValueError, TypeError):
        return None
    return None
