"""How the tempo of a take really went: onsets, a beat period, a fit, or "no steady pulse".

numpy only. From the onset envelope the worker computed:

1. onsets are the envelope's peaks above an adaptive threshold (median + MAD), ≥ 60 ms apart;
2. the beat period is the median inter-onset interval; with a prior (the metronome's
   tempo during the take, or the passage's target) the multiple of it nearest the prior
   in log-tempo wins — the prior settles half/double errors, the onsets the exact value;
3. each onset gets its beat number from the interval before it, by rounding; a
   least-squares line through (beat number, time) gives the period over the whole take
   (and per ~10 s segment);
4. when fewer than 80 % of the intervals sit within 15 % of a whole number of beats, or
   the fitted beats scatter by more than 15 % of a beat, there is no steady pulse and no
   number is invented.
"""

from __future__ import annotations

import numpy as np

MIN_BPM, MAX_BPM = 30.0, 300.0
MIN_ONSETS = 8
TOLERANCE = 0.15
SEGMENT_SECONDS = 10.0


def onset_times(flux: np.ndarray, rate: float) -> np.ndarray:
    """Times (s) of the peaks of an onset envelope sampled at `rate` values per second."""
    if len(flux) < 3 or not np.any(flux > 0):
        return np.zeros(0)
    median = np.median(flux)
    mad = np.median(np.abs(flux - median)) or 1e-9
    threshold = max(median + 8 * mad, 0.1 * flux.max())
    peak = (flux[1:-1] > threshold) & (flux[1:-1] >= flux[:-2]) & (flux[1:-1] > flux[2:])
    idx = np.nonzero(peak)[0] + 1
    times: list[float] = []
    gap = 0.06
    for i in idx:
        # The value before the peak is where the attack began; refine between the two frames.
        t = (i - 0.5) / rate
        if times and t - times[-1] < gap:
            continue
        times.append(t)
    return np.array(times)


def _period(onsets: np.ndarray, prior_bpm: float | None) -> float | None:
    intervals = np.diff(onsets)
    intervals = intervals[(intervals > 60 / MAX_BPM / 2) & (intervals < 60 / MIN_BPM * 2)]
    if len(intervals) < MIN_ONSETS - 1:
        return None
    base = float(np.median(intervals))
    if prior_bpm:
        candidates = [base * m for m in (1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4)]
        candidates = [p for p in candidates if MIN_BPM <= 60 / p <= MAX_BPM]
        if candidates:
            return min(candidates, key=lambda p: abs(np.log((60 / p) / prior_bpm)))
    while 60 / base > MAX_BPM:
        base *= 2
    while 60 / base < MIN_BPM:
        base /= 2
    return base


def _fit(onsets: np.ndarray, period: float) -> tuple[float, float, np.ndarray]:
    """Least-squares (period, offset) through the onsets, each numbered from the one before
    (so a period a little off at the start cannot drift into misnumbered beats)."""
    steps = np.maximum(1, np.round(np.diff(onsets) / period))
    beats = np.concatenate([[0.0], np.cumsum(steps)])
    slope, offset = np.polyfit(beats, onsets, 1)
    period = float(slope)
    residuals = onsets - (offset + beats * period)
    return period, float(offset), residuals


def estimate(flux: np.ndarray, rate: float, prior_bpm: float | None = None) -> dict:
    """{"bpm", "steady", "segments"} for a take; bpm None when there is no steady pulse."""
    unsteady: dict = {"bpm": None, "steady": False, "segments": []}
    onsets = onset_times(flux, rate)
    if len(onsets) < MIN_ONSETS:
        return unsteady
    period = _period(onsets, prior_bpm)
    if period is None:
        return unsteady
    ratios = np.diff(onsets) / period
    near_whole = np.abs(ratios - np.round(ratios)) <= TOLERANCE
    if np.mean(near_whole & (np.round(ratios) >= 1)) < 0.8:
        return unsteady
    period, _offset, residuals = _fit(onsets, period)
    if period <= 0 or np.std(residuals) > TOLERANCE * period:
        return unsteady
    segments = []
    start = float(onsets[0])
    end_of_take = float(onsets[-1])
    while start < end_of_take:
        stop = start + SEGMENT_SECONDS
        inside = onsets[(onsets >= start) & (onsets < stop + 1e-9)]
        if len(inside) >= 4:
            local, _, _ = _fit(inside, period)
            segments.append(
                {
                    "start_seconds": round(start, 3),
                    "end_seconds": round(min(stop, end_of_take), 3),
                    "bpm": round(60 / local, 2),
                }
            )
        start = stop
    return {"bpm": round(60 / period, 2), "steady": True, "segments": segments}
