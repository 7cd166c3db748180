"""Browser tests: a live server on a free port (own migrated SQLite file) and a Chromium page.

(Local fixture for this branch; the foundation's shared e2e conftest replaces it at merge.)
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import test_config
from tests.smtp import free_port
from woodshed import create_app, migrate
from woodshed.db import make_engine

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path / f'e2e-{uuid.uuid4().hex}.db'}"
    setup = Flask("migrate")
    setup.extensions["woodshed.engine"] = make_engine(url)
    migrate.upgrade(setup)
    setup.extensions["woodshed.engine"].dispose()
    app = create_app(test_config(url, tmp_path, None) | {"TESTING": False})
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{port}")
    server.shutdown()
    app.extensions["woodshed.engine"].dispose()


@pytest.fixture
def page():
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not __import__("os").path.exists(CHROMIUM):
        pytest.skip("chromium is not installed")
    with playwright.sync_playwright() as p:
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
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()
