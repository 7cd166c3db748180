"""Browser tests: a live app on a free port (its own migrated SQLite file) and Chromium.

A small local version; the foundation's shared fixture replaces it at merge.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import test_config
from woodshed import create_app, migrate
from woodshed.db import make_engine

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def live_app() -> Iterator[tuple[Flask, str]]:
    tmp = Path(tempfile.mkdtemp(prefix="woodshed-e2e-"))
    url = f"sqlite:///{tmp / 'e2e.db'}"
    migrator = Flask("e2e-migrate")
    migrator.extensions["woodshed.engine"] = make_engine(url)
    migrate.upgrade(migrator)
    migrator.extensions["woodshed.engine"].dispose()
    app = create_app(test_config(url, tmp, None) | {"TESTING": False})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{port}"
    server.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()
