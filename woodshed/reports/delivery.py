"""The weekly report by email to each teacher whose link asks for reports, and to each
guardian of a child who allowed email about the child (consent on record).

Each pass of the worker schedules, for every active teacher link with `reports:read`, the
student's latest week that has ended: one delivery row keyed by link and week, so racing
workers insert it once, and the worker's claim sends it once (REL-JOB). A link accepted
after that week ended waits for the next one. The email never counts private entries.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import Flask

from woodshed import mail
from woodshed.db import db, insert_ignore, new_id
from woodshed.notify import messages
from woodshed.notify import services as notify_services
from woodshed.notify.models import Delivery
from woodshed.reports.recipients import covers, reported
from woodshed.reports.services import last_complete_week, weekly_report
from woodshed.teaching.models import Link

KIND = "teacher_report"


def schedule(now: datetime) -> int:
    links = db.session.scalars(sa.select(Link).where(Link.ended_at.is_(None))).all()
    rows = []
    for link in links:
        if not reported(link):
            continue
        profile = link.profile
        week = last_complete_week(profile, profile.today(now))
        if not covers(link, week):
            continue  # linked after that week: the first report is the next one
        rows.append(
            {
                "id": new_id(),
                "key": f"{'gr' if link.kind == 'guardian' else 'tr'}:{link.id}:{week.isoformat()}",
                "reminder_id": None,
                "profile_id": link.profile_id,
                "kind": KIND,
                "due_at": now,
                "subject_id": link.id,
                "status": "pending",
                "attempts": 0,
                "in_app_done": False,
                "last_error": "",
            }
        )
    insert_ignore(Delivery, rows, ["key"])
    db.session.commit()
    return len(rows)


def build(delivery: Delivery, now: datetime) -> messages.Message | None:
    link = db.session.get(Link, delivery.subject_id) if delivery.subject_id else None
    if link is None or not reported(link):
        return None
    profile = link.profile
    week = date_of_key(delivery.key)
    guardian = link.kind == "guardian"
    report = weekly_report(profile, week, include_private=guardian, today=profile.today(now))
    name = profile.display_name
    title = f"{name}'s practice week: {report.minutes} minutes on {report.days} day" + (
        "s" if report.days != 1 else ""
    )
    prefix = "children" if guardian else "students"
    # A guardian's one email about the child this week: with the weekly summary turned on
    # for the child, its streak and what next come here (`messages._summary` leaves them).
    extras: dict = {}
    summary = notify_services.settings_for(profile) if guardian else None
    if summary is not None and summary.weekly_summary:
        streak, suggestions = messages.summary_extras(profile, profile.today(now))
        extras = {"streak": streak, "suggestions": suggestions}
    url = f"{messages.base_url()}/{prefix}/{profile.id}/reports/{week.isoformat()}"
    email = mail.render_mail(
        link.user.email,
        title,
        "teacher_report",
        report=report,
        student=name,
        teacher=link.user.profile.display_name,
        url=url,
        guardian=guardian,
        studio_url=f"{messages.base_url()}/{'family' if guardian else 'studio'}",
        **extras,
    )
    email.headers["Auto-Submitted"] = "auto-generated"
    return messages.Message(title, "", None, False, [email])


def date_of_key(key: str) -> date:
    """The week a report delivery is about: the end of its key (`tr:<link>:<week start>`)."""
    return date.fromisoformat(key.rsplit(":", 1)[1])


def register(app: Flask) -> None:
    app.extensions.setdefault("woodshed.delivery_schedulers", []).append(schedule)
    app.extensions.setdefault("woodshed.delivery_messages", {})[KIND] = build
