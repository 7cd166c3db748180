"""REL-OPS: /healthz says the process is up; /readyz says whether it can serve."""

from __future__ import annotations

import sqlalchemy as sa

from woodshed.db import db


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_with_a_migrated_database_and_writable_storage(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "storage": "ok"},
    }


def test_readyz_is_unavailable_when_the_schema_is_behind(client):
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))
    db.session.flush()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["migrations"].startswith("at older, head is ")
    assert body["checks"]["database"] == "ok"


def test_readyz_is_unavailable_when_storage_is_not_writable(make_app, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    app = make_app(STORAGE_PATH=str(blocker / "storage"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["storage"].startswith("not writable")


def test_readyz_is_unavailable_when_the_database_cannot_be_reached(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'missing-folder' / 'woodshed.db'}")
    app.extensions.pop("woodshed.test_connection")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"].startswith("unreachable")
    assert checks["migrations"] == "unknown"
