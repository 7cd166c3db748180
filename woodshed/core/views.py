"""The front door and the health probes."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user

from woodshed import policy
from woodshed.core import dashboard
from woodshed.db import db

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("core/landing.html")
    profile = policy.signed_in_profile()
    return render_template("core/home.html", profile=profile, panels=dashboard.panels_for(profile))


@bp.get("/healthz")
def healthz():
    """The process is up (no dependencies checked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready for traffic: database reachable, schema at head, storage writable."""
    from woodshed.migrate import current_revision, head_revision

    checks: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
        current, head = current_revision(db.session.connection()), head_revision()
        checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
    except sa.exc.SQLAlchemyError as exc:
        checks["database"] = f"unreachable: {exc.__class__.__name__}"
        checks["migrations"] = "unknown"
    checks["storage"] = _storage_check(Path(current_app.config["STORAGE_PATH"]))
    ok = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ok else "unavailable", checks=checks), 200 if ok else 503


def _storage_check(path: Path) -> str:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".readyz-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return f"not writable: {exc.strerror}"
    return "ok"
