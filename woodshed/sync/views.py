"""The offline app's server side: the web app manifest, the service worker (served from
the site root so it controls every page), and the "Offline and sync" page with the
conflicts inbox."""

from __future__ import annotations

import hashlib
import json
import uuid

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_required

from woodshed import policy
from woodshed.errors import DomainError
from woodshed.sync import services
from woodshed.sync.models import SyncConflict
from woodshed.sync.schemas import ResolveIn
from woodshed.validation import parse_form

bp = Blueprint("sync", __name__)

#: Marks the service worker's (and the offline app's) background requests.
SHELL_HEADER = "X-Woodshed-Shell"


class ShellSessionInterface(SecureCookieSessionInterface):
    """The offline shell's background copies never write the session cookie.

    The session is permanent and refreshed on every response, so a background request
    that started before a form was sent and ended after it would put the cookie back as
    it was — without that form's flash message ("Logged 30 min"). Nothing such a request
    does needs keeping: its flash messages are left alone too (base.html)."""

    def should_set_cookie(self, app, session) -> bool:
        if has_request_context() and request.headers.get(SHELL_HEADER):
            return False
        return super().should_set_cookie(app, session)


@bp.record_once
def _shell_sessions(state) -> None:
    state.app.session_interface = ShellSessionInterface()


#: Pages kept for offline use, by endpoint: the app shell opens to the dashboard.
OFFLINE_PAGES = (
    "core.home",
    "journal.index",
    "journal.new",
    "journal.timer",
    "repertoire.pieces",
    "plans.index",
    "sync.index",
)
#: Pages other features serve that the shell keeps too, by path (if they exist).
OFFLINE_PATHS = ("/tools",)
#: Lie-fi: how long the service worker waits for a page before answering with its kept
#: copy (the network's answer is still kept when it comes).
NETWORK_WAIT_MS = 8000
#: Lie-fi for writes: how long the offline app waits for the server's answer to a form
#: (sent now or from the queue) before it keeps the write on the device to send again.
SEND_WAIT_MS = 15000
THEME_COLOUR = "#7a4a1e"
BACKGROUND_COLOUR = "#faf8f5"
ICON_SIZES = (192, 512)

FIELD_LABELS = {
    "started_at": "start",
    "duration_minutes": "duration",
    "instrument_id": "instrument",
    "next_time": "next-time note",
    "goal_ids": "linked goals",
    "exam_prep": "exam prep",
    "performance_prep": "performance prep",
}


def value_words(field: str, value) -> str:
    """A kept value as a person reads it in the inbox."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if field == "duration_minutes":
        return f"{value} min"
    if field == "tags":
        return ", ".join(value)
    if field == "items":
        return "; ".join(
            ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in item.items() if v not in (None, ""))
            for item in value
        )
    if field == "evidence":
        return "; ".join(e.get("url") or e.get("text") or "" for e in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@bp.app_template_filter("conflict_value")
def _conflict_value(conflict: SyncConflict, which: str) -> str:
    return value_words(conflict.field, getattr(conflict, f"{which}_value"))


@bp.app_template_filter("field_label")
def _field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " "))


@bp.app_context_processor
def _offline_shell():
    """What the offline banner and the service worker registration need on every page."""
    if not has_request_context() or not current_user.is_authenticated:
        return {"offline_account": None}  # and mail rendered by the worker
    profile = policy.shown_profile()
    # The offline data of one account lives in its own IndexedDB database, named by a
    # digest of the account (never the id itself), so another account never reads it.
    digest = hashlib.sha256(f"woodshed-offline:{current_user.id}".encode()).hexdigest()[:20]
    return {
        "offline_account": digest,
        "offline_wait_ms": SEND_WAIT_MS,
        "open_conflicts": services.count_open(profile) if profile else 0,
    }


@bp.get("/sync")
@login_required
def index():
    profile = policy.signed_in_profile()
    return render_template("sync/index.html", conflicts=services.open_conflicts(profile))


@bp.post("/sync/conflicts/<uuid:conflict_id>/resolve")
@login_required
def resolve(conflict_id: uuid.UUID):
    profile = policy.signed_in_profile()
    conflict = policy.owned_or_404(SyncConflict, conflict_id, profile, lock=True)
    try:
        keep = parse_form(ResolveIn, request.form).keep
        services.resolve(profile, conflict, keep, editor_id=current_user.id)
    except DomainError as exc:
        flash(next(iter(exc.messages.values())), "error")
        return redirect(url_for("sync.index"))
    flash("Kept the live value." if keep == "live" else "Put the other value back.", "success")
    return redirect(url_for("sync.index"))


@bp.get("/sync/pages")
@login_required
def offline_pages():
    """The musician's own pages the service worker keeps for offline use (the recent
    journal, the repertoire with its passages, today's plan), fetched once the shell's
    fixed pages are kept. Never cached: it changes with every entry."""
    profile = policy.signed_in_profile()
    resp = jsonify(services.offline_pages(profile))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def shell_urls() -> list[str]:
    """Every static file (by its hashed name) and the offline pages."""
    names = current_app.extensions.get("woodshed.static_manifest")
    static = (
        [url_for("static", filename=n) for n in sorted(names) if not n.endswith(".md")]
        if names
        else []
    )
    return static


@bp.get("/sw.js")
def service_worker():
    pages = [url_for(e) for e in OFFLINE_PAGES if e in current_app.view_functions]
    pages += list(OFFLINE_PATHS)
    static = shell_urls()
    version = hashlib.sha256(json.dumps([pages, static]).encode()).hexdigest()[:12]
    body = render_template(
        "sync/sw.js",
        version=version,
        pages=json.dumps(pages),
        static=json.dumps(static),
        offline_page=url_for("sync.offline_fallback"),
        own_pages=url_for("sync.offline_pages"),
        journal_list=url_for("journal.index"),
        network_wait_ms=NETWORK_WAIT_MS,
    )
    resp = Response(body, mimetype="text/javascript")
    # The browser checks for a new worker on each navigation; never from a cache.
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.get("/offline")
def offline_fallback():
    """Shown by the service worker for a page it has not kept, when there is no network."""
    return render_template("sync/offline.html")


@bp.get("/manifest.webmanifest")
def manifest():
    body = {
        "name": "Woodshed",
        "short_name": "Woodshed",
        "description": "Your practice journal, repertoire and plans.",
        "id": "/",
        "start_url": url_for("core.home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {
                "src": url_for("static", filename=f"img/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in ICON_SIZES
        ]
        + [
            {
                "src": url_for("static", filename="img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {
                "src": url_for("static", filename="img/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            },
        ],
    }
    resp = Response(json.dumps(body), mimetype="application/manifest+json")
    resp.headers["Cache-Control"] = "no-cache"
    return resp
