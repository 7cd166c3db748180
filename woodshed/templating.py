"""Jinja helpers: filters for dates in the musician's zone, Markdown, and page context."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup

from woodshed import policy
from woodshed.markdown import render_markdown

#: Main navigation; entries whose feature is not installed are left out.
NAV_ITEMS = [
    ("core.home", "Dashboard"),
    ("journal.index", "Journal"),
    ("repertoire.pieces", "Repertoire"),
    ("goals.index", "Goals"),
    ("stats.index", "Progress"),
    ("plans.index", "Plans"),
]
SETTINGS_NAV_ITEMS = [
    ("data.index", "Your data"),
    ("notify.settings", "Reminders"),
]


def local_datetime(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """An instant shown in the current musician's time zone."""
    if value is None:
        return ""
    profile = policy.shown_profile()
    tz = ZoneInfo(profile.timezone) if profile else None
    return value.astimezone(tz).strftime(fmt) if tz else value.strftime(fmt + " UTC")


def nice_date(value: date | None, fmt: str = "%a %d %b %Y") -> str:
    return value.strftime(fmt) if value else ""


def minutes(value: int | float | None) -> str:
    """90 → '1 h 30 min'."""
    if value is None:
        return "–"
    total = round(value)
    h, m = divmod(total, 60)
    if h and m:
        return f"{h} h {m} min"
    if h:
        return f"{h} h"
    return f"{m} min"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["nice_date"] = nice_date
    app.jinja_env.filters["minutes"] = minutes
    # render_markdown escapes raw HTML and sanitises the result with nh3.
    app.jinja_env.filters["markdown"] = lambda text: Markup(render_markdown(text or ""))  # noqa: S704
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def page_context():
        profile = policy.shown_profile()
        views = app.view_functions
        return {
            "current_profile": profile,
            "quiet": bool(profile and profile.quiet),
            "nav_items": [(e, label) for e, label in NAV_ITEMS if e in views],
            "settings_nav_items": [(e, label) for e, label in SETTINGS_NAV_ITEMS if e in views],
        }
