"""Browser tests: a live app on a free port (its own migrated SQLite file) and Chromium.

A small local fixture until the shared one lands; it follows the same shape (`live_server`
with `.url` and `.app`, and a Playwright `page`).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from tests.conftest import CHEAP_HASH
from woodshed import create_app, migrate

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[SimpleNamespace]:
    folder: Path = tmp_path_factory.mktemp("e2e")
    app = create_app(
        {
            "SECRET_KEY": "e2e-secret-key-that-is-long-enough-for-the-checks",
            "DATABASE_URL": f"sqlite:///{folder / 'woodshed.db'}",
            "STORAGE_PATH": str(folder / "storage"),
            "PASSWORD_HASH_PARAMS": CHEAP_HASH,
            "SERVER_NAME": None,
        }
    )
    migrate.upgrade(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(live_server):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.console_problems = []
        page.on(
            "console",
            lambda m: (
                page.console_problems.append(m.text) if m.type in ("error", "warning") else None
            ),
        )
        yield page
        browser.close()
