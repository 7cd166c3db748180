"""Response headers every page and API answer carries (SEC-HDR), and the log format:
UTC timestamps, who and from where on every line, no tokens (SEC-LOG)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
PUBLIC_CACHEABLE = ("/static/",)


def safe_next(target: str | None, default: str) -> str:
    """Where to send someone back to, from input (`next`): a path on this site, or `default`.

    The one check for every redirect target that comes from a request. It refuses what a
    browser or Werkzeug would turn into another origin — `//host`, a backslash, a scheme,
    a tab or line break they strip (`/%09/evil.example` arrives with a tab after the first
    slash and would leave as `//evil.example`) — and anything a Location header cannot
    carry, so the redirect never answers 500.
    """
    if not isinstance(target, str) or not target or len(target) > 2000:
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(c.isspace() or not c.isprintable() for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


#: The most a request to a page or operation open without signing in may send (sign-in,
#: registration, reset, unsubscribe): checked before anything parses the body, so a huge
#: body costs no CPU. Imports and uploads (signed in) keep the general limit.
SMALL_BODY_BYTES = 16 * 1024
PUBLIC_FORMS = frozenset(
    {
        "accounts.login",
        "accounts.register",
        "accounts.reset_request",
        "accounts.reset_confirm",
        "family_move.move_accept",
        "notify.unsubscribe",
    }
)


def limit_public_bodies() -> None:
    """Before CSRF and every parser: a small body limit where no sign-in is needed yet."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    operation = getattr(view, "openapi", None)
    public = request.endpoint in PUBLIC_FORMS or (operation is not None and not operation.auth)
    if public:
        request.max_content_length = SMALL_BODY_BYTES


def headers(production: bool) -> dict[str, str]:
    """The headers every response carries (static files too: see woodshed.assets)."""
    found = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), geolocation=(), microphone=(self)",
    }
    if production:
        found["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return found


def init_app(app: Flask) -> None:
    every_response = headers(app.config["PRODUCTION"])

    @app.after_request
    def _headers(resp: Response) -> Response:
        h = resp.headers
        for key, value in every_response.items():
            h.setdefault(key, value)
        if not request.path.startswith(PUBLIC_CACHEABLE):
            h.setdefault("Cache-Control", "no-store")
        return resp


class RedactTokens(logging.Filter):
    """Keep secrets in links (`?token=…`) out of the development server's access log."""

    pattern = re.compile(r"(token=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                self.pattern.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = self.pattern.sub(r"\1[redacted]", record.msg)
        return True


def redact_access_log() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s"


class UTCFormatter(logging.Formatter):
    """ISO 8601 timestamps in UTC (2026-03-01T18:04:05.123Z), whatever the server's zone."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        instant = datetime.fromtimestamp(record.created, UTC)
        return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RequestContext(logging.Filter):
    """Adds who and what to a record: `client=… user=… METHOD /path` (or `-` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "context"):
            record.context = _request_context()
        return True


def _user_id(user) -> object | None:
    """The signed-in user's id as the ORM knows it, without loading anything: a log line
    may be written after the request's database session has closed (a streamed body)."""
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None


def _request_context() -> str:
    if not has_request_context():
        return "-"
    user_id = _user_id(g.get("_login_user") or g.get("api_user"))
    # The path only: query strings can carry tokens.
    return (
        f"client={request.remote_addr or '-'} user={user_id or '-'} {request.method} {request.path}"
    )


def configure_logging(level: str) -> None:
    """One handler on the root logger, with the UTC format and the request context."""
    root = logging.getLogger()
    if not any(getattr(h, "woodshed", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.woodshed = True  # type: ignore[attr-defined]  # marks our own handler
        handler.setFormatter(UTCFormatter(LOG_FORMAT))
        handler.addFilter(RequestContext())
        root.addHandler(handler)
    root.setLevel(level)
    security = logging.getLogger("woodshed.security")
    if not any(isinstance(f, RequestContext) for f in security.filters):
        # Also on the logger, so the context is in the record whichever handler gets it.
        security.addFilter(RequestContext())
