""" "What next" from goals: open goals whose target date is near (or past) and that the log
does not show as reached yet. See docs/what-next.md."""

from __future__ import annotations

from datetime import date

from flask import url_for

from woodshed.core.dashboard import Suggestion
from woodshed.goals.services import due_on_dashboard
from woodshed.profiles.models import MusicianProfile

NEAR_DAYS = 7


def _when(days: int) -> str:
    if days < 0:
        return f"{-days} day{'s' if days < -1 else ''} overdue"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    return f"due in {days} days"


def _urgency(days: int, priority: str) -> int:
    base = 85 if days < 0 else 80 if days <= 1 else 70 if days <= 3 else 55
    return base + {"high": 5, "medium": 0, "low": -5}[priority]


def suggestions(profile: MusicianProfile, today: date) -> list[Suggestion]:
    result = []
    for goal, p in due_on_dashboard(profile, today):  # what the pick-up cards read too
        assert goal.target_date is not None  # due_on_dashboard: goals with a date only
        days = (goal.target_date - today).days
        if days > NEAR_DAYS or (p is not None and p.done):
            continue
        done = f"{p.percent}% ({p.label})" if p else "no measurable target"
        result.append(
            Suggestion(
                title=goal.title,
                reason=f"Goal {_when(days)}, {done}",
                url=url_for("goals.goal", goal_id=goal.id),
                urgency=_urgency(days, goal.priority),
            )
        )
    return result
