"""Test set-up: one migrated database per test run, a rolled-back transaction per test.

WOODSHED_TEST_DATABASE picks the database: `sqlite` (default) or `postgresql`, the latter
at WOODSHED_TEST_POSTGRES_URL (default: the local server, database `test`). Each process
gets databases of its own on that server (copies of one it migrated), so parallel runs
never see each other.

A test that touches a database asks for the `database` fixture, directly or through
another (`app`, `client`, `make_app`, `database_url`, …). On PostgreSQL only those tests
run, except those marked `one_database` (schemathesis, the suite's longest part); the
others (pure functions, parsers, documents) ran already on SQLite. A test that makes a
database of its own without asking for `database` fails, so none is left out.
"""

from __future__ import annotations

import atexit
import gc
import os
import secrets
import shutil
import sqlite3
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, settings

from tests.clients import ApiClient, WebClient
from tests.factories import Persona, make_persona
from tests.smtp import Mailbox, start_smtp_server
from woodshed import create_app, migrate
from woodshed.db import Clock, db, make_engine
from woodshed.ratelimit import throttle

# The suite makes many short-lived objects (requests, ORM rows, hypothesis' cases). At the
# default thresholds the cyclic collector ran every 700 allocations and took 7–9 % of
# schemathesis' CPU; collecting less often measured the same peak memory.
gc.set_threshold(50_000, 20, 50)

# No property test depends on the wall clock: with both cores busy (the three passes side by
# side) a 0.45 ms example once took 300 ms and failed Hypothesis' default 200 ms deadline.
# A test that passes its own `suppress_health_check` list replaces this one.
settings.register_profile("woodshed", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("woodshed")

DEFAULT_POSTGRES_URL = "postgresql+psycopg://127.0.0.1:5432/test"
CHEAP_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def database_kind() -> str:
    return os.environ.get("WOODSHED_TEST_DATABASE", "sqlite")


def postgres_url() -> str:
    return os.environ.get("WOODSHED_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


#: Whether the running test asked for the `database` fixture (set before its set-up).
_uses_database = False


def _check_asked_for_database() -> None:
    assert _uses_database, (
        "a test or fixture that makes a database must ask for the `database` fixture, "
        "or the PostgreSQL run would leave it out"
    )


def new_database_url(tmp_dir: Path) -> tuple[str, callable]:
    """A fresh, empty database for this process and a function that removes it (on
    PostgreSQL a schema of the server's database, named by the URL's search_path)."""
    _check_asked_for_database()
    if database_kind() == "postgresql":
        schema = f"ws_test_{os.getpid()}_{secrets.token_hex(4)}"
        _postgres_admin(f'CREATE SCHEMA "{schema}"')
        url = sa.make_url(postgres_url()).update_query_dict({"options": f"-csearch_path={schema}"})

        def drop() -> None:
            _postgres_admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

        return url.render_as_string(hide_password=False), drop
    path = tmp_dir / f"woodshed-{uuid.uuid4().hex}.db"
    return f"sqlite:///{path}", lambda: None


def _migrate(url: str) -> None:
    app = Flask("migrate")
    app.extensions["woodshed.engine"] = make_engine(url)
    migrate.upgrade(app)
    app.extensions["woodshed.engine"].dispose()


#: This process's database migrated once, copied for each fresh one after it. Migrating
#: takes a third of a second on SQLite; on PostgreSQL about twice as long in the test
#: process plus as much in the server, where a copy takes a twentieth of that. The migrations
#: themselves are tested in tests/test_migrations.py.
_migrated_sqlite: Path | None = None
_migrated_postgres: str | None = None


def migrated_database(tmp_dir: Path) -> tuple[str, callable]:
    """A fresh database migrated to head, and a function that removes it."""
    global _migrated_sqlite
    if database_kind() == "postgresql":
        return _copied_postgres_database()
    url, drop = new_database_url(tmp_dir)
    if _migrated_sqlite is None:
        template = Path(tempfile.mkdtemp(prefix="woodshed-migrated-")) / "head.db"
        _migrate(f"sqlite:///{template}")
        atexit.register(shutil.rmtree, template.parent, ignore_errors=True)
        _migrated_sqlite = template
    # The backup API copies a consistent database whatever its journal mode.
    with (
        closing(sqlite3.connect(_migrated_sqlite)) as source,
        closing(sqlite3.connect(sa.make_url(url).database)) as target,
    ):
        source.backup(target)
    return url, drop


def _copied_postgres_database() -> tuple[str, callable]:
    """A database of its own on the server, copied from this process's migrated template
    (CREATE DATABASE … TEMPLATE); the role needs CREATEDB, as tests/data/test_backup.py's
    restores do."""
    global _migrated_postgres
    _check_asked_for_database()
    server = sa.make_url(postgres_url())
    if _migrated_postgres is None:
        template = f"ws_template_{os.getpid()}_{secrets.token_hex(4)}"
        _postgres_admin(f'CREATE DATABASE "{template}"')
        atexit.register(_postgres_admin, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        # Migrated, then left: a template is copied only while nobody is connected to it.
        _migrate(server.set(database=template).render_as_string(hide_password=False))
        _migrated_postgres = template
    name = f"ws_test_{os.getpid()}_{secrets.token_hex(4)}"
    _postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{_migrated_postgres}"')

    def drop() -> None:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server.set(database=name).render_as_string(hide_password=False), drop


def _postgres_admin(statement: str) -> None:
    """Run one statement on the server, outside a transaction (CREATE / DROP DATABASE
    cannot run in one)."""
    admin = sa.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        admin.dispose()


#: Hashed, compressed static files, kept by content hash across test runs and workers
#: (brotli at its best level takes seconds; woodshed.assets builds once per content).
#: The environment carries it to apps made from the environment (tests/test_config.py).
STATIC_BUILD_CACHE = Path(tempfile.gettempdir()) / f"woodshed-test-static-{os.getuid()}"
os.environ.setdefault("WOODSHED_STATIC_BUILD_PATH", str(STATIC_BUILD_CACHE))
#: Compiled templates, shared the same way: each app a test builds would compile again
#: every template it renders (a tenth of a second or more per app).
TEMPLATE_CACHE = Path(tempfile.gettempdir()) / f"woodshed-test-templates-{os.getuid()}"
os.environ.setdefault("WOODSHED_TEMPLATE_CACHE_PATH", str(TEMPLATE_CACHE))


def test_config(database_url: str, instance: Path, smtp_url: str | None) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-the-checks",
        "DATABASE_URL": database_url,
        "STORAGE_PATH": str(instance / "storage"),
        "SMTP_URL": smtp_url,
        "PASSWORD_HASH_PARAMS": CHEAP_HASH,
        "BASE_URL": "http://woodshed.test",
        "SERVER_NAME": None,
        "STATIC_BUILD_PATH": str(STATIC_BUILD_CACHE),
        "TEMPLATE_CACHE_PATH": str(TEMPLATE_CACHE),
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests that touch a database and are not `one_database`."""
    if database_kind() != "postgresql":
        return

    def again(item: pytest.Item) -> bool:
        uses = "database" in getattr(item, "fixturenames", ())
        return uses and item.get_closest_marker("one_database") is None

    keep = [item for item in items if again(item)]
    left_out = [item for item in items if not again(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _uses_database
    _uses_database = "database" in getattr(item, "fixturenames", ())


@pytest.fixture(scope="session")
def database() -> str:
    """The kind of database the run uses: ask for it (or a fixture that does) to touch one."""
    return database_kind()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server on loopback that keeps what it receives."""
    mailbox, controller = start_smtp_server()
    yield mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: Mailbox, app: Flask) -> Iterator[Mailbox]:
    """The SMTP server's messages. Requests only queue account email (outgoing_mail); each
    read first runs the worker's outbox step, as `woodshed worker` would, so a test sees
    what the worker sent by then."""
    from woodshed import outbox

    smtp_server.clear()
    before = smtp_server.before_read
    smtp_server.before_read = lambda: outbox.run_once("test-worker", Counter())
    yield smtp_server
    smtp_server.before_read = before


@pytest.fixture(scope="session")
def instance_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="woodshed-test-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def database_url(database: str, instance_dir: Path) -> Iterator[str]:
    url, drop = migrated_database(instance_dir)
    yield url
    drop()


@pytest.fixture(scope="session")
def _session_app(database_url: str, instance_dir: Path, smtp_server: Mailbox) -> Flask:
    return create_app(test_config(database_url, instance_dir, smtp_server.url))


@pytest.fixture
def make_app(database_url: str, instance_dir: Path, smtp_server: Mailbox, _connection, app):
    """Build an app with extra config for one test (sharing the test's transaction).

    The test still runs inside the default app's context, so factories and `db.session`
    work as usual and see what the built app's requests wrote.
    """

    def build(**overrides) -> Flask:
        app = create_app(test_config(database_url, instance_dir, smtp_server.url) | overrides)
        app.extensions["woodshed.test_connection"] = _connection
        app.test_client_class = WebClient
        return app

    return build


@pytest.fixture
def _connection(_session_app: Flask) -> Iterator[sa.Connection]:
    engine = _session_app.extensions["woodshed.engine"]
    connection = engine.connect()
    outer = connection.begin()
    yield connection
    outer.rollback()
    connection.close()


@pytest.fixture
def app(_session_app: Flask, _connection) -> Iterator[Flask]:
    """The application, inside a transaction that is rolled back after the test."""
    _session_app.extensions["woodshed.test_connection"] = _connection
    _session_app.test_client_class = WebClient
    throttle_storage_reset(_session_app)
    with _session_app.app_context():
        yield _session_app
        db.session.remove()
    _session_app.extensions.pop("woodshed.test_connection", None)
    Clock.frozen = None


def throttle_storage_reset(app: Flask) -> None:
    with app.app_context():
        throttle().reset()


@pytest.fixture
def client(app: Flask) -> WebClient:
    return app.test_client()


@pytest.fixture
def alice(app: Flask) -> Persona:
    return make_persona("alice", timezone="Europe/Berlin")


@pytest.fixture
def bob(app: Flask) -> Persona:
    return make_persona("bob", timezone="America/New_York")


@pytest.fixture
def charlie(app: Flask) -> Persona:
    """An administrator (with two-factor sign-in, as administrators must)."""
    return make_persona("charlie", timezone="UTC", is_admin=True, totp=True)


@pytest.fixture
def alice_api(app: Flask, alice: Persona) -> ApiClient:
    return ApiClient.for_user(app, alice.user)


@pytest.fixture
def bob_api(app: Flask, bob: Persona) -> ApiClient:
    return ApiClient.for_user(app, bob.user)


@pytest.fixture
def alice_web(app: Flask, alice: Persona) -> WebClient:
    web = app.test_client()
    web.sign_in(alice)
    return web


@pytest.fixture
def frozen_clock():
    """Freeze `utcnow()`: call it with an aware datetime."""

    def freeze(instant):
        Clock.frozen = instant
        return instant

    yield freeze
    Clock.frozen = None
