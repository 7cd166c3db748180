"""Browser tests: the real app on a free port (its own migrated SQLite file, mail to the test
SMTP server) driven by Debian's Chromium through Playwright.

Without Chromium on PATH (`chromium-headless-shell`, or else `chromium`) they are skipped
with the reason; `make test` installs the headless shell with apt when CI=true. Every page a
test opens must load without a CSP violation or a script error: the `page` fixtures fail the
test otherwise.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, g
from werkzeug.serving import make_server

from tests.conftest import CHEAP_HASH, STATIC_BUILD_CACHE, TEMPLATE_CACHE
from tests.smtp import Mailbox
from woodshed import create_app, migrate, outbox
from woodshed.db import db

RESULTS = Path(__file__).resolve().parents[2] / "test-results"
#: Pictures for a person to look at, taken when asked (`WOODSHED_SCREENSHOTS=1 make test-e2e`):
#: no test reads them, and each costs Chromium a render of the whole page and a PNG (about
#: 15 of the pass's 240 CPU s for the ~60 of them).
SCREENSHOTS = os.environ.get("WOODSHED_SCREENSHOTS") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@dataclass
class LiveServer:
    url: str
    app: Flask
    mailbox: Mailbox

    def seed(self, build):
        """Run `build()` against the live database and commit; returns what it returns.

        It writes as a job does (`g.write_intent`: SQLite's write lock taken up front): a
        deferred transaction that read first fails at once with "database is locked" if the
        served app committed in between (seen when the machine was busy)."""
        with self.app.app_context():
            g.write_intent = True
            result = build()
            db.session.commit()
            return result


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp_server: Mailbox) -> Iterator[LiveServer]:
    """The whole app, served over HTTP by werkzeug in a background thread."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    database_url = f"sqlite:///{instance / 'woodshed.db'}"
    server = make_server("127.0.0.1", 0, None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "e2e-secret-key-that-is-long-enough-for-the-checks",
            "DATABASE_URL": database_url,
            "STORAGE_PATH": str(instance / "storage"),
            "SMTP_URL": smtp_server.url,
            "BASE_URL": url,
            "PASSWORD_HASH_PARAMS": CHEAP_HASH,
            "STATIC_BUILD_PATH": str(STATIC_BUILD_CACHE),
            "TEMPLATE_CACHE_PATH": str(TEMPLATE_CACHE),
            # Every person of every browser test signs in from 127.0.0.1: the per-address
            # limit for sign-ins and registrations (tested in tests/accounts) would refuse
            # the suite's later people with 429.
            "AUTH_RATE_LIMIT": "1000 per 15 minutes",
        }
    )
    migrate.upgrade(app)
    server.app = app

    def send_queued_mail() -> None:  # as `woodshed worker` would, before each read
        with app.app_context():
            outbox.run_once("e2e-worker", Counter())

    smtp_server.before_read = send_queued_mail
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield LiveServer(url, app, smtp_server)
    smtp_server.before_read = None
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["woodshed.engine"].dispose()


#: Debian's headless shell first: Chromium without the desktop browser's machinery, the build
#: Playwright itself uses for headless tests. The same 72 tests cost Chromium less than half the
#: CPU they cost the full `chromium` (CONTRIBUTING.md, "What runs where").
CHROMIUM_EXECUTABLES = ("chromium-headless-shell", "chromium")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    executable = next(filter(None, map(shutil.which, CHROMIUM_EXECUTABLES)), None)
    if executable is None:
        pytest.skip(
            "Chromium is not installed (CI=true make test installs Debian's "
            "chromium-headless-shell)"
        )
    return executable


@pytest.fixture(scope="session")
def chromium_browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _service_workers(request) -> str:
    """The offline service worker only where a test asks for it (`service_worker`): each
    new profile that installs it copies every static file, and after sign-in the shell and
    the musician's recent pages, which the app renders for it (about half a CPU second a
    test, in Chromium and in the served app). The offline tests and the whole account
    journey run with it, as every person's browser does."""
    return "allow" if request.node.get_closest_marker("service_worker") else "block"


def launch_with_fake_microphone(chromium_browser, executable: str, *args: str):
    """A second Chromium whose microphone is Chromium's fake device (a beep, or the file
    `--use-file-for-fake-audio-capture=` names) and never asks for permission.

    A second `sync_playwright()` cannot start while the session's one runs (its event loop
    is "running" in this thread), so it is launched from the session's Playwright."""
    fake = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", *args]
    return chromium_browser.browser_type.launch(
        executable_path=executable, args=[*CHROMIUM_ARGS, *fake]
    )


@contextlib.contextmanager
def watched_tab(browser, request, **context_options) -> Iterator:
    """A tab in a fresh browser profile (`context_options` as Playwright's `new_context`).

    Every page it opens must load without a CSP violation or a script error: after the
    block, the test fails with what the pages reported. Every browser test's tab comes from
    here: through the `page`, `browser_page` and `phone` fixtures, or `new_tab`."""
    context = browser.new_context(service_workers=_service_workers(request), **context_options)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))

    def console(msg) -> None:
        # A 4xx answer (a form re-rendered with errors) is expected, not a page problem.
        failed_load = msg.text.startswith("Failed to load resource")
        if (msg.type == "error" and not failed_load) or "Content Security Policy" in msg.text:
            problems.append(msg.text)

    tab.on("console", console)
    try:
        yield tab
    finally:
        with contextlib.suppress(Exception):
            context.close()
    assert problems == []


@pytest.fixture
def new_tab(chromium_browser, request):
    """Opens more tabs for one test: a second person's, another screen's, another browser's
    (`new_tab(browser=..., viewport=...)`). Each is a `watched_tab`, closed and checked when
    the test ends."""
    with contextlib.ExitStack() as tabs:

        def open_tab(browser=None, **context_options):
            tab = watched_tab(browser or chromium_browser, request, **context_options)
            return tabs.enter_context(tab)

        yield open_tab


#: A 360 px phone (Playwright's `new_context` options).
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def page(chromium_browser, live_server, request):
    """A fresh browser tab; the test fails if a page broke the CSP or threw an error."""
    options = {"viewport": {"width": 1200, "height": 900}, "locale": "en-GB"}
    with watched_tab(chromium_browser, request, **options) as tab:
        yield tab


@pytest.fixture
def browser_page(chromium_browser, live_server, request):
    """Like `page`, with relative URLs allowed and a browser clock that says it is in Tokyo."""
    options = {"viewport": {"width": 1280, "height": 900}, "timezone_id": "Asia/Tokyo"}
    with watched_tab(chromium_browser, request, base_url=live_server.url, **options) as tab:
        yield tab


@pytest.fixture
def phone(chromium_browser, live_server, request):
    """Like `page`, on a 360 px phone, with relative URLs allowed."""
    with watched_tab(chromium_browser, request, base_url=live_server.url, **PHONE) as tab:
        yield tab


def sign_in(page, base_url: str, email: str, password: str, then: str | None = "/") -> None:
    """Sign `page`'s browser profile in through the sign-in form's POST, then open `then`.

    The form is sent by the profile's own request client (it shares the cookies), so the
    sign-in page and the dashboard it leads to are not rendered: about 2 of Chromium's CPU
    seconds a test, most of the browser pass's set-up. Filling the form as a person does is
    tested where it is the subject (test_account_journey, test_mfa, test_layout, the
    offline and no-JavaScript sign-ins)."""
    login = f"{base_url}/login"
    form = page.request.get(login).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, "the sign-in page has no CSRF token"
    answer = page.request.post(
        login,
        form={"csrf_token": token[1], "email": email, "password": password},
        max_redirects=0,
    )
    # Signed in: sent on to the dashboard, not back to a sign-in step (a second factor).
    signed_in = answer.status == 302 and "/login" not in answer.headers.get("location", "")
    assert signed_in, f"signing in {email} answered {answer.status}"
    if then is not None:
        page.goto(f"{base_url}{then}")


def screenshot(target, name: str) -> None:
    """Keep a picture of a whole page, or of one element (a locator), in test-results/ when
    WOODSHED_SCREENSHOTS=1 asks for them."""
    if not SCREENSHOTS:
        return
    RESULTS.mkdir(exist_ok=True)
    whole = {"full_page": True} if hasattr(target, "goto") else {}  # a page, not a locator
    target.screenshot(path=str(RESULTS / f"{name}.png"), **whole)
