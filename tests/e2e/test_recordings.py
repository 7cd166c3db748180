"""In a real browser: record a take from Chromium's fake microphone (a WebM without a
duration), upload it resumably, let the worker process it, play it, pin a comment and tap
bar marks from the keyboard."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import launch_with_fake_microphone, screenshot
from tests.e2e.test_import import register

pytestmark = pytest.mark.e2e
#: A tab that may use the (fake) microphone.
MICROPHONE = {"viewport": {"width": 1280, "height": 900}, "permissions": ["microphone"]}


@pytest.fixture(scope="module")
def fake_microphone_browser(chromium_browser, chromium_executable):
    browser = launch_with_fake_microphone(
        chromium_browser, chromium_executable, "--autoplay-policy=no-user-gesture-required"
    )
    yield browser
    browser.close()


def test_a_take_is_recorded_uploaded_processed_and_commented(
    fake_microphone_browser, live_server, new_tab
):
    from woodshed.recordings import worker

    page = new_tab(browser=fake_microphone_browser, **MICROPHONE)
    page.set_default_timeout(20_000)
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
    # Pinning reloaded the page: its module (and the keys it answers) runs after the HTML
    # is there; a B pressed before it is lost. The waveform is drawn after the keys are set.
    page.wait_for_selector("[data-player] [data-waveform] div", state="attached")

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
        page.wait_for_selector(f"[data-marks-status]:text-is('{said}')")
    page.reload()
    assert page.locator(".comment .bars").first.inner_text() == "bars 1"
    assert page.locator("[data-sync-list] li").count() == 2
    screenshot(page, "recordings-take-1280")
    # Its own status, not the offline queue's (which once wrote over it).
    assert page.locator("[data-marks-status]").inner_text() == "2 bar marks"
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "recordings-take-360")
    page.set_viewport_size({"width": 1280, "height": 900})

    # One mark removed on its own, from the keyboard: Tab from the bar box past "is
    # here" and "Clear bar marks" reaches bar 1's Remove. Without bar 1 the comment at
    # 1.5 s comes before the only mark left (bar 2 at 2 s): it has no bars any more.
    page.focus("#s-bar")
    for _ in range(3):
        page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Remove the mark of bar 1"
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-marks-status]:text-is('The mark of bar 1 removed.')")
    marks = [" ".join(t.split()) for t in page.locator("[data-sync-list] li").all_inner_texts()]
    assert marks == ["bar 2 at 0:02.0 Remove"]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "Remove the mark of bar 2"
    )
    page.reload()
    assert page.locator(".comment .bars").count() == 0
    assert page.locator("[data-sync-list] li").count() == 1
    page.keyboard.press("Tab")  # the page is usable again after the last mark goes
    page.click("[data-sync-remove]")
    page.wait_for_selector("[data-marks-status]:text-is('The mark of bar 2 removed.')")
    assert page.locator("[data-sync-list]").is_hidden()


def test_a_take_recorded_with_the_metronome_gets_bars_from_its_log(
    fake_microphone_browser, live_server, new_tab
):
    import uuid

    import sqlalchemy as sa

    from woodshed.db import db
    from woodshed.recordings import worker
    from woodshed.recordings.models import Recording

    page = new_tab(browser=fake_microphone_browser, **MICROPHONE)
    page.set_default_timeout(20_000)
    base = live_server.url
    register(page, base)
    page.goto(f"{base}/recordings")
    # 120 BPM in 4/4 (a bar every 2 s) from bar 1; 1.5 s in, 60 BPM (4 s a bar): the
    # change starts at the next bar line, bar 2.
    page.check("[data-rec-click]")
    page.fill("#r-bpm", "120")
    page.fill("#r-beats", "4")
    screenshot(page, "recordings-metronome-1280")
    page.click("text=Start recording")
    page.wait_for_selector("[data-record-time]:text-matches('^0:01$')")
    page.fill("#r-bpm", "60")
    page.press("#r-bpm", "Tab")  # the change is made: the box loses focus
    page.wait_for_selector("[data-record-time]:text-matches('^0:0[6-9]$')")
    page.click("text=Stop and upload")
    page.wait_for_url(f"{base}/recordings/*")
    take_id = uuid.UUID(page.url.rsplit("/", 1)[1].split("#")[0])

    def log():
        return db.session.scalar(sa.select(Recording.metronome_log).where(Recording.id == take_id))

    segments = live_server.seed(log)
    assert len(segments) == 2, segments
    first, second = segments
    assert (first["bpm"], first["beats_per_bar"], first["bar"]) == (120, 4, 1)
    assert 0 <= first["at_ms"] < 1500  # the first click, a moment after the take began
    assert (second["bpm"], second["beats_per_bar"], second["bar"]) == (60, 4, 2)
    assert abs(second["at_ms"] - first["at_ms"] - 2000) <= 1  # one 4/4 bar at 120

    counts = live_server.seed(lambda: worker.run_once("e2e-worker"))
    assert counts.get("ready") == 1, counts
    page.wait_for_selector("[data-player] [data-waveform] div", state="attached")
    # No marks tapped: a comment 1 s into the second segment is in bar 2 …
    at = (second["at_ms"] + 1000) / 1000
    page.fill("#c-at", f"{at:.3f}")
    page.fill("#c-body", "Steady here")
    page.click("text=Pin comment")
    page.wait_for_selector("text=Steady here")
    assert page.locator(".comment .bars").first.inner_text() == "bars 2"
    # … and one just before the change, in bar 1.
    page.fill("#c-at", f"{(second['at_ms'] - 100) / 1000:.3f}")
    page.fill("#c-body", "Before the change")
    page.click("text=Pin comment")
    page.wait_for_selector("text=Before the change")
    bars = page.locator(".comment .bars").all_inner_texts()
    assert bars == ["bars 1", "bars 2"]
    said = page.locator("[data-metronome-log]").inner_text()
    assert said.startswith("Recorded with the metronome: 120 BPM, 4 a bar from bar 1 at 0:0")
    assert ", then 60 BPM, 4 a bar from bar 2 at 0:02." in said
    screenshot(page, "recordings-metronome-take-1280")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{base}/recordings")
    screenshot(page, "recordings-metronome-360")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
