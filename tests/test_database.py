"""REL-DB: durable commits on both databases; one request is one all-or-nothing transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import database_kind
from tests.factories import make_instrument
from tests.notify.conftest import committed_app  # noqa: F401 (a fixture)
from woodshed.accounts.models import User
from woodshed.accounts.services import account_erasing
from woodshed.db import db, make_engine
from woodshed.profiles.models import Instrument


def test_sqlite_connections_use_wal_full_sync_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'durable.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_the_test_database_commits_durably(app):
    """Whichever database this run uses, it is set up as production would be."""
    conn = db.session.connection()
    if database_kind() == "postgresql":
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
        assert conn.exec_driver_sql("SHOW fsync").scalar() == "on"
        # Small per-musician reads: no parallel workers to start (PERF-DASH).
        assert conn.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar() == "0"
    else:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.skipif(database_kind() != "postgresql", reason="SQLite has busy_timeout instead")
def test_a_requests_transaction_gives_up_on_slow_locks_and_statements(committed_app):  # noqa: F811
    """PostgreSQL: a web request's transaction carries its lock and statement timeouts
    (SET LOCAL); outside a request nothing is limited, and the next transaction is not."""
    app = committed_app
    app.config.update(DB_LOCK_TIMEOUT_SECONDS=1.5, DB_STATEMENT_TIMEOUT_SECONDS=7)
    with app.test_request_context("/journal"):
        conn = db.session.connection()
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "1500ms"
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "7s"
        db.session.rollback()
    with app.app_context():
        conn = db.session.connection()
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "0"
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
        db.session.rollback()


def test_the_database_enforces_foreign_keys(app, alice):
    instrument = make_instrument(alice.profile, "Oboe")
    with db.session.begin_nested():
        db.session.execute(sa.delete(User).where(User.id == alice.user.id))
    gone = db.session.scalar(sa.select(Instrument).where(Instrument.id == instrument.id))
    assert gone is None  # ON DELETE CASCADE from account to profile to instrument


def test_a_failing_step_leaves_no_partial_change(make_app, alice):
    """Erasure deletes rows, then a later step fails: nothing of it may stay."""
    app = make_app(TESTING=False)
    instrument = make_instrument(alice.profile, "Harp")
    web = app.test_client()
    web.sign_in(alice)

    def delete_then_fail(_sender, user):
        db.session.execute(sa.delete(Instrument).where(Instrument.profile_id == user.profile.id))
        db.session.flush()
        raise RuntimeError("the storage step failed")

    account_erasing.connect(delete_then_fail)
    try:
        response = web.submit("/settings/delete", {"confirm_email": alice.email})
    finally:
        account_erasing.disconnect(delete_then_fail)

    assert response.status_code == 500
    assert db.session.get(User, alice.user.id) is not None
    assert db.session.get(Instrument, instrument.id) is not None


def test_a_request_answering_an_error_keeps_nothing_it_flushed(make_app, alice):
    """The rule every view relies on: services flush, the request commits only below 400."""
    app = make_app()

    @app.get("/_probe/<int:status>")
    def flush_then_answer(status: int):
        make_instrument(alice.profile, f"Lute {status}")
        return "", status

    client = app.test_client()
    assert client.get("/_probe/422").status_code == 422
    assert client.get("/_probe/201").status_code == 201
    names = db.session.scalars(
        sa.select(Instrument.name).where(Instrument.profile_id == alice.profile.id)
    ).all()
    assert names == ["Lute 201"]
