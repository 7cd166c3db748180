"""The plans feature on the dashboard: the "Today's plan" panel and What-next lines."""

from __future__ import annotations

from datetime import date

from flask import Flask, url_for

from woodshed.core.dashboard import Panel, Suggestion, register_panel, register_suggestions
from woodshed.dates import format_date
from woodshed.db import utcnow
from woodshed.plans import services
from woodshed.profiles.models import MusicianProfile


def panel_context(profile: MusicianProfile) -> dict | None:
    due = services.due_now(profile)
    if not due:
        return None
    return {"occurrences": due, "today": profile.today()}


def suggestions(profile: MusicianProfile, today: date) -> list[Suggestion]:
    now = utcnow()
    result = []
    for occ in services.due_now(profile):
        overdue = occ.practice_date < today
        when = occ.scheduled_start
        reason = (
            f"Planned for {format_date(occ.practice_date, profile.locale)}, still open this week"
            if overdue
            else "Planned for today"
        )
        result.append(
            Suggestion(
                title=occ.plan.title,
                reason=reason,
                url=url_for("plans.check_in", occurrence_id=occ.id),
                urgency=90 if overdue else (85 if when <= now else 80),
            )
        )
    return result


def register(app: Flask) -> None:
    register_panel(app, Panel("todays_plan", "plans/_panel.html", panel_context, order=12))
    register_suggestions(app, suggestions)
