"""The `woodshed` command: db upgrade, run, serve, create-admin, check-deploy (SEC-CFG)."""

from __future__ import annotations

import contextvars

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.cli import ScriptInfo

from woodshed.accounts.models import User
from woodshed.cli import cli_group
from woodshed.db import db

STRONG = "ten quiet minutes of scales"


def invoke(app, *args: str, input: str | None = None):
    """Run a command against `app` in its own context, as the shell would (not the test's app)."""
    runner = app.test_cli_runner()
    # Like cli_group(): the app's DEBUG comes from its own config, not only FLASK_DEBUG.
    info = ScriptInfo(create_app=lambda: app, set_debug_flag=False)
    return contextvars.Context().run(runner.invoke, args=list(args), input=input, obj=info)


def fresh_app(make_app, tmp_path):
    """An app on its own empty SQLite file, outside the test's transaction."""
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}")
    app.extensions.pop("woodshed.test_connection")
    return app


def test_the_command_lists_what_an_operator_needs(monkeypatch, tmp_path):
    # Listing the commands builds the app: keep its instance folder out of the checkout.
    monkeypatch.setenv("WOODSHED_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WOODSHED_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    result = CliRunner().invoke(cli_group(), ["--help"])
    assert result.exit_code == 0
    for command in ("db", "run", "serve", "create-admin", "check-deploy"):
        assert command in result.output


def test_run_and_serve_take_a_host_and_a_port(app):
    for command in ("run", "serve"):
        result = invoke(app, command, "--help")
        assert result.exit_code == 0
        assert "--host" in result.output
        assert "--port" in result.output


def test_run_refuses_the_debugger_in_production(make_app, monkeypatch):
    def server_started(*_args, **_kwargs):
        pytest.fail("the development server started")

    monkeypatch.setattr("werkzeug.serving.run_simple", server_started)
    app = make_app(PRODUCTION=True)
    result = invoke(app, "run", "--debug", "--port", "1")
    assert result.exit_code != 0
    assert "Refusing to start the debugger" in result.output


def test_db_upgrade_creates_the_schema_without_any_account(make_app, tmp_path):
    app = fresh_app(make_app, tmp_path)
    result = invoke(app, "db", "upgrade")
    assert result.exit_code == 0, result.output
    current = invoke(app, "db", "current")
    head = current.output.split("head: ")[1].strip()
    assert f"current: {head}" in current.output
    engine = app.extensions["woodshed.engine"]
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM users")) == 0  # no default admin
    engine.dispose()


def test_create_admin_makes_an_administrator_who_can_sign_in(app):
    result = invoke(
        app, "create-admin", "--email", "Dora@Example.org", input=f"{STRONG}\n{STRONG}\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "dora@example.org"))
    assert user.is_admin
    assert user.profile is not None
    web = app.test_client()
    response = web.submit("/login", {"email": "dora@example.org", "password": STRONG})
    assert response.status_code == 302
    # A new administrator signs in, and is asked to set up two-factor sign-in first.
    admin_page = web.get("/admin/users")
    assert admin_page.status_code == 302
    assert "/settings/security" in admin_page.location


def test_create_admin_refuses_a_weak_password(app):
    result = invoke(
        app, "create-admin", "--email", "dora@example.org", input="password\npassword\n"
    )
    assert result.exit_code == 1
    assert "too common" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "dora@example.org")) is None


def test_create_admin_promotes_an_existing_account(app, alice):
    result = invoke(app, "create-admin", "--email", alice.email, input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 0
    db.session.refresh(alice.user)
    assert alice.user.is_admin


def test_check_deploy_passes_a_healthy_instance(app, charlie):
    result = invoke(app, "check-deploy")
    assert result.output.strip() == "No problems found."
    assert result.exit_code == 0


def test_check_deploy_says_when_there_is_no_administrator(app, alice):
    result = invoke(app, "check-deploy")
    assert result.exit_code == 1
    assert "woodshed create-admin" in result.output


def test_check_deploy_lists_every_problem_of_an_unsafe_production_config(
    make_app, charlie, tmp_path
):
    app = make_app(
        PRODUCTION=True,
        BASE_URL="http://woodshed.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'somewhere.db'}",
        SMTP_URL=None,
        RATELIMIT_STORAGE_URL="memory://",
    )
    app.config["SECRET_KEY"] = "change-me"  # as if the operator forgot to set it
    app.config["DEBUG"] = True
    result = invoke(app, "check-deploy")
    assert result.exit_code == 1
    for expected in (
        "WOODSHED_SECRET_KEY",
        "WOODSHED_DEBUG",
        "https://",
        "SQLite",
        "WOODSHED_SMTP_URL",
        "redis://",
    ):
        assert expected in result.output, expected


def test_check_deploy_notices_a_database_behind_the_code(make_app, tmp_path):
    app = fresh_app(make_app, tmp_path)
    result = invoke(app, "check-deploy")
    assert result.exit_code == 1
    assert "woodshed db upgrade" in result.output
    app.extensions["woodshed.engine"].dispose()
