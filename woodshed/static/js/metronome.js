// The metronome: a pure beat grid, and a look-ahead scheduler on the Web Audio clock.
//
// `grid(settings)` yields every click of a run (time in seconds from its first click, bar,
// beat, accent level, tempo, muted by the gap trainer or not) and knows nothing of audio.
// `Metronome` takes its AudioContext as a parameter: a short timer calls `tick()`, which
// queues every click due before `currentTime + ahead` with `AudioBufferSourceNode.start(when)`
// at its exact time ("A Tale of Two Clocks"). The timer only wakes the scheduler; it never
// decides when a click sounds, so a busy main thread shorter than `ahead` delays nothing.
// Tests drive `tick()` from an OfflineAudioContext's suspend() callbacks instead.

export const MIN_BPM = 20;
export const MAX_BPM = 300;
/** Clicks per beat for each subdivision; swing plays two, the first lasting 2/3 of the beat. */
export const SUBDIVISIONS = { none: 1, eighths: 2, triplets: 3, sixteenths: 4, swing: 2 };
/** "off" keeps the visual beat only (a quiet room, a phone on silent). */
export const SOUNDS = ["wood", "beep", "tick", "off"];
/** Accent levels: 3 the bar's first beat, 2 a group's first beat, 1 a beat, 0 a subdivision. */
const GAINS = [0.35, 0.6, 0.8, 1.0];

/** Beat groups from text such as "2+2+3"; null unless they add up to the beats of the bar. */
export function parseGrouping(text, beats) {
  const trimmed = String(text ?? "").trim();
  if (!trimmed) return [beats];
  if (!/^\d+(\s*\+\s*\d+)*$/.test(trimmed)) return null;
  const groups = trimmed.split("+").map((n) => Number(n));
  if (groups.some((n) => n < 1) || groups.reduce((a, b) => a + b, 0) !== beats) return null;
  return groups;
}

/** The conventional grouping of a meter: 6/8 as 3+3, 7/8 as 2+2+3, 12/8 as 3+3+3+3. */
export function defaultGrouping(beats, unit) {
  if (unit === 8 && beats % 3 === 0 && beats > 3) return Array(beats / 3).fill(3);
  if (unit === 8 && beats === 7) return [2, 2, 3];
  if (unit === 8 && beats === 5) return [3, 2];
  if (beats === 5) return [3, 2];
  return [beats];
}

/** The tempo of bar `bar` (0 = the first bar after the count-in) under a ramp.
 *
 * The tempo changes only at bar lines: every `n` bars, every `n` run-throughs of a
 * passage `passageBars` long, or at the first bar line after each `n` minutes (`elapsed`
 * is the time from the first bar to this bar's start). It stops at the target.
 */
export function rampTempo(ramp, bar, elapsed = 0) {
  const size = Math.abs(ramp.step);
  let steps;
  if (ramp.every === "minutes") steps = Math.floor(elapsed / (ramp.n * 60) + 1e-9);
  else {
    const period = ramp.every === "reps" ? ramp.n * ramp.passageBars : ramp.n;
    steps = Math.floor(bar / period);
  }
  if (ramp.target >= ramp.start) return Math.min(ramp.target, ramp.start + steps * size);
  return Math.max(ramp.target, ramp.start - steps * size);
}

/** Problems with metronome or ramp settings, by field name (empty when all is well). */
export function checkSettings(s) {
  const errors = {};
  const inRange = (v) => Number.isFinite(v) && v >= MIN_BPM && v <= MAX_BPM;
  const range = `Enter a tempo from ${MIN_BPM} to ${MAX_BPM} bpm.`;
  if (!s.ramp && !inRange(s.bpm)) errors.bpm = range;
  if (!s.grouping) errors.grouping = `Groups must add up to ${s.beats} beats, e.g. 2+2+3.`;
  if (s.gap && (!(s.gap.play >= 1) || !(s.gap.mute >= 1)))
    errors.gap = "Play and mute at least one bar each.";
  if (s.ramp) {
    const r = s.ramp;
    if (!inRange(r.start)) errors.rampStart = range;
    if (!inRange(r.target)) errors.rampTarget = range;
    if (!(r.step >= 1 && r.step <= 50)) errors.rampStep = "Change by 1 to 50 bpm at a time.";
    if (!(r.n >= 1)) errors.rampN = "Enter a whole number of at least 1.";
    if (r.every === "reps" && !(r.passageBars >= 1))
      errors.rampN = "Give the passage's bars (e.g. 9-16) to ramp per run-through.";
    if (!errors.rampStart && !errors.rampTarget) {
      if (r.direction === "up" && r.target <= r.start)
        errors.rampTarget = "A ramp up needs a target above its start tempo.";
      if (r.direction === "down" && r.target >= r.start)
        errors.rampTarget = "A ramp down needs a target below its start tempo.";
    }
  }
  return errors;
}

/** Every click of a run, in order, for ever: {time, bar, beat, sub, level, bpm, muted, countIn}.
 *
 * settings: {bpm, beats, grouping: [..], subdivision, countIn: bars, gap: {play, mute} | null,
 * ramp: {start, step, every: "bars"|"reps"|"minutes", n, target, passageBars} | null}.
 * `bpm` counts the meter's beat unit. Times are exact sums of beat lengths from bar starts.
 */
export function* grid(settings) {
  const sub = SUBDIVISIONS[settings.subdivision] ?? 1;
  const swing = settings.subdivision === "swing";
  const firsts = new Set();
  let at = 0;
  for (const g of settings.grouping) {
    firsts.add(at);
    at += g;
  }
  const countIn = settings.countIn || 0;
  let barStart = 0;
  let firstBarStart = null;
  for (let bar = -countIn; ; bar += 1) {
    if (bar === 0) firstBarStart = barStart;
    const bpm = settings.ramp
      ? rampTempo(settings.ramp, Math.max(bar, 0), bar > 0 ? barStart - firstBarStart : 0)
      : settings.bpm;
    const beatLength = 60 / bpm;
    const gap = settings.gap;
    const muted = bar >= 0 && gap ? bar % (gap.play + gap.mute) >= gap.play : false;
    for (let beat = 0; beat < settings.beats; beat += 1) {
      for (let k = 0; k < sub; k += 1) {
        const offset = swing ? (k * 2 * beatLength) / 3 : (k * beatLength) / sub;
        let level = 0;
        if (k === 0) level = beat === 0 ? 3 : firsts.has(beat) ? 2 : 1;
        yield {
          time: barStart + beat * beatLength + offset,
          bar,
          beat,
          sub: k,
          level,
          bpm,
          muted,
          countIn: bar < 0,
        };
      }
    }
    barStart += settings.beats * beatLength;
  }
}

/** The highest tempo held for at least `minBars` whole bars in a row, finished by `at`
 * (seconds from the first click); bars before 0 (the count-in) do not count. */
export function tempoHeld(bars, at, minBars = 2) {
  let best = null;
  let run = 0;
  let previous = null;
  for (const b of bars) {
    if (b.bar < 0) continue;
    if (b.end > at + 1e-9) break;
    run = previous !== null && b.bpm === previous ? run + 1 : 1;
    previous = b.bpm;
    if (run >= minBars && (best === null || b.bpm > best)) best = b.bpm;
  }
  return best;
}

/** A synthesized click: a decaying cosine (wood, beep) or noise burst (tick), full scale at
 * its first sample so its onset is sharp. */
export function clickSamples(sound, level, sampleRate) {
  const pitch = { wood: [1400, 1800, 2000, 2400], beep: [660, 880, 880, 1320] }[sound] ?? [0, 0, 0, 0];
  const decay = sound === "beep" ? 0.02 : sound === "tick" ? 0.0025 : 0.004;
  const length = Math.round(sampleRate * Math.min(0.045, decay * 8));
  const data = new Float32Array(length);
  let seed = 12345 + level;
  for (let i = 0; i < length; i += 1) {
    const env = GAINS[level] * Math.exp(-i / (decay * sampleRate));
    if (sound === "tick") {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      data[i] = env * (i === 0 ? 1 : (seed / 1073741824 - 1) * 0.9);
    } else data[i] = env * Math.cos((2 * Math.PI * pitch[level] * i) / sampleRate);
  }
  return data;
}

export class Metronome {
  /** ctx: an AudioContext or OfflineAudioContext; onClick(click, when) for the visual beat. */
  constructor(ctx, { ahead = 0.2, interval = 0.025, sound = "wood", onClick = null } = {}) {
    this.ctx = ctx;
    this.ahead = ahead;
    this.interval = interval;
    this.sound = sound;
    this.onClick = onClick;
    this.timer = null;
    this.running = false;
    this.buffers = null;
  }

  _buffers() {
    if (!this.buffers || this.buffers.sound !== this.sound) {
      const rate = this.ctx.sampleRate;
      this.buffers = GAINS.map((_, level) => {
        const samples = clickSamples(this.sound, level, rate);
        const buffer = this.ctx.createBuffer(1, samples.length, rate);
        buffer.copyToChannel(samples, 0);
        return buffer;
      });
      this.buffers.sound = this.sound;
    }
    return this.buffers;
  }

  /** Start a run whose first click sounds at `when` (by default one look-ahead from now, so
   * an audio device still waking up does not make it late); `autoTick: false` leaves
   * ticking to the caller. */
  start(settings, { when = this.ctx.currentTime + this.ahead, autoTick = true } = {}) {
    this.stop();
    this.settings = settings;
    this.origin = when;
    this.clicks = grid(settings);
    this.next = this.clicks.next().value;
    this.bars = [];
    this.late = 0;
    this.lateBy = []; // seconds, for each click queued after its time
    this.scheduled = 0;
    this.stoppedAt = null;
    this.until = null;
    this.out = this.ctx.createGain();
    this.out.connect(this.ctx.destination);
    this._buffers();
    this.running = true;
    if (autoTick) this.timer = setInterval(() => this.tick(), this.interval * 1000);
    this.tick();
  }

  /** Queue every click due before currentTime + ahead at its exact time. */
  tick() {
    if (!this.running) return;
    const now = this.ctx.currentTime;
    const horizon = now + this.ahead;
    while (this.origin + this.next.time < horizon) {
      if (this.until != null && this.origin + this.next.time >= this.until - 1e-6) {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        this.running = false;
        this.stoppedAt = this.until;
        return;
      }
      const click = this.next;
      const when = this.origin + click.time;
      if (when < now) {
        this.late += 1;
        this.lateBy.push(now - when);
      }
      if (click.beat === 0 && click.sub === 0) {
        const last = this.bars[this.bars.length - 1];
        if (last) last.end = click.time;
        this.bars.push({ bar: click.bar, start: click.time, end: Infinity, bpm: click.bpm });
      }
      if (!click.muted && this.sound !== "off") {
        const source = this.ctx.createBufferSource();
        source.buffer = this.buffers[click.level];
        source.connect(this.out);
        source.start(when);
      }
      this.scheduled += 1;
      this.onClick?.(click, when);
      this.next = this.clicks.next().value;
      if (this.next.beat === 0 && this.next.sub === 0) {
        const last = this.bars[this.bars.length - 1];
        if (last) last.end = this.next.time;
      }
    }
  }

  /** Stop now (or at `at`): clicks already queued are cut off with the run's output. */
  stop(at = this.ctx.currentTime) {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.running) return;
    this.running = false;
    this.stoppedAt = at;
    this.out.disconnect();
  }

  /** The first bar line not queued yet: {when} on the context's clock and {bar} of the
   * grid (0 = the first bar after the count-in). `finishAt(when)` there and a new run
   * started there follow each other without a gap or a doubled click. */
  nextBarLine() {
    if (this.next.beat === 0 && this.next.sub === 0) {
      return { when: this.origin + this.next.time, bar: this.next.bar };
    }
    const last = this.bars[this.bars.length - 1];
    const start = last.start + (this.settings.beats * 60) / last.bpm;
    return { when: this.origin + start, bar: last.bar + 1 };
  }

  /** Queue no click at or after `when` (a bar line), then stop ticking; the clicks queued
   * before it still sound (a change of tempo or meter hands over to a new run there). */
  finishAt(when) {
    this.until = when;
    this.tick();
  }

  /** The tempo at the current (or a given) moment of the run. */
  tempoAt(at = this.ctx.currentTime) {
    const t = at - this.origin;
    let bpm = null;
    for (const b of this.bars) if (b.start <= t) bpm = b.bpm;
    return bpm;
  }

  /** The highest tempo held for two whole bars by now, or by when the run stopped. */
  held(at = this.stoppedAt ?? this.ctx.currentTime) {
    return tempoHeld(this.bars || [], at - this.origin);
  }
}
