"""Woodshed: a self-hostable practice journal for musicians, teachers and parents."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, redirect, request, session, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from woodshed.config import load_config, normalise_registration, refuse_unsafe
from woodshed.routing import Rule

__version__ = "0.1.0"


class Woodshed(Flask):
    """The application's class: its URL rules compile their builders once per process."""

    url_rule_class = Rule


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config → extensions → blueprints → commands. Nothing at import.

    `test_config` overrides settings; its INSTANCE_PATH and SECRET_KEY, when given, keep
    the app from touching the default instance folder.
    """
    test_config = test_config or {}
    instance_path = Path(
        test_config.get("INSTANCE_PATH")
        or os.environ.get("WOODSHED_INSTANCE_PATH")
        or Path.cwd() / "instance"
    )
    app = Woodshed(__name__, instance_path=str(instance_path.resolve()))
    app.config.update(
        load_config(Path(app.instance_path), generate_secret="SECRET_KEY" not in test_config)
    )
    app.config.update(test_config)
    normalise_registration(app.config)
    refuse_unsafe(app.config)
    from woodshed.security import configure_logging

    configure_logging(app.config["LOG_LEVEL"])

    if app.config["TRUSTED_PROXIES"] > 0:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    _init_extensions(app)
    _register_blueprints(app)
    _connect_events()
    _register_template_helpers(app)

    from woodshed.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from flask_login import current_user
    from sqlalchemy.exc import OperationalError

    from woodshed import assets, metrics, models, policy, ratelimit, security  # noqa: F401
    from woodshed.db import SAFE_METHODS
    from woodshed.errors import (
        DATABASE_UNAVAILABLE,
        register_error_handlers,
        unavailable_response,
    )
    from woodshed.extensions import csrf, db, login_manager

    db.init_app(app)
    metrics.init_app(app)  # before commit_request: its timing includes the commit
    app.before_request(security.limit_public_bodies)  # before CSRF reads a form
    csrf.init_app(app)
    ratelimit.init_app(app)
    security.init_app(app)
    security.redact_access_log()
    assets.init_app(app, security.headers(app.config["PRODUCTION"]))
    # `/students/<profile id>/…`: a student's pages, read through the same views (policy).
    app.wsgi_app = policy.StudentPrefix(app.wsgi_app)  # type: ignore[method-assign]
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

    @app.before_request
    def gate_named_profile():
        """A page naming another profile passes the gate before its view (the API's
        operations do it after authenticating)."""
        if not request.path.startswith("/api/") and current_user.is_authenticated:
            policy.check_request(current_user._get_current_object())

    @app.after_request
    def commit_request(response):
        """One transaction per request: kept when it succeeded, dropped otherwise."""
        if response.status_code >= 400:
            try:
                db.session.rollback()
            except DATABASE_UNAVAILABLE:  # the connection is gone: drop it, keep the answer
                db.session().invalidate()
        elif request.method in SAFE_METHODS:
            # Reads only write bookkeeping (session last-seen); losing it beats failing.
            try:
                db.session.commit()
            except OperationalError:
                db.session.rollback()
        else:
            try:
                db.session.commit()
            except DATABASE_UNAVAILABLE as exc:  # after_request errors skip the handlers
                return unavailable_response(exc)
        return response


def _register_blueprints(app: Flask) -> None:
    """Pages, the JSON API, then each feature's dashboard panels, suggestions and hooks."""
    from woodshed.accounts.api import api as accounts_api
    from woodshed.accounts.services import user_for_api_token
    from woodshed.accounts.views import bp as accounts_bp
    from woodshed.admin.views import bp as admin_bp
    from woodshed.api import init_app as init_api
    from woodshed.api.openapi import bp as api_docs_bp
    from woodshed.assignments.api import api as assignments_api
    from woodshed.assignments.dashboard import register as register_assignments_dashboard
    from woodshed.assignments.views import bp as assignments_bp
    from woodshed.comments.api import api as comments_api
    from woodshed.comments.delivery import register as register_comment_delivery
    from woodshed.comments.views import bp as comments_bp
    from woodshed.core.dashboard import Panel, register_panel
    from woodshed.core.panels import register_dashboard
    from woodshed.core.views import bp as core_bp
    from woodshed.data.api import api as data_api
    from woodshed.data.views import bp as data_bp
    from woodshed.extensions import csrf
    from woodshed.family.api import api as family_api
    from woodshed.family.api import guardian_api
    from woodshed.family.services import register as register_family_retention
    from woodshed.family.views import bp as family_bp
    from woodshed.family.views import guardian_bp, move_bp
    from woodshed.goals.api import api as goals_api
    from woodshed.goals.views import bp as goals_bp
    from woodshed.journal.api import api as journal_api
    from woodshed.journal.queries import quick_log_context
    from woodshed.journal.views import bp as journal_bp
    from woodshed.library.api import api as library_api
    from woodshed.library.views import bp as library_bp
    from woodshed.notify.api import api as notify_api
    from woodshed.notify.views import bp as notify_bp
    from woodshed.plans.api import api as plans_api
    from woodshed.plans.dashboard import register as register_plans_dashboard
    from woodshed.plans.views import bp as plans_bp
    from woodshed.profiles.api import api as profiles_api
    from woodshed.profiles.views import bp as profiles_bp
    from woodshed.recordings.api import api as recordings_api
    from woodshed.recordings.views import bp as recordings_bp
    from woodshed.repertoire.api import api as repertoire_api
    from woodshed.repertoire.views import bp as repertoire_bp
    from woodshed.reports.api import api as reports_api
    from woodshed.reports.delivery import register as register_report_delivery
    from woodshed.reports.views import bp as reports_bp
    from woodshed.search.api import api as search_api
    from woodshed.search.views import bp as search_bp
    from woodshed.stats import init_app as init_stats
    from woodshed.stats.api import api as stats_api
    from woodshed.stats.views import bp as stats_bp
    from woodshed.sync.api import api as sync_api
    from woodshed.sync.views import bp as sync_bp
    from woodshed.teaching.api import api as teaching_api
    from woodshed.teaching.views import bp as teaching_bp
    from woodshed.tools.views import bp as tools_bp

    pages = (
        core_bp,
        accounts_bp,
        profiles_bp,
        admin_bp,
        api_docs_bp,
        journal_bp,
        repertoire_bp,
        goals_bp,
        library_bp,
        stats_bp,
        plans_bp,
        notify_bp,
        data_bp,
        search_bp,
        teaching_bp,
        assignments_bp,
        reports_bp,
        tools_bp,
        sync_bp,
        comments_bp,
        recordings_bp,
        family_bp,
        guardian_bp,
        move_bp,
    )
    apis = (
        accounts_api,
        profiles_api,
        journal_api,
        repertoire_api,
        goals_api,
        library_api,
        stats_api,
        plans_api,
        notify_api,
        data_api,
        search_api,
        teaching_api,
        assignments_api,
        reports_api,
        sync_api,
        comments_api,
        recordings_api,
        family_api,
        guardian_api,
    )
    for blueprint in pages:
        app.register_blueprint(blueprint)
    # API blueprints authenticate with bearer tokens (or check X-CSRFToken themselves).
    # The API toolkit knows no feature; accounts tell it how a bearer token is read.
    init_api(app, token_lookup=user_for_api_token)
    for blueprint in apis:
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    register_panel(
        app,
        Panel("journal.quick_log", "journal/_quick_log_panel.html", quick_log_context, order=10),
    )
    register_dashboard(app)
    register_plans_dashboard(app)
    register_assignments_dashboard(app)
    register_comment_delivery(app)
    register_report_delivery(app)
    register_family_retention(app)
    init_stats(app)


def _connect_events() -> None:
    """What follows what: every subscriber of a domain event (woodshed/events.py), here.

    Signals are process-wide and connecting the same function twice is a no-op, so
    creating several apps (the tests do) subscribes each once.
    """
    from woodshed import events
    from woodshed.accounts.services import account_erasing
    from woodshed.comments import delivery as comment_delivery
    from woodshed.data.services import forget_files_on_erasure
    from woodshed.family.services import follow_guardians_settings
    from woodshed.notify import reminders
    from woodshed.notify import services as notifications
    from woodshed.recordings.services import forget_session_recordings
    from woodshed.stats import badges

    # An erased account's stored files go with it.
    account_erasing.connect(forget_files_on_erasure)
    # A transaction that changed a journal: badges are judged before it commits.
    events.journal_changed.connect(badges.on_journal_changed)
    # A badge earned for the first time goes into the notification centre.
    events.badge_earned.connect(notifications.announce_badge)
    # Plans changed: reminders before their occurrences are worked out again.
    events.plans_changed.connect(reminders.recheck_occurrence_reminders)
    # A comment by someone else on a musician's session or passage: the musician is told.
    events.comment_posted.connect(notifications.announce_comment)
    # ... and the other party gets an email (a teacher replied to: in-app too), by the worker.
    events.comment_posted.connect(comment_delivery.on_comment_posted)
    # A guardian's clock and language: the children they guard follow.
    events.family_settings_changed.connect(follow_guardians_settings)
    # A session deleted: its recordings, their quota and files go with it.
    events.session_deleting.connect(forget_session_recordings)


def _register_template_helpers(app: Flask) -> None:
    from woodshed import templating

    templating.init_app(app)
