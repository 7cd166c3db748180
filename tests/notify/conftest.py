"""A database whose data is committed, for workers that each open their own connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import migrated_database, test_config
from woodshed import create_app
from woodshed.db import Clock, db


@pytest.fixture
def committed_app(database, instance_dir, smtp_server) -> Iterator[Flask]:
    """A fresh migrated database (SQLite file or PostgreSQL schema) without the
    rolled-back test transaction: what one worker commits, the others see."""
    url, drop = migrated_database(instance_dir)
    app = create_app(
        test_config(url, instance_dir, smtp_server.url)
        | {"WORKER_LEASE_SECONDS": 120, "WORKER_RETRY_BASE_SECONDS": 60}
    )
    yield app
    Clock.frozen = None
    with app.app_context():
        db.session.remove()
    app.extensions["woodshed.engine"].dispose()
    drop()
