"""Browser tests: a live Woodshed on a free port (own migrated SQLite file) driven by
Debian's Chromium through Playwright. Skipped when Chromium is not installed."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import test_config
from woodshed import create_app, migrate
from woodshed.db import db, make_engine

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    app: Flask
    url: str

    def seed(self, build):
        """Run `build()` against the live database and commit; returns what it returns."""
        with self.app.app_context():
            result = build()
            db.session.commit()
            return result


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    instance = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{instance / 'woodshed.db'}"
    migrating = Flask("migrate")
    migrating.extensions["woodshed.engine"] = make_engine(url)
    migrate.upgrade(migrating)
    migrating.extensions["woodshed.engine"].dispose()
    app = create_app(test_config(url, instance, None) | {"TESTING": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()


@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab; the test fails if the page broke the CSP or threw an error."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    def console(msg) -> None:
        # A 4xx answer (a form re-rendered with errors) is expected, not a page problem.
        if (
            msg.type == "error" and not msg.text.startswith("Failed to load resource")
        ) or "Content Security Policy" in msg.text:
            problems.append(msg.text)

    page.on("console", console)
    yield page
    context.close()
    assert problems == []
