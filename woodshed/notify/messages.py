"""What a due reminder says, in the notification centre and by email."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from woodshed import config, mail
from woodshed.core.dashboard import what_next
from woodshed.dates import format_date
from woodshed.db import db
from woodshed.family.services import email_recipients
from woodshed.goals.models import Goal
from woodshed.notify.models import Delivery, Reminder
from woodshed.notify.services import notify, unsubscribe_token
from woodshed.plans.models import PlanOccurrence
from woodshed.reports.recipients import guardians_reported
from woodshed.stats.services import period_sums, streaks
from woodshed.timeutil import week_start_of


@dataclass
class Message:
    title: str
    body: str
    url: str | None
    in_app: bool
    #: One email per recipient (a child's guardians each get their own).
    emails: list[mail.Mail] = field(default_factory=list)


def base_url() -> str:
    return config.base_url()


def build(delivery: Delivery, now: datetime) -> Message | None:
    """The message for a due delivery, or None when there is nothing left to say."""
    profile = delivery.profile
    if delivery.kind == "weekly_summary":
        return _summary(delivery, now)
    feature = current_app.extensions.get("woodshed.delivery_messages", {}).get(delivery.kind)
    if feature is not None:
        return feature(delivery, now)
    reminder = delivery.reminder
    if reminder is None:  # every other kind is a reminder's, deleted with it
        return None
    title, body, url = _text(delivery, reminder, now)
    if title is None:
        return None
    if reminder.message:
        body = f"{reminder.message}\n\n{body}".strip()
    emails = []
    if "email" in reminder.channels:
        # A musician's own address; for a child, each guardian who allowed email about
        # the child (docs/children.md) — nobody else, and without consent nobody.
        emails = [
            _email(delivery, title, body, url, "reminder", to=address)
            for address in email_recipients(profile)
        ]
    # An email-only reminder nobody may receive by email still reaches the centre.
    in_app = "in_app" in reminder.channels or not emails
    return Message(title, body, url, in_app, emails)


def _text(
    delivery: Delivery, reminder: Reminder, now: datetime
) -> tuple[str | None, str, str | None]:
    root = base_url()
    if delivery.kind == "before_occurrence":
        occ = db.session.get(PlanOccurrence, delivery.subject_id) if delivery.subject_id else None
        if occ is None or occ.status != "scheduled":
            return None, "", None
        minutes = reminder.minutes_before or 0
        when = "now" if minutes == 0 else f"in {minutes} minutes"
        items = "\n".join(f"- {i.label}" for i in occ.plan.items)
        return (
            f"Practice {when}: {occ.plan.title}",
            items,
            f"{root}/plans/occurrences/{occ.id}/check-in",
        )
    if delivery.kind == "inactivity":
        n = reminder.after_days or 1
        return (
            f"It has been {n} day{'s' if n != 1 else ''} since you last practised",
            "A short session today keeps things moving.",
            f"{root}/",
        )
    if delivery.kind == "goal_deadline":
        goal = db.session.get(Goal, delivery.subject_id) if delivery.subject_id else None
        if goal is None or goal.status in ("completed", "archived") or goal.target_date is None:
            return None, "", None
        days = reminder.days_before or 0
        return (
            f"Goal due {'today' if days == 0 else f'in {days} days'}: {goal.title}",
            f"Target date: {format_date(goal.target_date, delivery.profile.locale)}.",
            f"{root}/",
        )
    return "Time to practise", "", f"{root}/plans"


def _email(
    delivery: Delivery, title: str, body: str, url: str | None, template: str, to: str, **extra
):
    """The email to `to`. About a child (to a guardian) the subject names the child and
    the links open the child's pages under `/children/<id>/`."""
    profile = delivery.profile
    token = unsubscribe_token(delivery)
    unsubscribe = f"{base_url()}/unsubscribe?token={token}"
    subject = title
    if profile.is_child:
        subject = f"{profile.display_name}: {title}"
        url = child_link(profile, url)
    message = mail.render_mail(
        to,
        subject,
        template,
        title=title,
        body=body,
        url=url,
        name=profile.display_name,
        child=profile.display_name if profile.is_child else None,
        unsubscribe_url=unsubscribe,
        settings_url=child_link(profile, f"{base_url()}/settings/reminders"),
        **extra,
    )
    message.headers["List-Unsubscribe"] = f"<{unsubscribe}>"
    message.headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.headers["Auto-Submitted"] = "auto-generated"
    return message


def child_link(profile, url: str | None) -> str | None:
    """`url` on this server, for a child's profile the same page under the child's prefix
    (where the guardian acts for the child)."""
    root = base_url()
    if url is None or not profile.is_child or not url.startswith(root):
        return url
    return f"{root}/children/{profile.id}{url[len(root) :] or '/'}"


def _summary(delivery: Delivery, now: datetime) -> Message | None:
    profile = delivery.profile
    today = profile.today(now)
    this_week = week_start_of(today, profile.week_start_index)
    start = this_week - timedelta(days=7)
    # The musician's address; for a child, each guardian who allowed email about the child
    # (docs/children.md) — nobody else, and without consent no summary at all. A guardian
    # who gets the child's weekly report for the same week gets its streak and what next
    # there: one email per child and week (`reports.delivery.build`).
    reported = guardians_reported(profile, start) if profile.is_child else set()
    addresses = [a for a in email_recipients(profile) if a not in reported]
    if not addresses:
        return None
    # The same totals the stats page and the API give for those seven practice dates.
    (week,) = period_sums(profile, [(start, this_week - timedelta(days=1))])
    minutes, days = week["minutes"], week["practice_days"]
    streak, suggestions = summary_extras(profile, today)
    # About a child, `_email` puts the child's name first in the subject.
    title = "Practice week" if profile.is_child else "Your practice week"
    title += f": {minutes} minutes on {days} day{'s' if days != 1 else ''}"
    emails = [
        _email(
            delivery,
            title,
            "",
            f"{base_url()}/",
            "weekly_summary",
            address,
            minutes=minutes,
            days=days,
            streak=streak,
            week_start=start,
            suggestions=suggestions,
        )
        for address in addresses
    ]
    return Message(title, "", None, False, emails)


def summary_extras(profile, today) -> tuple[int | None, list]:
    """What the weekly summary adds to the week's numbers: the same current streak the
    dashboard shows (none in quiet mode) and the first suggestions of What next."""
    streak = None if profile.quiet else streaks(profile, now=today)["current_streak"]
    return streak, what_next(profile, today, limit=5)


def post_in_app(delivery: Delivery, message: Message) -> None:
    url = message.url
    if url and url.startswith(base_url()):
        url = url[len(base_url()) :] or "/"
    notify(delivery.profile, "reminder", message.title, message.body, url, flush=False)
