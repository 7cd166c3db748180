"""When the database cannot answer (issue 19, item 6): 503 with Retry-After — problem+json
for the API, a page that keeps what was typed — never a 500 or a hang; /healthz never
touches the database."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Response

from tests import conftest
from tests.clients import WebClient
from tests.conftest import database_kind
from tests.factories import make_persona
from tests.notify.conftest import committed_app  # noqa: F401 (a fixture)
from tests.smtp import free_port
from woodshed import create_app
from woodshed.accounts.models import AuthSession, User
from woodshed.accounts.services import issue_api_token
from woodshed.db import Clock, db


@pytest.fixture
def unreachable(instance_dir):
    """The app pointed at a PostgreSQL port nobody listens on."""
    url = f"postgresql+psycopg://woodshed@127.0.0.1:{free_port()}/woodshed"
    app = create_app(conftest.test_config(url, instance_dir, None))
    app.test_client_class = WebClient
    yield app
    app.extensions["woodshed.engine"].dispose()


def test_healthz_answers_without_the_database(unreachable):
    started = time.monotonic()
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 200
    assert time.monotonic() - started < 2


def test_the_api_answers_503_with_retry_after_when_the_database_is_unreachable(unreachable):
    response = unreachable.test_client().get(
        "/api/v1/pieces", headers={"Authorization": "Bearer not-checked-without-a-database"}
    )
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["status"] == 503


def test_a_form_sent_while_the_database_is_unreachable_is_kept_for_sending_again(unreachable):
    web = unreachable.test_client()
    response = web.submit(
        "/login", {"email": "dora@example.org", "password": "a long and quiet evening"}
    )
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert 'value="dora@example.org"' in page
    assert "Send again" in page
    assert "a long and quiet evening" not in page


@pytest.fixture
def locked(committed_app):  # noqa: F811 (the fixture imported above)
    """Another connection holds SQLite's write lock, or PostgreSQL's lock on `users`."""
    committed_app.config["DB_LOCK_TIMEOUT_SECONDS"] = 0.5
    engine = committed_app.extensions["woodshed.engine"]
    engine.dispose()  # new connections read the shorter lock timeout
    if database_kind() == "sqlite":
        holder = sqlite3.connect(engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        yield committed_app
        holder.execute("ROLLBACK")
        holder.close()
        return
    with engine.connect() as conn:
        conn.execute(sa.text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
        yield committed_app
        conn.rollback()


def test_a_write_waiting_on_a_held_lock_answers_503_not_500(locked):
    started = time.monotonic()
    response = locked.test_client().post(
        "/api/v1/auth/register",
        json={
            "email": "dora@example.org",
            "password": "a long and quiet evening",
            "display_name": "Dora",
        },
    )
    assert time.monotonic() - started < 8
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.skipif(database_kind() != "postgresql", reason="a server connection to cut")
def test_an_error_answer_stands_when_the_connection_died_under_the_request(committed_app):  # noqa: F811
    """The rollback of a failed request finds its connection gone: the connection is
    dropped and the answer is sent as it was (was an AttributeError, a 500, because the
    scoped session has no invalidate())."""
    engine = committed_app.extensions["woodshed.engine"]
    with committed_app.test_request_context("/pieces"):
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        response = committed_app.process_response(Response("Not found", status=404))
        assert response.status_code == 404
        assert db.session.execute(sa.text("SELECT 1")).scalar_one() == 1  # a new connection


@contextlib.contextmanager
def _writer_holding(app, user_id):
    """Another connection in the middle of a write: SQLite's write lock, or PostgreSQL's
    lock on the user's sign-in sessions (a second tab of the same browser, say)."""
    engine = app.extensions["woodshed.engine"]
    if database_kind() == "sqlite":
        holder = sqlite3.connect(engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
        holder.close()
        return
    with engine.connect() as conn:
        conn.execute(
            sa.text("SELECT id FROM auth_sessions WHERE user_id = :u FOR UPDATE"), {"u": user_id}
        )
        yield
        conn.rollback()


def test_a_page_is_read_while_another_request_writes(committed_app):  # noqa: F811
    """Reading a page touches the sign-in session once a minute (its last use). That write
    waited for the lock and, when another request held it, turned the page into a 503
    (seen on a family's SQLite server: the teacher's studio failed while a student's
    browser was saving). The touch is bookkeeping: busy, it waits for the next page."""
    committed_app.config["DB_LOCK_TIMEOUT_SECONDS"] = 0.5
    committed_app.extensions["woodshed.engine"].dispose()  # the shorter lock timeout
    committed_app.test_client_class = WebClient
    Clock.frozen = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    with committed_app.app_context():
        dora = make_persona("dora")
        user_id, email, password = dora.user.id, dora.user.email, dora.password
        db.session.commit()
    web = committed_app.test_client()
    assert web.submit("/login", {"email": email, "password": password}).status_code == 302

    Clock.frozen += timedelta(minutes=5)  # the session's last use is due to be written
    bearer = _bearer(committed_app, user_id)  # and the token's
    with _writer_holding(committed_app, user_id):
        page = web.get("/journal")
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        api = committed_app.test_client().get("/api/v1/me", headers=bearer)
    assert api.status_code == 200, api.get_data(as_text=True)[:300]

    # Once the lock is free, the next page writes the last use as before.
    assert web.get("/journal").status_code == 200
    with committed_app.app_context():
        seen = db.session.scalar(sa.select(AuthSession.last_seen_at))
    assert seen == Clock.frozen


def _bearer(app, user_id) -> dict[str, str]:
    """An API token made before the lock is taken (and last used long enough ago)."""
    with app.app_context():
        user = db.session.get_one(User, user_id)
        raw, token = issue_api_token(user, "test")
        token.last_used_at = Clock.frozen - timedelta(minutes=5)
        db.session.commit()
    return {"Authorization": f"Bearer {raw}"}
