"""REL-IDEM+: the served app, on a database of its own, hit by many requests at once.

The app runs in werkzeug's threaded server on a free port, against a fresh migrated
database (an SQLite file or a PostgreSQL schema, as WOODSHED_TEST_DATABASE says) whose
rows are committed — each request has its own connection and transaction, as in
production, so concurrent requests really race in the database.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import migrated_database, test_config
from tests.factories import make_persona
from woodshed import create_app
from woodshed.accounts.services import issue_api_token
from woodshed.db import db

#: Requests sent at once: an offline client's retries, or several devices.
AT_ONCE = 12
_names = itertools.count()


@dataclass
class Served:
    url: str
    app: Flask

    def seed(self, build: Callable):
        """Run `build()` in the served database and commit; returns what it returns."""
        with self.app.app_context():
            result = build()
            db.session.commit()
            return result


@dataclass
class Caller:
    """A musician of the served app, calling its API with a bearer token."""

    served: Served
    token: str
    profile_id: str

    def request(self, method: str, path: str, json=None, headers=None) -> requests.Response:
        return requests.request(
            method,
            f"{self.served.url}/api/v1{path}",
            json=json,
            headers={"Authorization": f"Bearer {self.token}"} | (headers or {}),
            timeout=120,
        )

    def post(self, path: str, json=None, headers=None) -> requests.Response:
        return self.request("POST", path, json, headers)

    def get(self, path: str) -> requests.Response:
        return self.request("GET", path)


@pytest.fixture(scope="module")
def served(database, instance_dir, smtp_server) -> Iterator[Served]:
    url, drop = migrated_database(instance_dir)
    app = create_app(
        test_config(url, instance_dir, smtp_server.url)
        # Errors become 500 answers as in production (TESTING re-raises them).
        | {"TESTING": False, "API_RATE_LIMIT": "100000 per minute"}
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="race-server", daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["woodshed.engine"].dispose()
    drop()


@pytest.fixture
def make_caller(served) -> Callable[[], Caller]:
    """A new musician with an API token, committed in the served database."""

    def make() -> Caller:
        def build():
            persona = make_persona(f"racer{next(_names)}")
            raw, _ = issue_api_token(persona.user, "race")
            return raw, str(persona.profile.id)

        token, profile_id = served.seed(build)
        caller = Caller(served, token, profile_id)
        # The first use stamps the token's last use (a row every request would then queue
        # on); later requests within a minute leave it alone and really run side by side.
        assert caller.get("/me").status_code == 200
        return caller

    return make


@pytest.fixture
def caller(make_caller) -> Caller:
    return make_caller()
