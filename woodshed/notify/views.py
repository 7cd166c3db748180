"""The notification centre, reminder settings (with the calendar feed) and unsubscribe."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from woodshed import policy
from woodshed.db import check_version
from woodshed.errors import DomainError, FormErrors
from woodshed.extensions import csrf
from woodshed.notify import services
from woodshed.notify.models import Notification, Reminder
from woodshed.notify.schemas import NotificationQuery, ReminderFields, ReminderIn, SettingsIn
from woodshed.plans import calendar
from woodshed.plans.models import Plan
from woodshed.profiles.schemas import WEEKDAY_LABELS
from woodshed.validation import form_version, parse_form

bp = Blueprint("notify", __name__)

KIND_LABELS = {
    "daily": "Every day",
    "weekly": "On chosen weekdays",
    "before_occurrence": "Before a planned practice",
    "inactivity": "After days without practice",
    "goal_deadline": "Before a goal's target date",
}
#: What each kind does, in a sentence, next to its fields.
KIND_HELP = {
    "daily": "a nudge at the same time every day (or on the weekdays you tick).",
    "weekly": "a nudge at a time of day on the weekdays you choose.",
    "before_occurrence": "a nudge a little before each practice your plans schedule.",
    "inactivity": "a nudge when you have not practised for a few days.",
    "goal_deadline": "a nudge some days before a goal's target date.",
}
LISTS = ("days", "channels")


def _profile():
    return policy.current_profile()


@bp.app_context_processor
def _bell():
    profile = policy.own_profile()  # one's own bell, on a student's pages too
    return {"unread_notifications": services.unread_count(profile) if profile else 0}


# --- notification centre -------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def index():
    profile = _profile()
    try:
        query = NotificationQuery.model_validate(
            {k: v for k, v in request.args.items() if k in ("cursor", "unread")}
        )
        rows, cursor = services.list_notifications(profile, query)
    except (ValueError, DomainError):  # a mangled link: show the first page
        rows, cursor = services.list_notifications(profile, NotificationQuery())
    return render_template("notify/index.html", notifications=rows, next_cursor=cursor)


@bp.post("/notifications/<uuid:notification_id>/read")
@login_required
def read(notification_id: uuid.UUID):
    note = services.mark_read(policy.owned_or_404(Notification, notification_id, _profile()))
    if request.form.get("open") and note.url and note.url.startswith("/"):
        return redirect(note.url)
    return redirect(url_for("notify.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    count = services.mark_all_read(_profile())
    flash(f"Marked {count} notification{'s' if count != 1 else ''} read.", "success")
    return redirect(url_for("notify.index"))


# --- settings ---------------------------------------------------------------------------------


def _new_reminder_values(kind: str | None) -> dict:
    """A new reminder of the chosen kind (every day unless one is chosen), with defaults."""
    kind = kind if kind in KIND_LABELS else "daily"
    defaults: dict[str, dict[str, str | int]] = {
        "daily": {"time": "18:00"},
        "weekly": {"time": "18:00"},
        "before_occurrence": {"minutes_before": 30},
        "inactivity": {"after_days": 3},
        "goal_deadline": {"days_before": 7},
    }
    return {"kind": kind, "channels": ["in_app"], **defaults[kind]}


def _settings_page(status=200, **extra):
    profile = _profile()
    context = {
        "reminders": services.reminders_with_stats(profile),
        "settings_form": services.settings_values(profile),
        "form": _new_reminder_values(request.args.get("kind")),
        "errors": {},
        "settings_errors": {},
        "feed": calendar.feed_of(profile),
        "feed_url": None,
        "kinds": KIND_LABELS,
        "kind_help": KIND_HELP,
        "weekdays": WEEKDAY_LABELS,
        "plans": policy.owned(Plan, profile).where(Plan.status == "active"),
    } | extra
    from woodshed.db import db

    context["plans"] = db.session.scalars(context["plans"]).all()
    return render_template("notify/settings.html", **context), status


@bp.get("/settings/reminders")
@login_required
def settings():
    return _settings_page()


@bp.post("/settings/reminders")
@login_required
def create_reminder():
    try:
        data = parse_form(ReminderIn, request.form, lists=LISTS)
        services.create_reminder(_profile(), data)
    except FormErrors as exc:
        form = request.form.to_dict() | {k: request.form.getlist(k) for k in LISTS}
        return _settings_page(422, form=form, errors=exc.messages)
    flash("Reminder added.", "success")
    return redirect(url_for("notify.settings"))


@bp.get("/settings/reminders/<uuid:reminder_id>")
@login_required
def edit_reminder(reminder_id: uuid.UUID):
    reminder = policy.owned_or_404(Reminder, reminder_id, _profile())
    form = services.reminder_values(reminder) | {"version": reminder.version}
    if request.args.get("kind") in KIND_LABELS:
        form["kind"] = request.args["kind"]  # changing the kind: show that kind's fields
    return render_template(
        "notify/edit.html",
        reminder=reminder,
        form=form,
        errors={},
        kinds=KIND_LABELS,
        kind_help=KIND_HELP,
        weekdays=WEEKDAY_LABELS,
    )


@bp.post("/settings/reminders/<uuid:reminder_id>")
@login_required
def update_reminder(reminder_id: uuid.UUID):
    profile = _profile()
    reminder = policy.owned_or_404(Reminder, reminder_id, profile)
    try:
        data = parse_form(ReminderFields, request.form, lists=LISTS)
        check_version(reminder, form_version(request.form))
        services.update_reminder(profile, reminder, data.model_dump())
    except FormErrors as exc:
        form = request.form.to_dict() | {k: request.form.getlist(k) for k in LISTS}
        return render_template(
            "notify/edit.html",
            reminder=reminder,
            form=form,
            errors=exc.messages,
            kinds=KIND_LABELS,
            kind_help=KIND_HELP,
            weekdays=WEEKDAY_LABELS,
        ), 422
    flash("Reminder saved.", "success")
    return redirect(url_for("notify.settings"))


@bp.post("/settings/reminders/<uuid:reminder_id>/toggle")
@login_required
def toggle_reminder(reminder_id: uuid.UUID):
    profile = _profile()
    reminder = policy.owned_or_404(Reminder, reminder_id, profile)
    services.update_reminder(profile, reminder, {"active": not reminder.active})
    flash("Reminder on." if reminder.active else "Reminder off.", "success")
    return redirect(url_for("notify.settings"))


@bp.post("/settings/reminders/<uuid:reminder_id>/delete")
@login_required
def delete_reminder(reminder_id: uuid.UUID):
    services.delete_reminder(policy.owned_or_404(Reminder, reminder_id, _profile()))
    flash("Reminder deleted.", "success")
    return redirect(url_for("notify.settings"))


@bp.post("/settings/notifications")
@login_required
def update_settings():
    try:
        # An unticked box is not sent: the form says "off" where the API's default is on.
        ticked = "comment_emails" in request.form
        services.update_settings(
            _profile(), parse_form(SettingsIn, request.form, comment_emails=ticked)
        )
    except FormErrors as exc:
        return _settings_page(
            422, settings_form=request.form.to_dict(), settings_errors=exc.messages
        )
    flash("Notification settings saved.", "success")
    return redirect(url_for("notify.settings"))


@bp.post("/settings/calendar")
@login_required
def regenerate_calendar():
    feed, url = calendar.regenerate(_profile())
    # Shown once: only the token's hash is stored.
    return _settings_page(feed=feed, feed_url=url)


@bp.post("/settings/calendar/revoke")
@login_required
def revoke_calendar():
    calendar.revoke(_profile())
    flash("Calendar feed turned off; the old address no longer works.", "success")
    return redirect(url_for("notify.settings"))


# --- unsubscribe (no login: the signed token names what to stop) ---------------------------


@bp.get("/unsubscribe")
def unsubscribe_page():
    token = request.args.get("token", "")
    if services.read_unsubscribe_token(token) is None:
        return render_template("notify/unsubscribe.html", token=None, done=None), 404
    return render_template("notify/unsubscribe.html", token=token, done=None)


@bp.post("/unsubscribe")
@csrf.exempt
def unsubscribe():
    """RFC 8058 one-click (List-Unsubscribe-Post) and the page's button both land here."""
    token = request.args.get("token") or request.form.get("token", "")
    done = services.unsubscribe(token)
    if done is None:
        return render_template("notify/unsubscribe.html", token=None, done=None), 404
    return render_template("notify/unsubscribe.html", token=None, done=done)
