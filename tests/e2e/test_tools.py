"""The practice tools in Chromium: the metronome rendered through OfflineAudioContext and
held to the ideal grid, a real AudioContext under main-thread stalls, the tuner on synthetic
tones, tap tempo, tap-along after calibration, and a ramp run written into the log form."""

from __future__ import annotations

import itertools
import math
import re
import struct
import urllib.request
import wave
from fractions import Fraction
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import expect

from tests.e2e.conftest import launch_with_fake_microphone, screenshot, sign_in, watched_tab
from tests.factories import make_instrument, make_persona, make_piece

pytestmark = pytest.mark.e2e
_names = itertools.count()
RATE = 48000
ORIGIN = Fraction(1, 20)  # the first click sounds 50 ms into the render


def module(live_server, name: str) -> str:
    """The served (content-hashed) URL of a static module."""
    with live_server.app.test_request_context():
        return live_server.url + url_for("static", filename=f"js/{name}")


@pytest.fixture
def musician(live_server, page):
    """A musician with a piano and a piece, signed in, on the tools page."""
    name = f"toolsplayer{next(_names)}"

    def build():
        persona = make_persona(name, timezone="Europe/Berlin")
        make_instrument(persona.profile, "Piano")
        piece = make_piece(persona.profile, "Nocturne")
        return {"piece": str(piece.id), "email": persona.email, "password": persona.password}

    data = live_server.seed(build)
    sign_in(page, live_server.url, data["email"], data["password"], then="/tools")
    return data


# --- the metronome on the Web Audio clock ------------------------------------------------

RENDER = """async ({url, settings, seconds, rate, origin}) => {
  const { Metronome } = await import(url);
  const ctx = new OfflineAudioContext(1, Math.ceil(rate * seconds), rate);
  const metronome = new Metronome(ctx, { ahead: 0.2, sound: "wood" });
  metronome.start(settings, { when: origin, autoTick: false });
  // The scheduler's timer, played by the render: tick every 100 ms of audio time.
  for (let k = 1; k * 0.1 < seconds; k += 1)
    ctx.suspend(k * 0.1).then(() => { metronome.tick(); ctx.resume(); });
  const started = performance.now();
  const data = (await ctx.startRendering()).getChannelData(0);
  const renderMs = performance.now() - started;
  const onsets = [];
  for (let i = 0; i < data.length; i += 1) {
    if (Math.abs(data[i]) > 0.05) { onsets.push(i); i += Math.round(rate * 0.02); }
  }
  return { onsets, late: metronome.late, renderMs };
}"""


def ideal_onsets(seconds: int, bar_tempi, beats: int = 4) -> list[Fraction]:
    """The ideal click times (exact fractions) of a run that starts at ORIGIN."""
    times, start = [], ORIGIN
    for bar in itertools.count():
        beat = Fraction(60) / bar_tempi(bar)
        for k in range(beats):
            t = start + k * beat
            if t * RATE >= seconds * RATE:
                return times
            times.append(t)
        start += beats * beat


def render(page, live_server, settings: dict, seconds: int) -> dict:
    return page.evaluate(
        RENDER,
        {
            "url": module(live_server, "metronome.js"),
            "settings": settings,
            "seconds": seconds,
            "rate": RATE,
            "origin": float(ORIGIN),
        },
    )


def assert_on_the_grid(result: dict, ideal: list[Fraction]) -> None:
    onsets = result["onsets"]
    assert len(onsets) == len(ideal), "a click is missing or extra"
    worst = max(abs(onset - t * RATE) for onset, t in zip(onsets, ideal, strict=True))
    assert worst <= 1, f"an onset is {float(worst):.2f} samples off the grid"
    assert result["late"] == 0


BASE = {"beats": 4, "grouping": [4], "subdivision": "none", "countIn": 0, "gap": None}


def test_five_minutes_at_120_bpm_land_within_a_sample_of_the_grid(page, live_server, musician):
    result = render(page, live_server, BASE | {"bpm": 120, "ramp": None}, 300)
    assert_on_the_grid(result, ideal_onsets(300, lambda bar: 120))
    assert len(result["onsets"]) == 600


def test_a_ramp_from_60_to_92_lands_within_a_sample_of_the_grid(page, live_server, musician):
    ramp = {"direction": "up", "start": 60, "step": 4, "every": "bars", "n": 2, "target": 92}
    result = render(page, live_server, BASE | {"bpm": 60, "ramp": ramp}, 300)
    assert_on_the_grid(result, ideal_onsets(300, lambda bar: min(92, 60 + 4 * (bar // 2))))


HAND_OVER = """async ({url, rate, origin, base}) => {
  const { Metronome } = await import(url);
  const seconds = 8;
  const ctx = new OfflineAudioContext(1, rate * seconds, rate);
  const first = new Metronome(ctx, { ahead: 0.2, sound: "wood" });
  first.start({ ...base, bpm: 120, ramp: null }, { when: origin, autoTick: false });
  let second = null;
  let line = null;
  for (let k = 1; k * 0.1 < seconds; k += 1)
    ctx.suspend(k * 0.1).then(() => {
      if (k === 25) {  // 2.5 s in, mid-bar: 90 bpm in 3/4 from the next bar line on
        line = first.nextBarLine();
        first.finishAt(line.when);
        second = new Metronome(ctx, { ahead: 0.2, sound: "wood" });
        second.start({ ...base, bpm: 90, beats: 3, grouping: [3], ramp: null },
                     { when: line.when, autoTick: false });
      }
      first.tick();
      if (second) second.tick();
      ctx.resume();
    });
  const data = (await ctx.startRendering()).getChannelData(0);
  const onsets = [];
  for (let i = 0; i < data.length; i += 1) {
    if (Math.abs(data[i]) > 0.05) { onsets.push(i); i += Math.round(rate * 0.02); }
  }
  return { onsets, line, late: first.late + second.late, running: first.running };
}"""


def test_a_change_of_tempo_hands_over_at_the_next_bar_line(page, live_server, musician):
    # What the recorder does when the tempo or meter changes while it records: the run
    # in progress finishes its bar, the new one starts on the bar line — no gap, no
    # doubled click — and the bar line is the new segment of the metronome's log.
    result = page.evaluate(
        HAND_OVER,
        {
            "url": module(live_server, "metronome.js"),
            "rate": RATE,
            "origin": float(ORIGIN),
            "base": BASE,
        },
    )
    line = ORIGIN + 4  # 120 bpm in 4/4: bars of 2 s; 2.5 s in, the next bar line is bar 2
    assert result["line"]["bar"] == 2
    assert abs(result["line"]["when"] - float(line)) < 1e-9
    first = [ORIGIN + Fraction(k, 2) for k in range(8)]
    second = [line + Fraction(2 * k, 3) for k in range(6)]  # 90 bpm: 2/3 s a beat, to 8 s
    assert_on_the_grid(result, first + second)
    assert result["running"] is False


def test_the_grid_counts_in_mutes_gap_bars_and_ramps_down(page, live_server, musician):
    clicks = page.evaluate(
        """async (url) => {
          const { grid, rampTempo, checkSettings } = await import(url);
          const take = (settings, n) => {
            const out = [];
            for (const c of grid(settings)) { out.push(c); if (out.length === n) break; }
            return out;
          };
          const plain = { subdivision: "none", countIn: 0, gap: null, ramp: null };
          const gap = take({ ...plain, bpm: 60, beats: 3, grouping: [3], countIn: 1,
                             gap: { play: 1, mute: 2 } }, 15);
          const swing = take({ ...plain, bpm: 60, beats: 2, grouping: [2],
                               subdivision: "swing" }, 4);
          const groups = take({ ...plain, bpm: 120, beats: 7, grouping: [2, 2, 3] }, 7);
          const down = { direction: "down", start: 100, step: 10, every: "minutes", n: 1,
                         target: 75 };
          const up = { direction: "up", start: 92, step: 4, n: 2, every: "bars", target: 60 };
          const reps = { start: 60, step: 4, every: "reps", n: 2, passageBars: 8, target: 92 };
          return {
            gap: gap.map((c) => [c.bar, c.muted, c.countIn]),
            swing: swing.map((c) => c.time),
            levels: groups.map((c) => c.level),
            down: [0, 59, 60, 121, 500].map((s) => rampTempo(down, 0, s)),
            reps: rampTempo(reps, 16),
            below: checkSettings({ bpm: 80, beats: 4, grouping: [4], ramp: up }),
            range: checkSettings({ bpm: 301, beats: 4, grouping: [4], ramp: null }),
          };
        }""",
        module(live_server, "metronome.js"),
    )
    bars = [(bar, muted, count_in) for bar, muted, count_in in clicks["gap"][::3]]
    assert bars == [
        (-1, False, True),
        (0, False, False),
        (1, True, False),
        (2, True, False),
        (3, False, False),
    ]
    assert clicks["swing"] == pytest.approx([0, 2 / 3, 1, 1 + 2 / 3])
    assert clicks["levels"] == [3, 1, 2, 1, 2, 1, 1]
    assert clicks["down"] == [100, 100, 90, 80, 75]
    assert clicks["reps"] == 64
    assert "above its start" in clicks["below"]["rampTarget"]
    assert "20 to 300" in clicks["range"]["bpm"]


def test_no_click_is_late_while_the_main_thread_stalls_for_150_ms(page, live_server, musician):
    """A stall shorter than the look-ahead delays no click. Each tick notes how long the
    audio clock ran since the one before: on a starved machine (other processes holding
    the CPU) a gap may exceed the look-ahead, and only then may a click be late."""
    page.mouse.click(5, 5)  # a user gesture: the audio clock may run
    result = page.evaluate(
        """async (url) => {
          const { Metronome } = await import(url);
          const ctx = new AudioContext();
          await ctx.resume();
          const metronome = new Metronome(ctx, { ahead: 0.2 });
          const tick = metronome.tick.bind(metronome);
          let last = ctx.currentTime;
          const gaps = [], lateAfterShortGap = [];
          metronome.tick = () => {
            const now = ctx.currentTime, before = metronome.late;
            tick();
            if (metronome.late > before && now - last <= metronome.ahead)
              lateAfterShortGap.push(now - last);
            gaps.push(now - last);
            last = now;
          };
          metronome.start({ bpm: 240, beats: 4, grouping: [4], subdivision: "eighths",
                            countIn: 0, gap: null, ramp: null });
          let seed = 20260301;
          const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
          const started = ctx.currentTime;
          let stalls = 0;
          while (ctx.currentTime - started < 5) {
            await new Promise((done) => setTimeout(done, 30 + random() * 300));
            const until = performance.now() + 150;
            while (performance.now() < until) {}  // the main thread blocked for 150 ms
            stalls += 1;
          }
          metronome.stop();
          await ctx.close();
          return { late: metronome.late, lateAfterShortGap, stalls, scheduled: metronome.scheduled,
                   stalled: gaps.filter((g) => g >= 0.14).length,
                   starved: gaps.filter((g) => g > metronome.ahead).length };
        }""",
        module(live_server, "metronome.js"),
    )
    assert result["stalls"] >= 10
    assert result["stalled"] >= 10  # the stalls really held the scheduler up
    assert result["scheduled"] >= 5 * 8  # 240 bpm in eighths: 8 clicks a second
    assert result["lateAfterShortGap"] == [], result
    if result["starved"] == 0:
        assert result["late"] == 0, result


# --- tuner ----------------------------------------------------------------------------

TUNE = """async (url) => {
  const { detector, noteOf, Smoother } = await import(url);
  const rate = 48000, size = 4096, detect = await detector(size);
  let seed = 42;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const readings = [];
  for (let k = 0; k <= 40; k += 1) {
    const f = 41 * (2000 / 41) ** (k / 40);
    const sine = new Float32Array(size), rich = new Float32Array(size);
    const phases = Array.from({ length: 7 }, () => random() * 2 * Math.PI);
    for (let i = 0; i < size; i += 1) {
      sine[i] = 0.5 * Math.sin(2 * Math.PI * f * i / rate + phases[0]);
      let v = 0;
      for (let h = 1; h <= 6 && h * f < rate / 2; h += 1)
        v += Math.sin(2 * Math.PI * h * f * i / rate + phases[h]) / h;
      rich[i] = 0.3 * v + 0.03 * (random() * 2 - 1);  // harmonics and noise (about 25 dB below)
    }
    readings.push({ f, sine: detect(sine, rate), rich: detect(rich, rate) });
  }
  const smoother = new Smoother();
  const steady = [440, 441, 880, 439, 440, 880, 880, 880].map((f) => smoother.push(f, 0.95));
  // The microphone's first frames: silence, then a steady 196 Hz arriving part-way.
  const joining = (start) => Float32Array.from({ length: size }, (_, i) =>
    i < start ? 0 : 0.5 * Math.sin(2 * Math.PI * 196 * i / rate));
  const arriving = [2048, 512, 300, 128, 0].map((start) => detect(joining(start), rate).clarity);
  return {
    readings,
    arriving,
    names: [[41.2, 440, 0], [466.16, 440, 2], [440, 440, 9], [415, 415, 0]]
      .map(([f, a, t]) => noteOf(f, a, t)),
    steady,
  };
}"""


def test_the_tuner_reads_synthetic_tones_from_41_hz_to_2_khz(page, live_server, musician):
    result = page.evaluate(TUNE, module(live_server, "tuner.js"))
    for reading in result["readings"]:
        f = reading["f"]
        for kind, limit in (("sine", 1), ("rich", 3)):
            found = reading[kind]
            cents = 1200 * math.log2(found["frequency"] / f)
            assert abs(cents) <= limit, f"{kind} at {f:.1f} Hz read {cents:+.2f} cents"
            assert found["clarity"] >= 0.9
    names = [(n["name"], n["octave"], round(n["cents"])) for n in result["names"]]
    # E1; concert B♭4 is a written C5 on a B♭ instrument; A4 is F♯5 on an E♭ one; A at 415.
    assert names == [("E", 1, 0), ("C", 5, 0), ("F♯", 5, 0), ("A", 4, 0)]
    # One stray octave frame does not move the needle; three in a row do.
    assert result["steady"] == [440, 441, 441, 440, 440, 440, 440, 880]
    # A frame the tone is still arriving in does not count (here 300 of its 4,096 samples
    # silent, or more); once it fills nearly all of it (128 silent), it does.
    *arriving, settled, full = result["arriving"]
    assert arriving == [0, 0, 0]
    assert settled >= 0.9
    assert full >= 0.9


# --- tap tempo and tap-along -------------------------------------------------------------


def test_tap_tempo_reads_97_bpm_through_15_ms_of_jitter(page, live_server, musician):
    result = page.evaluate(
        """async (url) => {
          const { TapTempo } = await import(url);
          let seed = 97;
          const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
          const readings = [];
          for (let trial = 0; trial < 200; trial += 1) {
            const taps = new TapTempo();
            let bpm = null;
            for (let k = 0; k < 12; k += 1)
              bpm = taps.tap(1000 + k * 60000 / 97 + (random() * 30 - 15));
            readings.push(bpm);
          }
          const taps = new TapTempo();
          [0, 500, 1000, 1500].forEach((t) => taps.tap(t));
          const before = taps.bpm();
          [5000, 5400, 5800].forEach((t) => taps.tap(t));   // after a pause: a new tempo
          const after = taps.bpm();
          taps.tap(5900);                                    // a doubled tap starts again
          return { readings, before, after, doubled: taps.bpm() };
        }""",
        module(live_server, "rhythm.js"),
    )
    assert all(abs(bpm - 97) <= 1 for bpm in result["readings"])
    assert result["before"] == pytest.approx(120)
    assert result["after"] == pytest.approx(150)
    assert result["doubled"] is None


ALONG = """async (url) => {
  const { calibrate, detectOnsets, tapAlong } = await import(url);
  const rate = 48000, latency = 0.087;
  let seed = 3;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const gauss = () => Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
  // A recording: a faint noise floor, and a plucked note (or the click heard back) at each time.
  const record = (seconds, times) => {
    const out = new Float32Array(Math.ceil(seconds * rate));
    for (let i = 0; i < out.length; i += 1) out[i] = 0.004 * (random() * 2 - 1);
    for (const t of times) {
      const start = Math.round(t * rate);
      for (let i = 0; i < rate * 0.15 && start + i < out.length; i += 1)
        out[start + i] += 0.4 * Math.exp(-i / (0.04 * rate))
          * Math.cos(2 * Math.PI * 330 * i / rate);
    }
    return out;
  };
  const clicks = Array.from({ length: 8 }, (_, k) => 0.5 + k * 0.6);
  const heard = detectOnsets(record(6, clicks.map((c) => c + latency + 0.001 * gauss())), rate);
  const calibration = calibrate(clicks, heard);
  const beats = Array.from({ length: 64 }, (_, k) => 0.5 + k * 0.5);
  const played = beats.map((b) => b + 0.030 + 0.010 * gauss() + latency);
  const result = tapAlong(beats, detectOnsets(record(33, played), rate), calibration.latency, 0.5);
  const few = tapAlong(beats, played.slice(0, 5), calibration.latency, 0.5);
  return { latency: calibration.latency, result, few, deaf: calibrate(clicks, []) };
}"""


def test_tap_along_reads_a_player_30_ms_late_after_calibration(page, live_server, musician):
    out = page.evaluate(ALONG, module(live_server, "rhythm.js"))
    assert out["latency"] == pytest.approx(0.087, abs=0.002)
    result = out["result"]
    assert result["enough"]
    assert result["count"] == 64
    assert result["median"] == pytest.approx(30, abs=3)
    assert result["mean"] == pytest.approx(30, abs=3)
    assert 6 <= result["sd"] <= 14
    assert sum(b["count"] for b in result["histogram"]) == 64
    assert len(result["spread"]) == 8
    assert not out["few"]["enough"]
    assert "at least 12" in out["few"]["message"]
    assert out["deaf"]["latency"] is None
    assert "too few clicks" in out["deaf"]["reason"]


# --- the page --------------------------------------------------------------------------


def test_a_ramp_during_the_timer_is_prefilled_into_the_log(page, live_server, musician):
    page.select_option("#p-piece", label="Nocturne")
    page.fill("#p-bars", "9 - 16")
    page.click('[data-timer-action="start"]')
    status = page.locator("[data-record-status]")
    # Written as the pages write bars, whatever was typed.
    expect(status).to_contain_text("Recording into the log: Nocturne, bars 9–16.")
    for reps in ("clean", "clean", "clean", "slip", "clean"):
        page.click(f'[data-reps="{reps}"]')
    expect(page.locator("[data-reps-best]")).to_have_text("3")
    page.select_option("#m-meter", "2/4")
    page.click("[data-ramp-details] summary")
    page.check("#r-on")
    page.fill("#r-start", "200")
    page.fill("#r-step", "20")
    page.fill("#r-n", "2")
    page.fill("#r-target", "240")
    page.click("[data-metronome-toggle]")
    # 200 and 220 bpm for two bars each, then 240 held for two whole bars.
    expect(page.locator("[data-held]")).to_have_text("Held for two bars: 240 bpm.", timeout=15_000)
    screenshot(page, "tools-ramp-running")
    page.click('[data-timer-action="stop"]')  # stops the metronome too
    page.wait_for_url(re.compile(r"/journal/new\?"))
    assert page.input_value("#f-items-0-piece_id") == musician["piece"]
    assert page.input_value("#f-items-0-bars") == "9-16"
    assert page.input_value("#f-items-0-minutes") == "1"
    assert page.input_value("#f-items-0-tempo_bpm") == "240"
    assert page.input_value("#f-items-0-target_tempo_bpm") == "240"
    assert page.is_checked("#f-items-0-run_through")
    assert page.input_value("#f-notes") == "Nocturne, bars 9-16: 3 clean run-throughs in a row."
    page.click("main button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Logged")


def test_bad_settings_are_named_at_their_fields(page, live_server, musician):
    page.fill("#m-bpm", "400")
    page.click("[data-metronome-toggle]")
    expect(page.locator("#m-bpm-error")).to_have_text("Enter a tempo from 20 to 300 bpm.")
    page.fill("#m-bpm", "80")
    page.fill("#m-target", "19")
    page.click("[data-metronome-toggle]")
    expect(page.locator("#m-target-error")).to_have_text("Enter a tempo from 20 to 300 bpm.")
    expect(page.locator("#m-bpm-error")).to_be_hidden()
    page.fill("#m-target", "")
    page.click("[data-ramp-details] summary")
    page.check("#r-on")
    page.fill("#r-start", "92")
    page.fill("#r-target", "60")
    page.click("[data-metronome-toggle]")
    expect(page.locator("#r-target-error")).to_have_text(
        "A ramp up needs a target above its start tempo."
    )
    expect(page.locator("[data-metronome-toggle]")).to_have_text("Start")


def test_a_refused_microphone_is_explained_and_the_metronome_runs(page, live_server, musician):
    page.context.clear_permissions()
    page.evaluate(
        """() => { navigator.mediaDevices.getUserMedia = () =>
             Promise.reject(new DOMException("denied", "NotAllowedError")); }"""
    )
    page.click("[data-tuner-toggle]")
    expect(page.locator("[data-mic-problem]")).to_contain_text("The microphone is blocked")
    page.select_option("#m-sound", "off")  # the visual beat alone
    page.click("[data-metronome-toggle]")
    expect(page.locator("[data-metronome-toggle]")).to_have_text("Stop")
    expect(page.locator("[data-tempo-now]")).to_have_text("80")
    expect(page.locator(".beat-light.on")).to_have_count(1)
    page.click("[data-metronome-toggle]")


TAPS = """async ({count, every}) => {
  for (let k = 0; k < count; k += 1) {
    await new Promise((done) => setTimeout(done, every));
    document.dispatchEvent(new KeyboardEvent("keydown", { code: "Space", key: " " }));
  }
}"""


def test_tap_along_with_the_space_bar_shows_offsets_or_says_too_few(page, live_server, musician):
    page.fill("#m-bpm", "200")
    along = page.locator("[data-tapalong-toggle]")
    along.click()  # starts the metronome too
    expect(page.locator("[data-metronome-toggle]")).to_have_text("Stop")
    page.evaluate(TAPS, {"count": 3, "every": 300})
    along.click()
    result = page.locator("[data-tapalong-result]")
    expect(result).to_contain_text("play at least 12 for a reading")
    along.click()
    page.evaluate(TAPS, {"count": 16, "every": 300})  # in time, at some steady phase
    along.click()
    expect(result).to_contain_text(re.compile(r"1[4-6] notes: on average \d+ ms (late|early)"))
    expect(result.locator(".histogram span")).to_have_count(20)
    page.click("[data-metronome-toggle]")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_tools_page_fits_the_screen(page, live_server, musician, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, f"tools-{width}")


TOOLS_FILES = ("metronome", "tuner", "rhythm", "tools")
RESOURCES = """() => performance.getEntriesByType('resource')
    .filter(e => /\\.(js|css)$/.test(new URL(e.name).pathname))
    .map(e => ({name: new URL(e.name).pathname, encoded: e.encodedBodySize}))"""


def _served_size(url: str) -> int:
    """Bytes the server sends for `url` to a browser on plain HTTP (gzip, as Chromium asks)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, deflate"})
    with urllib.request.urlopen(request) as response:
        return len(response.read())  # urllib does not decode: these are the bytes on the wire


def test_the_tools_load_only_on_the_tools_page(page, live_server, musician):
    files = page.evaluate(RESOURCES)
    assert {f for f in TOOLS_FILES if any(f"/{f}." in r["name"] for r in files)} == set(TOOLS_FILES)
    # The tools page's budget, compressed. The offline service worker answers static files
    # from its Cache, where Chromium reports the stored (decoded) size as encodedBodySize;
    # so each file the page loaded is measured as the server sends it instead.
    weight = sum(_served_size(live_server.url + r["name"]) for r in files)
    assert weight / 1024 <= 45
    assert not [r for r in files if "/pitchy." in r["name"]]  # until the tuner starts
    for path in ("/", "/journal", "/journal/timer", "/stats"):
        page.goto(live_server.url + path)
        names = " ".join(r["name"] for r in page.evaluate(RESOURCES))
        assert not [f for f in TOOLS_FILES if f"/{f}." in names], path


def harmonic_wav(path, frequency: float, seconds: float = 3.0, rate: int = 48000) -> None:
    """A steady tone with five partials, 16-bit mono: what the fake microphone plays."""
    frames = bytearray()
    for i in range(int(seconds * rate)):
        v = sum(math.sin(2 * math.pi * h * frequency * i / rate) / h for h in range(1, 6))
        frames += struct.pack("<h", int(9000 * v))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


def test_the_tuner_names_the_note_the_microphone_hears(
    chromium_browser, chromium_executable, live_server, tmp_path, request
):
    """Chromium's fake microphone plays a G3 (196 Hz); the tuner shows G3 within a few cents,
    and E♭ instruments read it as their written E4."""
    wav = tmp_path / "g3.wav"
    harmonic_wav(wav, 196.0)
    browser = launch_with_fake_microphone(
        chromium_browser, chromium_executable, f"--use-file-for-fake-audio-capture={wav}"
    )
    try:
        with watched_tab(browser, request, viewport={"width": 1280, "height": 900}) as page:
            name = f"tuner{next(_names)}"
            live_server.seed(lambda: make_persona(name))
            password = f"{name}-plays-the-long-game"
            sign_in(page, live_server.url, f"{name}@example.org", password, "/tools")
            page.click("[data-tuner-toggle]")
            expect(page.locator("[data-tuner-note]")).to_have_text("G3", timeout=15_000)
            # Its first reading already (frames the tone was still arriving in do not count:
            # they read +2 to +4 cents), within the 1.9 cents measured on harmonic tones.
            cents = page.locator("[data-tuner-cents]").text_content()
            assert abs(int(cents.replace("−", "-").split()[0])) <= 2
            page.select_option("#t-transpose", "Eb")
            expect(page.locator("[data-tuner-note]")).to_have_text("E4")
            page.click("[data-tuner-toggle]")
    finally:
        browser.close()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def test_axe_finds_no_serious_problem_on_the_tools_page(page, live_server, musician):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make assets runs npm ci)")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # outside the page's CSP
    result = page.evaluate("() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
