"""The offline app in Chromium (issue 18, REL-SYNC): installable; logs and edits made with
the browser offline are kept in IndexedDB and sent once when it is back online; edits of
one entry on two devices merge field by field or wait in the conflicts inbox; a sync cut
off after the server saved stores nothing twice; a new service worker loses no queued
write; signing out deletes the account's offline data."""

from __future__ import annotations

import contextlib
import itertools
import re
import struct
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import request
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import log_session, make_persona, make_piece, make_plan
from woodshed.db import db
from woodshed.journal.models import PracticeSession
from woodshed.plans.models import PlanOccurrence
from woodshed.repertoire.models import Piece
from woodshed.sync import views as sync_views

pytestmark = [pytest.mark.e2e, pytest.mark.service_worker]
_names = itertools.count()


def _musician(live_server) -> dict:
    name = f"offline{next(_names)}"

    def build():
        persona = make_persona(name, timezone="UTC")
        entry = log_session(
            persona.profile,
            started_at=datetime.now(UTC) - timedelta(days=1),
            duration_minutes=30,
            notes="first notes",
        )
        return {
            "profile_id": persona.profile.id,
            "session_id": entry.id,
            "email": persona.email,
            "password": persona.password,
        }

    return live_server.seed(build)


def _sign_in(page, live_server, musician) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("#f-email", musician["email"])
    page.fill("#f-password", musician["password"])
    page.click("main button[type=submit]")
    expect(page.locator('meta[name="woodshed-offline"]')).to_have_count(1)
    _wait_for_shell(page)


def _wait_for_shell(page) -> None:
    """The service worker controls the page and has kept the account's pages."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
    page.wait_for_function(
        """async () => {
          const account = document.querySelector('meta[name="woodshed-offline"]').content;
          if (!(await caches.has('woodshed-pages-' + account))) return false;
          const cache = await caches.open('woodshed-pages-' + account);
          return Boolean((await cache.match('/')) && (await cache.match('/journal/new')));
        }""",
        timeout=60_000,
    )


def _sessions(live_server, musician) -> list[PracticeSession]:
    def read():
        rows = db.session.scalars(
            sa.select(PracticeSession)
            .where(PracticeSession.profile_id == musician["profile_id"])
            .order_by(PracticeSession.started_at)
        ).all()
        for row in rows:
            db.session.refresh(row)
        return [(r.id, r.duration_minutes, r.notes, r.version) for r in rows]

    return live_server.seed(read)


def _waiting(page) -> int:
    return int(page.locator("[data-offline-banner]").get_attribute("data-waiting") or 0)


def _synced(page) -> None:
    # Sending is one request after the other (each followed to the page it redirects to),
    # so several queued writes take several server round trips: on a busy CI machine that
    # is more than the 5 s default. The condition is the same: nothing left waiting.
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_have_attribute("data-waiting", "0", timeout=30_000)


def test_the_app_is_installable(live_server, page):
    musician = _musician(live_server)
    _sign_in(page, live_server, musician)
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    manifest = page.request.get(f"{live_server.url}{href}")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["name"]
    assert body["short_name"]
    assert body["display"] == "standalone"
    assert body["start_url"] == "/"
    assert body["scope"] == "/"
    assert body["theme_color"] == page.locator('meta[name="theme-color"]').get_attribute("content")
    sizes = {}
    for icon in body["icons"]:
        answer = page.request.get(f"{live_server.url}{icon['src']}")
        assert answer.ok, icon
        if icon["type"] == "image/png":
            data = answer.body()
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", data[16:24])
            assert icon["sizes"] == f"{width}x{height}"
            sizes.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert {192, 512} <= sizes["any"]
    assert 512 in sizes["maskable"]
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_server.url}/"
    # The start page opens from the worker with no network.
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Quick log")).to_be_visible()
    page.context.set_offline(False)


def test_logs_and_an_edit_made_offline_arrive_once(live_server, page):
    musician = _musician(live_server)
    _sign_in(page, live_server, musician)
    page.goto(f"{live_server.url}/journal/{musician['session_id']}/edit")  # kept for later
    page.goto(f"{live_server.url}/")
    page.context.set_offline(True)
    started = datetime.now(UTC)
    page.goto(f"{live_server.url}/")
    for minutes in ("15", "30", "60"):
        page.click(f".quick-presets button[value='{minutes}']")
    expect(page.locator("[data-offline-banner]")).to_contain_text("3 entries waiting to sync")
    expect(page.locator("[data-offline-banner]")).to_contain_text("Offline")
    screenshot(page, "offline-banner-1280")
    page.goto(f"{live_server.url}/journal/{musician['session_id']}/edit")
    page.fill("#f-notes", "edited in the basement")
    page.locator("form[data-session-form] button[type=submit]").last.click()
    expect(page.locator("[data-offline-banner]")).to_contain_text("4 entries waiting to sync")
    assert len(_sessions(live_server, musician)) == 1  # nothing pretends to be saved
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _synced(page)
    rows = _sessions(live_server, musician)
    assert sorted(r[1] for r in rows) == [15, 30, 30, 60]
    edited = next(r for r in rows if r[0] == musician["session_id"])
    assert edited[2] == "edited in the basement"
    # A quick log counts from when it was made, not from when it was sent.
    assert all(abs((started - datetime.now(UTC)).total_seconds()) < 120 for _ in rows)
    assert (
        page.evaluate(
            "indexedDB.databases()"
            ".then((d) => d.filter((x) => x.name.startsWith('woodshed-')).length)"
        )
        == 1
    )


def _edit_offline(page, live_server, musician, fill: dict[str, str]) -> None:
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/journal/{musician['session_id']}/edit")
    for selector, value in fill.items():
        page.fill(selector, value)
    page.locator("form[data-session-form] button[type=submit]").last.click()
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 entry waiting")


def _two_devices(new_tab, live_server, musician):
    """Two browser profiles of the same musician, each on the entry's edit page."""
    pages = []
    for _ in range(2):
        tab = new_tab(viewport={"width": 1200, "height": 900})
        _sign_in(tab, live_server, musician)
        tab.goto(f"{live_server.url}/journal/{musician['session_id']}/edit")
        pages.append(tab)
    return pages


def _go_online(page) -> None:
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _synced(page)


def test_two_devices_editing_one_entry_offline(live_server, new_tab):
    musician = _musician(live_server)
    phone, laptop = _two_devices(new_tab, live_server, musician)
    # Different fields: both changes are kept.
    _edit_offline(phone, live_server, musician, {"#f-duration_minutes": "45"})
    _edit_offline(laptop, live_server, musician, {"#f-notes": "laptop notes"})
    _go_online(phone)
    _go_online(laptop)
    [(_, minutes, notes, _)] = _sessions(live_server, musician)
    assert (minutes, notes) == (45, "laptop notes")
    # The same field: the later write is live, the other waits in the inbox.
    for tab in (phone, laptop):
        tab.goto(f"{live_server.url}/journal/{musician['session_id']}/edit")
    _edit_offline(phone, live_server, musician, {"#f-duration_minutes": "50"})
    _edit_offline(laptop, live_server, musician, {"#f-duration_minutes": "65"})
    _go_online(phone)
    _go_online(laptop)
    [(_, minutes, _, _)] = _sessions(live_server, musician)
    assert minutes == 65
    laptop.goto(f"{live_server.url}/sync")
    conflict = laptop.locator(".conflict")
    expect(conflict).to_have_count(1)
    expect(conflict.locator("[data-live]")).to_have_text("65 min")
    expect(conflict.locator("[data-other]")).to_have_text("50 min")
    screenshot(laptop, "offline-conflicts-1280")
    laptop.set_viewport_size({"width": 360, "height": 800})
    screenshot(laptop, "offline-conflicts-360")
    conflict.get_by_role("button", name="Keep “50 min”").click()
    expect(laptop.locator(".conflict")).to_have_count(0)
    [(_, minutes, _, _)] = _sessions(live_server, musician)
    assert minutes == 50


def test_a_sync_cut_off_after_the_server_saved_stores_nothing_twice(live_server, page):
    musician = _musician(live_server)
    _sign_in(page, live_server, musician)
    page.goto(f"{live_server.url}/")
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/")
    page.click(".quick-presets button[value='15']")
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 entry waiting")
    cut = []

    def commit_then_drop(route):
        if not cut:
            route.fetch()  # the server saves it …
            cut.append(1)
            route.abort("connectionreset")  # … and the answer never arrives
        else:
            route.continue_()

    page.route("**/journal/quick", commit_then_drop)
    page.context.set_offline(False)
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/journal/quick")):
        page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("[data-offline-banner]")).to_have_attribute("data-waiting", "1")
    assert cut == [1]
    assert len(_sessions(live_server, musician)) == 2
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the next attempt
    _synced(page)
    assert sorted(r[1] for r in _sessions(live_server, musician)) == [15, 30]


def test_a_new_service_worker_keeps_queued_writes(live_server, page, monkeypatch):
    musician = _musician(live_server)
    _sign_in(page, live_server, musician)
    page.goto(f"{live_server.url}/")
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/")
    page.click(".quick-presets button[value='30']")
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 entry waiting")
    # A deploy: the shell changes, so /sw.js is a new worker. Writes stay blocked meanwhile.
    monkeypatch.setattr(sync_views, "OFFLINE_PATHS", (*sync_views.OFFLINE_PATHS, "/goals"))
    page.route("**/journal/quick", lambda route: route.abort())
    page.context.set_offline(False)
    page.evaluate("navigator.serviceWorker.ready.then((r) => r.update())")
    update = page.locator("[data-update-banner]")
    expect(update).to_be_visible(timeout=60_000)
    assert _waiting(page) == 1
    # The reload comes after the new worker takes over (controllerchange), not at the click:
    # wait for that navigation itself, or the evaluate below runs in the page it replaces.
    with page.expect_navigation(timeout=60_000):
        update.get_by_role("button", name="Reload").click()
    page.wait_for_load_state()
    page.unroute("**/journal/quick")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _synced(page)
    assert sorted(r[1] for r in _sessions(live_server, musician)) == [30, 30]


def test_signing_out_deletes_the_accounts_offline_data(live_server, page):
    musician = _musician(live_server)
    _sign_in(page, live_server, musician)
    account = page.locator('meta[name="woodshed-offline"]').get_attribute("content")
    names = "indexedDB.databases().then((d) => d.map((x) => x.name))"
    assert f"woodshed-offline-{account}" in page.evaluate(names)
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert f"woodshed-offline-{account}" not in page.evaluate(names)
    assert not any(n.startswith("woodshed-pages-") for n in page.evaluate("caches.keys()"))
    # Another account on this browser starts with nothing of the first one's.
    other = _musician(live_server)
    _sign_in(page, live_server, other)
    second = page.locator('meta[name="woodshed-offline"]').get_attribute("content")
    assert second != account
    assert f"woodshed-offline-{account}" not in page.evaluate(names)
    assert f"woodshed-pages-{account}" not in page.evaluate("caches.keys()")


KEYS = """async function keys() {
  const account = document.querySelector('meta[name="woodshed-offline"]').content;
  const cache = await caches.open('woodshed-pages-' + account);
  return (await cache.keys()).map((r) => new URL(r.url).pathname);
}"""


def _poll(page, predicate: str, timeout: float = 60) -> None:
    """Until an async predicate (which may call keys()) is true: page.evaluate awaits it."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"(async () => {{ {KEYS}; return ({predicate})(); }})()"):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {predicate}"
        page.wait_for_timeout(250)


def _kept(page, path: str) -> bool:
    return page.evaluate(
        """async (path) => {
          const account = document.querySelector('meta[name="woodshed-offline"]').content;
          const cache = await caches.open('woodshed-pages-' + account);
          return Boolean(await cache.match(path));
        }""",
        path,
    )


def test_the_recent_journal_repertoire_plan_timer_and_tools_work_offline(live_server, page):
    name = f"offline{next(_names)}"

    def build():
        persona = make_persona(name, timezone="UTC")
        now = datetime.now(UTC)
        recent = [
            log_session(
                persona.profile,
                started_at=now - timedelta(days=2 * n, hours=1),
                duration_minutes=20 + n,
                notes=f"entry {n}",
            )
            for n in range(30)  # more than the list's first page (25)
        ]
        log_session(persona.profile, started_at=now - timedelta(days=70), notes="too old")
        piece = make_piece(persona.profile, "Ballade", sections=[("Coda", 200, 264)])
        plan = make_plan(
            persona.profile,
            {
                "kind": "recurring",
                "rrule": "FREQ=DAILY",
                "start_date": (now - timedelta(days=1)).date().isoformat(),
                "time_of_day": "23:59",
                "duration_minutes": 30,
            },
            title="Daily scales",
        )
        return {
            "profile_id": persona.profile.id,
            "email": persona.email,
            "password": persona.password,
            "oldest": recent[-1].id,
            "piece": str(piece.id),
            "plan": plan.id,
        }

    musician = live_server.seed(build)
    _sign_in(page, live_server, musician)
    # The musician's own pages follow the shell's: the last one kept is the plan's check-in.
    _poll(page, "() => keys().then((k) => k.some((u) => u.endsWith('/check-in')))")
    assert _kept(page, f"/journal/{musician['oldest']}")  # never opened
    page.context.set_offline(True)

    page.goto(f"{live_server.url}/journal")
    expect(page.locator(".entry-row")).to_have_count(30)  # the last 60 days, not one page
    expect(page.get_by_text("too old")).to_have_count(0)
    page.goto(f"{live_server.url}/journal/{musician['oldest']}")
    expect(page.get_by_text("entry 29")).to_be_visible()
    page.goto(f"{live_server.url}/repertoire")
    page.get_by_role("link", name="Ballade").first.click()
    expect(page.locator("main")).to_contain_text("Coda")
    page.goto(f"{live_server.url}/plans/{musician['plan']}")
    expect(page.get_by_role("heading", name="Daily scales")).to_be_visible()
    page.goto(f"{live_server.url}/plans")
    page.get_by_role("link", name="Check in").first.click()
    expect(page.get_by_role("heading", name="Check in: Daily scales")).to_be_visible()
    page.goto(f"{live_server.url}/tools")
    expect(page.get_by_role("heading", name="Practice tools")).to_be_visible()

    # The timer, offline: "Stop and log" opens the kept log form, filled in here.
    page.goto(f"{live_server.url}/journal/timer")
    page.select_option("#t-piece", label="Ballade")
    page.get_by_role("button", name="Start").click()
    key = f"woodshed.timer.{musician['profile_id']}"
    page.evaluate(
        """key => {
            const s = JSON.parse(localStorage.getItem(key));
            s.startedAt -= 750000; s.runningSince -= 750000;
            localStorage.setItem(key, JSON.stringify(s));
        }""",
        key,
    )
    page.reload()  # the kept timer page carries on from its state
    expect(page.locator("[data-timer-display]")).to_have_text(re.compile(r"^12:3\d$"))
    page.get_by_role("button", name="Stop and log").click()
    page.wait_for_url(re.compile(r"/journal/new\?started_at=.+&duration=13"))
    expect(page.locator("#f-duration_minutes")).to_have_value("13")
    expect(page.locator("#f-items-0-piece_id")).to_have_value(musician["piece"])
    started = page.input_value("#f-started_at")
    expected = datetime.now(UTC) - timedelta(seconds=750)
    logged = datetime.fromisoformat(started).replace(tzinfo=UTC)
    assert abs((logged - expected).total_seconds()) < 120, started
    page.locator("form[data-session-form] button[type=submit]").last.click()
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 entry waiting")
    # The kept form again (the same copy): another entry, not the same one twice — naming
    # a new piece and the bars worked, created with the entry when it is sent.
    page.goto(f"{live_server.url}/journal/new")
    page.fill("#f-duration_minutes", "20")
    page.fill("#f-items-0-piece_title", "Mazurka op. 17/4")
    page.fill("#f-items-0-bars", "33-40")
    page.locator("form[data-session-form] button[type=submit]").last.click()
    expect(page.locator("[data-offline-banner]")).to_contain_text("2 entries waiting")
    _go_online(page)
    minutes = sorted(r[1] for r in _sessions(live_server, musician))
    assert minutes.count(13) == 1
    assert minutes.count(20) == 2  # one seeded, one logged offline

    def new_piece():
        piece = db.session.scalars(
            sa.select(Piece).where(
                Piece.profile_id == musician["profile_id"], Piece.title == "Mazurka op. 17/4"
            )
        ).one()
        return [(s.label, s.bar_start, s.bar_end) for s in piece.sections]

    assert live_server.seed(new_piece) == [("bars 33–40", 33, 40)]


def test_a_connection_that_hangs_keeps_the_write_and_says_so(live_server, page, monkeypatch):
    # Lie-fi: the browser says it is online, but answers never come (or come too late).
    monkeypatch.setattr(sync_views, "SEND_WAIT_MS", 2000)
    musician = _musician(live_server)
    _sign_in(page, live_server, musician)
    page.goto(f"{live_server.url}/")
    held = []
    late = []

    def hang(route):
        if not held:
            held.append(route)  # never reaches the server, never answered
        elif not late:
            route.fetch()  # the server saves it, and its answer is held back
            late.append(route)
        else:
            route.continue_()

    page.route("**/journal/quick", hang)
    page.click(".quick-presets button[value='15']")  # sent at once: the browser is online
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_have_attribute("data-waiting", "1", timeout=15_000)
    expect(banner).to_contain_text("The connection is not answering.")
    expect(banner).to_contain_text("1 entry waiting to sync, kept on this device")
    expect(banner).not_to_contain_text("Offline.")
    expect(page.locator("[data-offline-notice]")).to_contain_text("Kept on this device")
    assert len(_sessions(live_server, musician)) == 1  # nothing pretends to be saved
    # The next attempt reaches the server, which saves it; its answer comes too late.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    deadline = time.monotonic() + 15
    while not late and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert late, "the second attempt never came"
    page.wait_for_timeout(2_500)  # past the wait: still kept, still said
    assert _waiting(page) == 1
    expect(banner).to_contain_text("The connection is not answering.")
    assert sorted(r[1] for r in _sessions(live_server, musician)) == [15, 30]
    # The connection recovers: sent again, saved once, and the banner says nothing is wrong.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _synced(page)
    expect(banner).not_to_contain_text("not answering")
    assert sorted(r[1] for r in _sessions(live_server, musician)) == [15, 30]
    for route in held + late:
        with contextlib.suppress(Exception):  # the page gave up on it already
            route.abort()


def _planned_musician(live_server) -> dict:
    """A musician with a plan due today, and its occurrence."""
    name = f"offline{next(_names)}"

    def build():
        persona = make_persona(name, timezone="UTC")
        log_session(persona.profile, started_at=datetime.now(UTC) - timedelta(days=1))
        today = persona.profile.today()  # the musician's day: before 04:00 it is yesterday
        make_plan(
            persona.profile,
            {
                "kind": "recurring",
                "rrule": "FREQ=DAILY",
                "start_date": (today - timedelta(days=1)).isoformat(),
                "time_of_day": "23:59",
                "duration_minutes": 30,
            },
            title="Daily scales",
        )
        occ = db.session.scalars(
            sa.select(PlanOccurrence).where(
                PlanOccurrence.profile_id == persona.profile.id,
                PlanOccurrence.practice_date == today,
            )
        ).one()
        return {
            "profile_id": persona.profile.id,
            "email": persona.email,
            "password": persona.password,
            "occurrence": occ.id,
        }

    return live_server.seed(build)


def _check_in_offline(page, live_server, musician) -> None:
    _sign_in(page, live_server, musician)
    _poll(page, "() => keys().then((k) => k.some((u) => u.endsWith('/check-in')))")
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/plans/occurrences/{musician['occurrence']}/check-in")
    page.locator("main form[data-offline-queue] button[type=submit]").first.click()
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 entry waiting")


def test_a_page_the_network_does_not_answer_in_time_comes_from_the_kept_copy(
    live_server, page, monkeypatch
):
    # Lie-fi for pages: the service worker answers with the kept copy after NETWORK_WAIT_MS
    # (8 s when served; shortened here, the worker reads it from the server's setting).
    monkeypatch.setattr(sync_views, "NETWORK_WAIT_MS", 1500)
    musician = _musician(live_server)
    _sign_in(page, live_server, musician)
    path = f"/journal/{musician['session_id']}"
    _poll(page, f"() => keys().then((k) => k.includes('{path}'))")

    def changed_on_the_server():
        db.session.get(PracticeSession, musician["session_id"]).notes = "changed on the server"

    live_server.seed(changed_on_the_server)
    release = threading.Event()
    held = []

    def hold():  # the server has the request and does not answer until released
        if request.path == path:
            held.append(request.path)
            release.wait(30)

    waiting = live_server.app.before_request_funcs.setdefault(None, [])
    waiting.insert(0, hold)
    try:
        started = time.monotonic()
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_text("first notes")).to_be_visible()
        assert held == [path]
        assert not release.is_set()  # shown while the server still holds its answer
        assert time.monotonic() - started >= 1.4
    finally:
        release.set()
        waiting.remove(hold)
    # The network's answer, when it came, replaced the kept copy.
    _poll(
        page,
        f"""async () => {{
          const account = document.querySelector('meta[name="woodshed-offline"]').content;
          const cache = await caches.open('woodshed-pages-' + account);
          const kept = await cache.match('{path}');
          return Boolean(kept) && (await kept.text()).includes('changed on the server');
        }}""",
    )


def test_a_check_in_refused_when_sent_is_kept_and_shown(live_server, page):
    musician = _planned_musician(live_server)
    _check_in_offline(page, live_server, musician)
    banner = page.locator("[data-offline-banner]")

    def skipped_elsewhere():
        from woodshed.plans import services as plans
        from woodshed.profiles.models import MusicianProfile

        profile = db.session.get(MusicianProfile, musician["profile_id"])
        plans.skip(profile, db.session.get(PlanOccurrence, musician["occurrence"]), "ill")

    live_server.seed(skipped_elsewhere)  # meanwhile, on another device
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(banner).to_contain_text("1 entry could not be saved", timeout=30_000)
    assert _waiting(page) == 0
    assert len(_sessions(live_server, musician)) == 1  # nothing saved, nothing pretended
    page.goto(f"{live_server.url}/sync")
    expect(page.locator("[data-sync-queue]")).to_contain_text("not saved")


def test_a_check_in_sent_again_after_its_answer_was_lost_is_saved_once(live_server, page):
    musician = _planned_musician(live_server)
    _check_in_offline(page, live_server, musician)
    cut = []

    def commit_then_drop(route):
        if route.request.method == "POST" and not cut:
            route.fetch()  # the server checks it in …
            cut.append(1)
            route.abort("connectionreset")  # … and the answer never arrives
        else:
            route.continue_()

    page.route("**/check-in", commit_then_drop)
    page.context.set_offline(False)
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/check-in")):
        page.evaluate("window.dispatchEvent(new Event('online'))")
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_have_attribute("data-waiting", "1")
    assert cut == [1]
    page.evaluate("window.dispatchEvent(new Event('online'))")  # sent again: already saved
    _synced(page)
    expect(banner).not_to_contain_text("could not be saved")
    sessions = _sessions(live_server, musician)
    assert len(sessions) == 2  # the seeded entry and the check-in, once

    def occurrence():
        occ = db.session.get(PlanOccurrence, musician["occurrence"])
        return occ.status, occ.session_id

    assert live_server.seed(occurrence) == ("completed", sessions[-1][0])
    page.goto(f"{live_server.url}/sync")
    expect(page.locator("[data-sync-status]")).to_have_text("Nothing is waiting to be sent.")
