"""Stats pages: charts with tables, heatmap, badges, skip days; the dashboard panel."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/stats")


def dashboard_panel(profile):
    return None
