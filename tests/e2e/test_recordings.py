"""In a real browser: record a take from Chromium's fake microphone (a WebM without a
duration), upload it resumably, let the worker process it, play it, pin a comment and tap
bar marks from the keyboard."""

from __future__ import annotations

import contextlib
import shutil

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, screenshot
from tests.e2e.test_import import register

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fake_microphone_browser(chromium_browser):
    # A second `sync_playwright()` cannot start while the session's one runs (its event loop
    # is "running" in this thread), so launch from the session's Playwright, whatever ran first.
    browser = chromium_browser.browser_type.launch(
        executable_path=shutil.which("chromium"),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield browser
    browser.close()


def test_a_take_is_recorded_uploaded_processed_and_commented(fake_microphone_browser, live_server):
    from woodshed.recordings import worker

    context = fake_microphone_browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["microphone"]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    try:
        base = live_server.url
        register(page, base)
        page.goto(f"{base}/recordings")
        page.click("text=Start recording")
        page.wait_for_selector("[data-record-time]:text-matches('^0:0[3-9]$')")
        screenshot(page, "recordings-recording-1280")
        page.click("text=Stop and upload")
        page.wait_for_url(f"{base}/recordings/*")
        assert page.locator("[data-processing]").is_visible()

        counts = live_server.seed(lambda: worker.run_once("e2e-worker"))
        assert counts.get("ready") == 1, counts
        page.wait_for_selector("[data-player] [data-waveform] div", state="attached")
        duration = page.locator("[data-player]").get_attribute("data-duration")
        assert float(duration) >= 2.5

        page.click("[data-comment-now]")
        page.fill("#c-at", "1.5")
        page.fill("#c-body", "The second note came in early")
        page.click("text=Pin comment")
        page.wait_for_selector("text=The second note came in early")
        assert "0:01.500" in page.locator(".comment .time").first.inner_text()

        # Bar marks tapped from the keyboard while it plays: B at 1 s, B at 2 s — the
        # comment at 1.5 s falls in bar 1 (it had no bars before).
        assert page.locator(".comment .bars").count() == 0
        for at, said in ((1.0, "Bar 1 marked at 0:01.0."), (2.0, "Bar 2 marked at 0:02.0.")):
            page.evaluate(
                """at => new Promise((done) => {
                    const media = document.querySelector("[data-media]");
                    media.addEventListener("seeked", done, { once: true });
                    media.currentTime = at;
                })""",
                at,
            )
            page.keyboard.press("b")
            page.wait_for_selector(f"[data-sync-status]:text-is('{said}')")
        page.reload()
        assert page.locator(".comment .bars").first.inner_text() == "bars 1"
        assert page.locator("[data-sync-list] li").count() == 2
        screenshot(page, "recordings-take-1280")
        page.set_viewport_size({"width": 360, "height": 800})
        screenshot(page, "recordings-take-360")
    finally:
        with contextlib.suppress(Exception):
            context.close()
    assert problems == []
