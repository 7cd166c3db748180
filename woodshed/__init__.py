"""Woodshed: a self-hostable practice journal for musicians, teachers and parents."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, g, redirect, request, session, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from woodshed.config import load_config, refuse_unsafe

__version__ = "0.1.0"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config → extensions → blueprints → commands. Nothing at import."""
    instance_path = Path(os.environ.get("WOODSHED_INSTANCE_PATH") or Path.cwd() / "instance")
    app = Flask(__name__, instance_path=str(instance_path.resolve()))
    app.config.update(load_config(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
    refuse_unsafe(app.config)
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    if app.config["TRUSTED_PROXIES"] > 0:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from woodshed.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from sqlalchemy.exc import OperationalError

    from woodshed import metrics, models, ratelimit, security  # noqa: F401  (models: metadata)
    from woodshed.db import SAFE_METHODS
    from woodshed.errors import register_error_handlers
    from woodshed.extensions import csrf, db, login_manager

    db.init_app(app)
    metrics.init_app(app)  # before commit_request: its timing includes the commit
    csrf.init_app(app)
    ratelimit.init_app(app)
    security.init_app(app)
    security.redact_access_log()
    register_error_handlers(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # server-side sessions do this job

    @login_manager.user_loader
    def load_user(user_id: str):
        from woodshed.accounts.services import session_for_token

        row = session_for_token(session.get("sid"))
        if row is None or str(row.user_id) != user_id:
            session.clear()
            return None
        g.auth_session_id = row.id
        return row.user

    @login_manager.unauthorized_handler
    def unauthorized():
        from woodshed.errors import Problem

        if request.path.startswith("/api/"):
            raise Problem(401, "Sign in first.")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    @app.after_request
    def commit_request(response):
        """One transaction per request: kept when it succeeded, dropped otherwise."""
        if response.status_code >= 400:
            db.session.rollback()
        elif request.method in SAFE_METHODS:
            # Reads only write bookkeeping (session last-seen); losing it beats failing.
            try:
                db.session.commit()
            except OperationalError:
                db.session.rollback()
        else:
            db.session.commit()
        return response


def _register_blueprints(app: Flask) -> None:
    from woodshed.accounts.api import api as accounts_api
    from woodshed.accounts.views import bp as accounts_bp
    from woodshed.admin.views import bp as admin_bp
    from woodshed.api.openapi import bp as api_docs_bp
    from woodshed.core.views import bp as core_bp
    from woodshed.extensions import csrf
    from woodshed.journal.api import api as journal_api
    from woodshed.profiles.api import api as profiles_api
    from woodshed.profiles.views import bp as profiles_bp
    from woodshed.stats import init_app as init_stats
    from woodshed.stats.api import api as stats_api
    from woodshed.stats.views import bp as stats_bp

    for blueprint in (core_bp, accounts_bp, profiles_bp, admin_bp, api_docs_bp, stats_bp):
        app.register_blueprint(blueprint)
    # API blueprints authenticate with bearer tokens (or check X-CSRFToken themselves).
    for blueprint in (accounts_api, profiles_api, journal_api, stats_api):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    init_stats(app)


def _register_template_helpers(app: Flask) -> None:
    from woodshed import templating

    templating.init_app(app)
