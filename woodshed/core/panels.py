"""The dashboard panels this feature adds — "Pick up where you left off" and "What next" —
and the template helpers they (and the repertoire, goal and library pages) use."""

from __future__ import annotations

from flask import Flask

from woodshed.core import dashboard
from woodshed.core.pickup import pickup
from woodshed.profiles.models import MusicianProfile


def pickup_context(profile: MusicianProfile) -> dict:
    return {"pickup": pickup(profile, profile.today())}


def what_next_context(profile: MusicianProfile) -> dict:
    return {"suggestions": dashboard.what_next(profile, profile.today())}


def register_dashboard(app: Flask) -> None:
    from woodshed.goals.suggestions import suggestions as goal_suggestions
    from woodshed.repertoire.suggestions import suggestions as repertoire_suggestions

    # First: "where did I leave off" is what the dashboard answers before anything else,
    # and on a phone it must be on the first screen.
    dashboard.register_panel(
        app, dashboard.Panel("pickup", "core/_pickup.html", pickup_context, order=5)
    )
    dashboard.register_panel(
        app, dashboard.Panel("what_next", "core/_what_next.html", what_next_context, order=30)
    )
    dashboard.register_suggestions(app, repertoire_suggestions)
    dashboard.register_suggestions(app, goal_suggestions)
