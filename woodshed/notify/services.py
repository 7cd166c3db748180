"""Notifications, reminders and their settings: every change to them is made here."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from woodshed import policy
from woodshed.api.keyset import keyset_page
from woodshed.db import db, new_id, rowcount, utcnow
from woodshed.errors import DomainError
from woodshed.goals.models import Goal
from woodshed.notify.models import Delivery, Notification, NotificationSettings, Reminder
from woodshed.notify.schemas import ReminderFields
from woodshed.plans.models import Plan
from woodshed.profiles.models import MusicianProfile
from woodshed.timeutil import local_to_utc, week_start_of
from woodshed.validation import merged

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


def announce_comment(
    profile: MusicianProfile,
    *,
    comment_id,
    author_id,
    author_name: str,
    excerpt: str,
    url: str,
    on: str = "session",
) -> None:
    """`events.comment_posted` subscriber: someone else's comment goes into the musician's
    notification centre (their own comments need no news)."""
    if author_id is not None and author_id == profile.user_id:
        return
    what = "your recording" if on == "recording" else "your practice"
    notify(profile, "comment", f"{author_name} commented on {what}", excerpt, url)


def unread_count(profile: MusicianProfile) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.profile_id == profile.id, Notification.read_at.is_(None))
    )


def mark_all_read(profile: MusicianProfile) -> int:
    return rowcount(
        db.session.execute(
            sa.update(Notification)
            .where(Notification.profile_id == profile.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
    )


# --- the notification centre -----------------------------------------------------------------


NOTIFICATION_ORDER = ((Notification.created_at, True), (Notification.id, True))


def list_notifications(profile: MusicianProfile, query) -> tuple[list[Notification], str | None]:
    """One page, newest first, optionally only unread or read ones."""
    stmt = sa.select(Notification).where(Notification.profile_id == profile.id)
    if query.unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif query.unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    return keyset_page(stmt, NOTIFICATION_ORDER, query)


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
    errors: dict[str, str] = {}
    policy.referenced(Plan, data.get("plan_id"), profile, field="plan_id", errors=errors)
    policy.referenced(Goal, data.get("goal_id"), profile, field="goal_id", errors=errors)
    if errors:
        raise DomainError(errors)


def _apply(reminder, data: dict) -> None:
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
    existing = policy.existing_for_client_id(Reminder, data.id, profile)
    if existing is not None:
        return existing, False
    count = db.session.scalar(sa.select(sa.func.count()).where(Reminder.profile_id == profile.id))
    if count >= MAX_REMINDERS:
        raise DomainError({"_form": f"You have {MAX_REMINDERS} reminders; delete one first."})
    values = data.model_dump(exclude={"id"})
    _check_refs(profile, values)
    reminder = Reminder(id=data.id or new_id(), profile_id=profile.id)
    _apply(reminder, values)
    return policy.insert_or_existing(reminder, profile)


def update_reminder(profile: MusicianProfile, reminder, changes: dict):
    """Apply changes; the result is checked as a whole (kind-specific fields)."""
    values = merged(ReminderFields, reminder_values(reminder), changes).model_dump()
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


REMINDER_ORDER = ((Reminder.created_at, False), (Reminder.id, False))


def list_reminders(profile: MusicianProfile, query) -> tuple[list[Reminder], str | None]:
    """One page of reminders, oldest first."""
    stmt = sa.select(Reminder).where(Reminder.profile_id == profile.id)
    return keyset_page(stmt, REMINDER_ORDER, query)


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


def settings_for(profile: MusicianProfile) -> NotificationSettings | None:
    return db.session.scalar(
        sa.select(NotificationSettings).where(NotificationSettings.profile_id == profile.id)
    )


def settings_values(profile: MusicianProfile) -> dict:
    s = settings_for(profile)
    if s is None:
        return {
            "quiet_start": None,
            "quiet_end": None,
            "weekly_summary": False,
            "comment_emails": True,
        }
    return {
        "quiet_start": s.quiet_start.strftime("%H:%M") if s.quiet_start else None,
        "quiet_end": s.quiet_end.strftime("%H:%M") if s.quiet_end else None,
        "weekly_summary": s.weekly_summary,
        "comment_emails": s.comment_emails,
    }


def next_summary_due(profile: MusicianProfile, now=None):
    """The next start of the musician's week, 09:00 local: the summary covers the last week."""
    now = now or utcnow()
    day = week_start_of(profile.today(now), profile.week_start_index)
    while True:
        due = local_to_utc(datetime.combine(day, time(9, 0)), profile.timezone)
        if due > now:
            return due
        day += timedelta(days=7)


def update_settings(profile: MusicianProfile, data) -> None:
    s = settings_for(profile)
    if s is None:
        # One row per profile: two first saves at once share the row one of them stored.
        s, _ = policy.insert_or_existing(
            NotificationSettings(profile_id=profile.id), profile, key=("profile_id",)
        )
    s.quiet_start = time.fromisoformat(data.quiet_start) if data.quiet_start else None
    s.quiet_end = time.fromisoformat(data.quiet_end) if data.quiet_end else None
    if data.weekly_summary and not s.weekly_summary:
        s.summary_due_at = next_summary_due(profile)
    s.weekly_summary = data.weekly_summary
    s.comment_emails = data.comment_emails
    db.session.flush()


# --- unsubscribe links -------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


#: The deliveries of comments (`comments.delivery`: on a session or passage, on a take),
#: whose one-click link turns comment emails off.
COMMENT_DELIVERY_KINDS = ("comment", "recording_comment")


def unsubscribe_token(delivery: Delivery) -> str:
    """A signed token naming what to stop: one reminder's emails, comment emails, or the
    weekly summary."""
    if delivery.reminder_id is not None:
        return _serializer().dumps({"r": str(delivery.reminder_id)})
    if delivery.kind in COMMENT_DELIVERY_KINDS:
        return _serializer().dumps({"c": str(delivery.profile_id)})
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
        if "c" in data:
            profile = db.session.get(MusicianProfile, uuid.UUID(data["c"]))
            if profile is None:
                return None
            s, _ = policy.insert_or_existing(
                NotificationSettings(profile_id=profile.id), profile, key=("profile_id",)
            )
            s.comment_emails = False
            db.session.flush()
            return "emails about comments"
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


# --- deliveries (the administrator's view) ----------------------------------------------------


def retry_failed_delivery(delivery_id: uuid.UUID) -> bool | None:
    """An administrator's retry of a delivery that failed for good: pending again, due now
    (a deliberate retry must not be dropped as stale), with a fresh count of attempts.

    None when there is no such delivery, False when it had not failed.
    """
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        return None
    if delivery.status != "failed":
        return False
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = None
    delivery.lease_until = None
    delivery.due_at = utcnow()
    db.session.flush()
    return True
