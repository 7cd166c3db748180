// Timing from taps and onsets: tap tempo, onset detection, latency calibration and the
// tap-along feedback. Pure functions and small classes without audio or DOM, so the
// browser tests feed them synthetic taps and recordings.

export const TAP_RESET_MS = 2000;
const TAP_WINDOW = 12; // taps kept for the fit
const TAP_TOLERANCE = 0.3; // an interval this far off the median starts a new tempo

export function median(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Tap tempo: feed `tap(event.timeStamp)`; answers the tempo once there are 3 taps.
 *
 * A pause over 2 s starts again; the median interval of the recent taps sets what counts
 * as steady, an interval more than 30 % off it (a missed or doubled tap) starts again from
 * that tap; the tempo is the least-squares slope of tap time over tap number, which
 * averages the jitter of every tap instead of the two ends of each interval. */
export class TapTempo {
  constructor() {
    this.taps = [];
  }

  tap(ms) {
    const last = this.taps[this.taps.length - 1];
    if (last !== undefined && (ms - last > TAP_RESET_MS || ms <= last)) this.taps = [];
    this.taps.push(ms);
    if (this.taps.length > TAP_WINDOW) this.taps.shift();
    const intervals = this.taps.slice(1).map((t, i) => t - this.taps[i]);
    if (intervals.length >= 2) {
      const typical = median(intervals);
      const newest = intervals[intervals.length - 1];
      if (Math.abs(newest - typical) > TAP_TOLERANCE * typical) this.taps = this.taps.slice(-2);
    }
    return this.bpm();
  }

  bpm() {
    const n = this.taps.length;
    if (n < 3) return null;
    const meanI = (n - 1) / 2;
    const meanT = this.taps.reduce((a, b) => a + b, 0) / n;
    let num = 0;
    let den = 0;
    this.taps.forEach((t, i) => {
      num += (i - meanI) * (t - meanT);
      den += (i - meanI) ** 2;
    });
    return 60000 / (num / den);
  }

  reset() {
    this.taps = [];
  }
}

/** Onsets in a mono recording, in seconds: where the short-time energy (2 ms windows)
 * jumps above both a floor and `ratio` times the level just before, at most one per
 * `gap` seconds. The onset is placed at the first sample above half the window's peak. */
export function detectOnsets(samples, sampleRate, { floor = 0.02, ratio = 4, gap = 0.05 } = {}) {
  const hop = Math.max(1, Math.round(sampleRate * 0.002));
  const onsets = [];
  let previous = 0;
  let quietUntil = 0;
  for (let start = 0; start + hop <= samples.length; start += hop) {
    let peak = 0;
    for (let i = start; i < start + hop; i += 1) peak = Math.max(peak, Math.abs(samples[i]));
    if (start >= quietUntil && peak > floor && peak > ratio * previous) {
      // The window before may hold the very start of the attack.
      const from = Math.max(0, start - hop);
      let i = from;
      while (i < start + hop && Math.abs(samples[i]) < peak / 2) i += 1;
      onsets.push(i / sampleRate);
      quietUntil = start + Math.round(gap * sampleRate);
    }
    previous = Math.max(peak, previous * 0.5);
  }
  return onsets;
}

/** Pair each onset with the nearest expected time within half a `period`; the offsets in s. */
export function offsets(expected, onsets, period) {
  const result = [];
  let j = 0;
  for (const onset of onsets) {
    while (j + 1 < expected.length && expected[j + 1] <= onset) j += 1;
    const candidates = [expected[j], expected[j + 1]].filter((t) => t !== undefined);
    let best = null;
    for (const t of candidates) if (best === null || Math.abs(onset - t) < Math.abs(onset - best)) best = t;
    if (best !== null && Math.abs(onset - best) <= period / 2) result.push({ at: best, offset: onset - best });
  }
  return result;
}

export const MIN_CALIBRATION_CLICKS = 6;
export const MIN_ONSETS = 12;

/** The round trip from a scheduled click to its onset in the microphone recording: the
 * median delay of the clicks heard; null (with a reason) when too few were heard. */
export function calibrate(clickTimes, onsets, { maxLatency = 0.5 } = {}) {
  const delays = [];
  for (const click of clickTimes) {
    const heard = onsets.find((t) => t >= click - 0.005 && t <= click + maxLatency);
    if (heard !== undefined) delays.push(heard - click);
  }
  if (delays.length < MIN_CALIBRATION_CLICKS)
    return { latency: null, heard: delays.length, reason: "The microphone heard too few clicks: turn the sound up, or bring the device closer." };
  return { latency: median(delays), heard: delays.length, spread: median(delays.map((d) => Math.abs(d - median(delays)))) };
}

/** How early (−) or late (+) the notes were, in ms, after taking off the latency (s).
 * Honest: below MIN_ONSETS notes it says so instead of a verdict. */
export function tapAlong(beats, onsets, latency, period) {
  const pairs = offsets(beats, onsets.map((t) => t - latency), period);
  const ms = pairs.map((p) => p.offset * 1000);
  if (ms.length < MIN_ONSETS)
    return { enough: false, count: ms.length, offsets: ms, message: `Only ${ms.length} notes matched a beat — play at least ${MIN_ONSETS} for a reading.` };
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  const sd = Math.sqrt(ms.reduce((a, b) => a + (b - mean) ** 2, 0) / (ms.length - 1));
  return { enough: true, count: ms.length, offsets: ms, mean, median: median(ms), sd, histogram: histogram(ms), spread: spreadOverTime(ms) };
}

/** Offsets counted in 10 ms bins from −100 to +100 ms (the ends collect what is beyond). */
export function histogram(ms, width = 10, limit = 100) {
  const bins = [];
  for (let lo = -limit; lo < limit; lo += width) bins.push({ from: lo, to: lo + width, count: 0 });
  for (const v of ms) {
    const i = Math.min(bins.length - 1, Math.max(0, Math.floor((v + limit) / width)));
    bins[i].count += 1;
  }
  return bins;
}

/** The standard deviation of each run of 8 consecutive notes: is the timing settling? */
export function spreadOverTime(ms, size = 8) {
  const result = [];
  for (let i = 0; i + size <= ms.length; i += size) {
    const part = ms.slice(i, i + size);
    const mean = part.reduce((a, b) => a + b, 0) / size;
    result.push(Math.sqrt(part.reduce((a, b) => a + (b - mean) ** 2, 0) / (size - 1)));
  }
  return result;
}
