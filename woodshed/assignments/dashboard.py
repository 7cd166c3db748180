"""Assignments on the student's dashboard and plans: What next lines with the teacher's
reason ("assigned by Ms Lee, due Friday, 40 min to go") and the Plans page's list."""

from __future__ import annotations

from datetime import date

from flask import Flask, url_for

from woodshed.assignments import services
from woodshed.core.dashboard import Suggestion, register_suggestions, shared_by_panels
from woodshed.dates import with_relative
from woodshed.profiles.models import MusicianProfile


@shared_by_panels
def open_presented(profile: MusicianProfile, today: date) -> list[dict]:
    """The open assignments with progress, once per dashboard."""
    return services.present(profile, services.open_assignments(profile, today))


def _to_go(item: dict) -> str:
    p = item["progress"]
    if item["minutes_per_week"] and p["remaining_minutes"]:
        return f"{p['remaining_minutes']} min to go this week"
    if item["tempo_bpm"] and (p["best_tempo"] or 0) < item["tempo_bpm"]:
        best = f"best {p['best_tempo']}" if p["best_tempo"] else "no tempo yet"
        return f"{best}, target {item['tempo_bpm']} bpm"
    if item["run_throughs"] and p["run_throughs"] < item["run_throughs"]:
        return f"{p['run_throughs']} of {item['run_throughs']} run-throughs"
    return "not marked done yet"


def _urgency(days: int) -> int:
    return 88 if days <= 1 else 78 if days <= 3 else 65


def suggestions(profile: MusicianProfile, today: date) -> list[Suggestion]:
    result = []
    for a in open_presented(profile, today):
        days = (a["due_on"] - today).days
        for item in a["items"]:
            if item["progress"]["met"]:
                continue
            result.append(
                Suggestion(
                    title=item["label"],
                    reason=f"Assigned by {a['set_by']['display_name']}, due "
                    f"{with_relative(a['due_on'], today, profile.locale)}, {_to_go(item)}",
                    url=url_for("assignments.show", assignment_id=a["id"]),
                    urgency=_urgency(days),
                )
            )
    return result


def register(app: Flask) -> None:
    register_suggestions(app, suggestions)
