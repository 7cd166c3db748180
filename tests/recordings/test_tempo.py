"""Tempo of a take: click tracks at known tempos within 2 %, random onsets "no steady pulse"."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.recordings import media
from woodshed.recordings import processing, tempo

ENVELOPE_RATE = processing.ANALYSIS_RATE / processing.HOP


def _flux(samples: np.ndarray, seconds: float) -> np.ndarray:
    """The onset envelope the worker computes, from samples resampled to the analysis rate."""
    n = int(seconds * processing.ANALYSIS_RATE)
    idx = (np.arange(n) * media.RATE / processing.ANALYSIS_RATE).astype(int)
    envelope = processing.Envelope()
    envelope.add(samples[idx])
    return envelope.flux()


def test_click_tracks_from_40_to_220_bpm_with_jitter_are_within_2_percent():
    rng = np.random.default_rng(7)
    takes = np.linspace(40, 220, 60)
    good = 0
    for i, bpm in enumerate(takes):
        seconds = max(20.0, 16 * 60 / bpm)
        samples = media.click_track(bpm, seconds, jitter_ms=10, seed=i, start=0.3)
        prior = bpm * rng.uniform(0.85, 1.15)
        result = tempo.estimate(_flux(samples, seconds), ENVELOPE_RATE, prior_bpm=prior)
        good += result["steady"] and abs(result["bpm"] - bpm) / bpm <= 0.02
    assert good / len(takes) >= 0.95


@settings(max_examples=25)
@given(bpm=st.floats(40, 220), seed=st.integers(0, 10_000))
def test_the_prior_settles_half_and_double_tempo(bpm, seed):
    seconds = max(20.0, 16 * 60 / bpm)
    samples = media.click_track(bpm, seconds, jitter_ms=5, seed=seed, start=0.3)
    result = tempo.estimate(_flux(samples, seconds), ENVELOPE_RATE, prior_bpm=bpm * 1.1)
    assert result["steady"]
    assert abs(result["bpm"] - bpm) / bpm <= 0.02
    assert all(abs(s["bpm"] - bpm) / bpm <= 0.05 for s in result["segments"])


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), count=st.integers(10, 80))
def test_random_onsets_have_no_steady_pulse(seed, count):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0.2, 29.8, count))
    samples = media.clicks(list(times), 30.0)
    result = tempo.estimate(_flux(samples, 30.0), ENVELOPE_RATE, prior_bpm=100)
    assert result == {"bpm": None, "steady": False, "segments": []}


def test_silence_has_no_steady_pulse():
    assert tempo.estimate(np.zeros(1000), ENVELOPE_RATE)["steady"] is False
