"""Jinja helpers: filters for dates in the musician's zone, Markdown, and page context.

Dates and times go through four filters only, all in the musician's zone and locale
(woodshed.dates): `date` ("Tue, 3 Mar 2026"; an instant gives its local date), `datetime`
(date and time), `time` ("18:30") and `ago` (a date with how long ago it was).
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from pathlib import Path

import jinja2
from flask import Flask, has_request_context, request, url_for
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket
from markupsafe import Markup

from woodshed import dates, policy
from woodshed.family.models import NOTICE_VERSION
from woodshed.markdown import render_markdown
from woodshed.timeutil import today as local_today

log = logging.getLogger(__name__)

#: Main navigation; entries whose feature is not installed are left out.
NAV_ITEMS = [
    ("core.home", "Dashboard"),
    ("journal.index", "Journal"),
    ("repertoire.pieces", "Repertoire"),
    ("goals.index", "Goals"),
    ("stats.index", "Progress"),
    ("plans.index", "Plans"),
    ("tools.index", "Tools"),
]
#: What a teacher on a student's pages may open (each shown when the link allows it).
STUDENT_NAV_ITEMS = [
    ("journal.index", "Journal"),
    ("assignments.index", "Assignments"),
    ("reports.index", "Weekly reports"),
    ("recordings.index", "Recordings"),
]
SETTINGS_NAV_ITEMS = [
    ("profiles.profile", "Profile & instruments"),
    ("accounts.security", "Password, sessions & API"),
    ("data.index", "Your data"),
    ("notify.settings", "Reminders"),
    ("teaching.settings", "Teaching"),
]


def _zone_and_locale() -> tuple[str | None, str | None]:
    profile = policy.shown_profile()
    return (profile.timezone, profile.locale) if profile else (None, None)


def date_filter(value: date | datetime | None) -> str:
    """A date, or the local date of an instant: 'Tue, 3 Mar 2026'."""
    zone, locale = _zone_and_locale()
    if isinstance(value, datetime):
        value = dates.local(value, zone).date()
    return dates.format_date(value, locale)


def datetime_filter(value: datetime | None) -> str:
    """An instant in the musician's zone: 'Tue, 3 Mar 2026, 18:30'."""
    zone, locale = _zone_and_locale()
    return dates.format_datetime(value, zone, locale)


def time_filter(value: datetime | None) -> str:
    zone, locale = _zone_and_locale()
    return dates.format_time(value, zone, locale)


def ago(day: date | None) -> str:
    """A practice date and how long ago it was, from the musician's today."""
    profile = policy.shown_profile()
    today = profile.today() if profile else local_today("UTC")
    return dates.with_relative(day, today, profile.locale if profile else None)


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


def own_url(endpoint: str, **values) -> str:
    """A URL of one's own pages, also from a student's (whose URLs keep their prefix)."""
    url = url_for(endpoint, **values)
    prefix = request.environ.get(policy.PREFIX_KEY)
    if prefix:
        outer = request.script_root.removesuffix(prefix)  # a deployment's own sub-path
        if url.startswith(outer + prefix):
            return outer + url[len(outer + prefix) :]
    return url


def _outer_root() -> str:
    """The deployment's own sub-path (SCRIPT_NAME without a student prefix)."""
    prefix = request.environ.get(policy.PREFIX_KEY)
    root = request.script_root
    return root.removesuffix(prefix) if prefix else root


def student_url(profile_id, endpoint: str, **values) -> str:
    """A URL of `endpoint` showing a student's data (`/students/<profile id>/…`)."""
    url, outer = own_url(endpoint, **values), _outer_root()
    return f"{outer}/students/{profile_id}{url[len(outer) :]}"


def child_url(profile_id, endpoint: str, **values) -> str:
    """A URL of `endpoint` acting for a guardian's child (`/children/<profile id>/…`)."""
    url, outer = own_url(endpoint, **values), _outer_root()
    return f"{outer}/children/{profile_id}{url[len(outer) :]}"


def _family_profiles() -> list:
    """The children the signed-in guardian may switch to (the header menu)."""
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return []  # mail rendered by the worker, or nobody signed in
    from woodshed.family import services as family

    return family.children_of(current_user._get_current_object())


class TemplateCache(FileSystemBytecodeCache):
    """Compiled templates on disk, so that each process (each web worker, each app a test
    builds) compiles a template once per change of its source rather than once per process.

    Jinja keys a template by its name and checks its source's hash; the compiled code also
    depends on Jinja's version (hence a folder per version) and on the environment's
    options, which `init_app` sets the same for every app. The files are loaded as code,
    so a folder that another user owns or may write is refused, as Jinja refuses its own
    default one. A folder that cannot be used costs only the cache, never a page.
    """

    def __init__(self, directory: Path) -> None:
        directory = directory / f"jinja-{jinja2.__version__}"
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = directory.stat()
        if status.st_uid != os.getuid() or status.st_mode & 0o022:
            raise PermissionError(f"{directory} is not this user's alone (owner, mode)")
        super().__init__(str(directory))

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError as error:  # Jinja itself passes over a missing file only
            log.warning("compiled template not read from the cache: %s", error)

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as error:
            log.warning("compiled template not cached: %s", error)


def init_app(app: Flask) -> None:
    try:
        app.jinja_env.bytecode_cache = TemplateCache(Path(app.config["TEMPLATE_CACHE_PATH"]))
    except OSError as error:
        log.warning("templates are compiled by each process: %s", error)
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["time"] = time_filter
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["minutes"] = minutes
    # render_markdown escapes raw HTML and sanitises the result with nh3.
    app.jinja_env.filters["markdown"] = lambda text: Markup(render_markdown(text or ""))  # noqa: S704
    # `may(endpoint)`: a link or form the shown profile's page does not open for this viewer
    # (a teacher's read-only view, a child's account pages) is left out. A global, so
    # macros imported without the context see it too.
    app.jinja_env.globals["may"] = policy.page_opens
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def page_context():
        profile = policy.shown_profile()
        student = policy.student_shown()
        views = app.view_functions
        nav = [(e, label) for e, label in NAV_ITEMS if e in views]
        if student is not None:  # a teacher on a student's pages: the pages they may read
            nav = [(e, label) for e, label in STUDENT_NAV_ITEMS if policy.page_opens(e)]
        return {
            "current_profile": profile,
            "student": student,
            "child": policy.child_shown(),
            "kid_mode": policy.kid_mode_profile_id() is not None,
            "family_profiles": _family_profiles(),
            "child_url": child_url,
            "notice_version": NOTICE_VERSION,
            "own_url": own_url,
            "student_url": student_url,
            "quiet": bool(profile and profile.quiet),
            "nav_items": nav,
            "settings_nav_items": [
                (e, label) for e, label in SETTINGS_NAV_ITEMS if e in views and policy.page_opens(e)
            ],
        }
