"""The `woodshed` command: run, serve, db, create-admin, check-deploy, …"""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


def _app() -> Flask:
    """The application behind `current_app` (a proxy), for code that keeps it."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def cli_group() -> FlaskGroup:
    """The `woodshed` command group (Flask's `run` is replaced by ours, see `run`)."""
    from flask.cli import routes_command, shell_command

    from woodshed import create_app

    group = FlaskGroup(
        create_app=create_app,
        add_default_commands=False,
        load_dotenv=False,
        set_debug_flag=False,  # DEBUG comes from create_app (WOODSHED_DEBUG or --debug)
        help="Woodshed, the practice journal.",
    )
    group.add_command(shell_command)
    group.add_command(routes_command)
    return group


def main() -> None:
    from woodshed.config import ConfigError

    try:
        cli_group().main(prog_name="woodshed")
    except ConfigError as exc:  # a clear sentence for the operator, not a traceback
        sys.exit(f"woodshed: {exc}")


def register_commands(app: Flask) -> None:
    from woodshed.data.backup import backup_command, restore_command
    from woodshed.recordings.cli import storage_group
    from woodshed.search.cli import search_group

    app.cli.add_command(db_group)
    app.cli.add_command(run)
    app.cli.add_command(serve)
    app.cli.add_command(create_admin)
    app.cli.add_command(check_deploy)
    app.cli.add_command(worker)
    app.cli.add_command(dev)
    app.cli.add_command(demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(export_schema)
    app.cli.add_command(search_group)
    app.cli.add_command(storage_group)


@click.group("db", help="Database schema migrations.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Migrate the database to the latest schema (or REVISION).")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    from woodshed import migrate
    from woodshed.db import db
    from woodshed.search import rebuild as search_rebuild

    migrate.upgrade(_app(), revision)
    click.echo(f"Database is at {revision}.")
    if revision == "head":
        # A migration that changes what search stores empties the index; fill it again.
        indexed = search_rebuild.fill_missing()
        db.session.commit()
        if indexed:
            click.echo(f"Indexed {indexed} objects for search.")


@db_group.command("downgrade", help="Migrate the database back to REVISION.")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    from woodshed import migrate

    migrate.downgrade(_app(), revision)


@db_group.command("current", help="Show the database's schema revision.")
@with_appcontext
def db_current() -> None:
    from woodshed import migrate

    with current_app.extensions["woodshed.engine"].connect() as conn:
        click.echo(f"current: {migrate.current_revision(conn)}  head: {migrate.head_revision()}")


@db_group.command("revision", help="Create a migration from the models (then read and edit it).")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Do not autogenerate.")
@with_appcontext
def db_revision(message: str, empty: bool) -> None:
    from woodshed import migrate

    migrate.revision(_app(), message, autogenerate=not empty)


@click.command("run", help="Serve with the development server (use `serve` in production).")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOST")
@click.option("--port", default=5000, show_default=True, type=int, envvar="PORT")
@click.option(
    "--debug/--no-debug",
    default=None,
    help="Reloader and interactive debugger; never in production.  [default: WOODSHED_DEBUG]",
)
@with_appcontext
def run(host: str, port: int, debug: bool | None) -> None:
    from werkzeug.serving import run_simple

    app = _app()
    debug = app.debug if debug is None else debug
    if debug and app.config["PRODUCTION"]:
        # The debugger runs any Python sent to it: it must never face the public.
        raise click.ClickException("Refusing to start the debugger with WOODSHED_ENV=production.")
    _links_follow(app, host, port)
    run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True)


def _links_follow(app: Flask, host: str, port: int) -> Flask:
    """Links name the address this server listens on, unless WOODSHED_BASE_URL is set."""
    from woodshed.config import served_url

    app.config["SERVED_URL"] = served_url(host, port)
    return app


@click.command("serve", help="Serve with gunicorn, the production WSGI server.")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOST")
@click.option("--port", default=5000, show_default=True, type=int, envvar="PORT")
@click.option(
    "--workers",
    default=lambda: int(os.environ.get("WOODSHED_WEB_WORKERS", "2")),
    show_default="WOODSHED_WEB_WORKERS or 2",
    type=int,
)
@click.option("--threads", default=4, show_default=True, type=int)
def serve(host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    from woodshed import create_app

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            # %(U)s is the path without the query string, so tokens in links are not logged.
            self.cfg.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms')
            self.cfg.set(
                "forwarded_allow_ips", "*" if current_app.config["TRUSTED_PROXIES"] else "127.0.0.1"
            )

        def load(self):
            return _links_follow(create_app(), host, port)

    Server().run()


@click.command("create-admin", help="Create an administrator (or make an account one).")
@click.option("--email", prompt=True)
@click.password_option(confirmation_prompt=True)
@with_appcontext
def create_admin(email: str, password: str) -> None:
    from woodshed.accounts import services
    from woodshed.db import db
    from woodshed.errors import DomainError

    try:
        user = services.create_admin(email, password)
    except DomainError as exc:
        raise click.ClickException(" ".join(exc.messages.values())) from exc
    db.session.commit()
    click.echo(f"{user.email} is an administrator.")


@click.command("check-deploy", help="List problems with this configuration; exit 1 if any.")
@with_appcontext
def check_deploy() -> None:
    from woodshed.config import config_problems

    problems = config_problems(current_app.config)
    problems += _runtime_problems()
    if not problems:
        click.echo("No problems found.")
        return
    for p in problems:
        click.echo(f"- {p}")
    sys.exit(1)


def _runtime_problems() -> list[str]:
    import sqlalchemy as sa

    from woodshed import migrate
    from woodshed.accounts.models import User
    from woodshed.db import db

    problems = []
    try:
        with current_app.extensions["woodshed.engine"].connect() as conn:
            current, head = migrate.current_revision(conn), migrate.head_revision()
        if current != head:
            problems.append(f"The database is at {current}, not {head}: run `woodshed db upgrade`.")
        elif not db.session.scalar(sa.select(sa.func.count()).where(User.is_admin)):
            problems.append("No administrator yet: run `woodshed create-admin`.")
    except sa.exc.SQLAlchemyError as exc:
        problems.append(f"The database cannot be reached: {exc.__class__.__name__}.")
    config = current_app.config
    if (
        config["PRODUCTION"]
        and config["RATELIMIT_STORAGE_URL"].startswith("memory")
        and int(os.environ.get("WOODSHED_WEB_WORKERS", "2")) > 1
    ):
        problems.append(
            "Rate limits are kept per process (memory://); with several web "
            "workers set WOODSHED_RATELIMIT_STORAGE_URL=redis://…."
        )
    return problems


@click.command("worker", help="Send due reminders; runs until stopped (--once for cron).")
@click.option("--once", is_flag=True, help="Do one pass over everything due, then exit.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between passes.")
def worker(once: bool, interval: float) -> None:
    import signal
    import threading

    from woodshed.notify import worker as jobs

    app = _app()
    if once:
        with app.app_context():
            counts = jobs.run_once()
        click.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    jobs.run_forever(app, interval, stop)


@click.command("dev", help="Development: the web server and the worker in one process.")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOST")
@click.option("--port", default=5000, show_default=True, type=int, envvar="PORT")
@click.option("--no-worker", is_flag=True, help="Serve pages only.")
@click.option("--interval", default=15.0, show_default=True, help="Worker seconds between passes.")
def dev(host: str, port: int, no_worker: bool, interval: float) -> None:
    from woodshed.notify import worker as jobs

    app = _app()
    _links_follow(app, host, port)
    if not no_worker:
        jobs.start_thread(app, interval)
        click.echo(f"Worker thread started (every {interval:g}s); --no-worker turns it off.")
    from werkzeug.serving import run_simple

    # run_simple, not app.run(): Flask ignores app.run() inside its own CLI.
    run_simple(host, port, app, use_reloader=False, threaded=True)


@click.command("demo", help="Create a demo musician (demo@example.org) with a year of practice.")
@click.option("--reset", is_flag=True, help="Delete the demo musician and build it again.")
@with_appcontext
def demo(reset: bool) -> None:
    import time

    from woodshed import demo as demo_data
    from woodshed.db import db

    began = time.perf_counter()
    result = demo_data.create_demo(reset=reset)
    db.session.commit()
    if result.created:
        click.echo(
            f"Created {demo_data.DEMO_EMAIL} with {result.sessions} sessions over a year "
            f"({time.perf_counter() - began:.1f} s)."
        )
    else:
        click.echo(
            f"{demo_data.DEMO_EMAIL} exists already; its data is unchanged "
            "(run `woodshed demo --reset` to build it again)."
        )
    click.echo(f"Sign in as {demo_data.DEMO_EMAIL} with the password: {result.password}")


@click.command("export-schema", help="Print the JSON Schema of the account export.")
def export_schema() -> None:
    import json

    from woodshed.data.sections import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
