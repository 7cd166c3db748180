// Tuner and drone: pitch by the McLeod pitch method (pitchy, bundled with its fft.js by
// esbuild into vendor/pitchy.js), note names for concert and transposing instruments,
// smoothing so the needle does not jitter, and a sustained reference tone. pitchy is
// imported when the tuner starts, so the metronome and drone work (and load less) without it.

export const NOTE_NAMES = ["C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B"];
/** Semitones from concert pitch up to the written note of each instrument. */
export const TRANSPOSITIONS = { C: 0, Bb: 2, Eb: 9, F: 7 };
export const MIN_A4 = 415;
export const MAX_A4 = 466;
export const FRAME = 4096;
export const CLARITY = 0.9;

/** A frequency as the nearest note (written for a transposing instrument) and cents off it. */
export function noteOf(frequency, a4 = 440, transpose = 0) {
  const written = 69 + 12 * Math.log2(frequency / a4) + transpose;
  const midi = Math.round(written);
  return {
    midi,
    name: NOTE_NAMES[((midi % 12) + 12) % 12],
    octave: Math.floor(midi / 12) - 1,
    cents: (written - midi) * 100,
  };
}

/** The concert frequency of a MIDI note number at reference `a4`. */
export function frequencyOf(midi, a4 = 440) {
  return a4 * 2 ** ((midi - 69) / 12);
}

/** Whether a frame's sound is still arriving: its first eighth holds less than half the
 * frame's mean energy per eighth (the silence before the microphone joined, or a note's
 * attack). An eighth of a frame is nearly half a period of the lowest note the tuner
 * names (E1, 41 Hz), so a steady tone never looks like one. */
export function arriving(samples) {
  const eighth = samples.length >> 3;
  let first = 0;
  let all = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const energy = samples[i] ** 2;
    all += energy;
    if (i < eighth) first += energy;
  }
  return first < all / 16;
}

/** A pitch detector for frames of `size` samples: detect(samples, rate) → {frequency, clarity}.
 * A frame whose sound is still arriving reads a few cents off (+2 to +4 on a steady G3 from
 * the microphone), so it counts as unclear and the smoother skips it. */
export async function detector(size = FRAME) {
  const { PitchDetector } = await import("../vendor/pitchy.js");
  const pitchy = PitchDetector.forFloat32Array(size);
  pitchy.minVolumeDecibels = -60;
  return (samples, sampleRate) => {
    const [frequency, clarity] = pitchy.findPitch(samples, sampleRate);
    return { frequency, clarity: arriving(samples) ? 0 : clarity };
  };
}

/** Steadies a stream of readings: only clear frames count, the shown pitch is the median
 * of the last 5, and a jump of about an octave is believed only after 3 frames agree. */
export class Smoother {
  constructor({ size = 5, clarity = CLARITY, confirm = 3 } = {}) {
    this.size = size;
    this.clarity = clarity;
    this.confirm = confirm;
    this.frames = [];
    this.pending = [];
  }

  push(frequency, clarity) {
    if (!(clarity >= this.clarity) || !(frequency > 20)) return this.value();
    const current = this.value();
    const ratio = current ? frequency / current : 1;
    const octaveJump = current && (Math.abs(Math.log2(ratio) - 1) < 0.1 || Math.abs(Math.log2(ratio) + 1) < 0.1);
    if (octaveJump) {
      this.pending.push(frequency);
      if (this.pending.length < this.confirm) return current;
      this.frames = [...this.pending];
      this.pending = [];
      return this.value();
    }
    this.pending = [];
    // A new note (more than a semitone away) restarts the median.
    if (current && Math.abs(12 * Math.log2(ratio)) > 1) this.frames = [];
    this.frames.push(frequency);
    if (this.frames.length > this.size) this.frames.shift();
    return this.value();
  }

  value() {
    if (!this.frames.length) return null;
    const sorted = [...this.frames].sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  }
}

/** The microphone with the processing meant for speech switched off. */
export function microphone() {
  return navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
}

/** Words for a refused or missing microphone. */
export function microphoneProblem(error) {
  if (!navigator.mediaDevices?.getUserMedia) return "This browser offers no microphone here (it needs a secure https:// page).";
  if (error?.name === "NotAllowedError" || error?.name === "SecurityError")
    return "The microphone is blocked for this site. Allow it in the browser's site settings to use the tuner and tap-along by ear; the metronome, drone and tap tempo work without it.";
  if (error?.name === "NotFoundError" || error?.name === "OverconstrainedError")
    return "No microphone was found. Connect one to use the tuner; the metronome, drone and tap tempo work without it.";
  return `The microphone could not start (${error?.name || "unknown error"}).`;
}

/** A sustained tone: the fundamental with soft 2nd and 3rd harmonics, faded in and out. */
export class Drone {
  constructor(ctx) {
    this.ctx = ctx;
    this.osc = null;
  }

  start(frequency, volume = 0.25) {
    this.stop();
    const ctx = this.ctx;
    this.gain = ctx.createGain();
    this.gain.gain.setValueAtTime(0, ctx.currentTime);
    this.gain.gain.linearRampToValueAtTime(volume, ctx.currentTime + 0.15);
    this.gain.connect(ctx.destination);
    this.osc = ctx.createOscillator();
    const real = new Float32Array([0, 1, 0.35, 0.18]);
    this.osc.setPeriodicWave(ctx.createPeriodicWave(real, new Float32Array(real.length)));
    this.osc.frequency.value = frequency;
    this.osc.connect(this.gain);
    this.osc.start();
  }

  stop() {
    if (!this.osc) return;
    const end = this.ctx.currentTime + 0.15;
    this.gain.gain.cancelScheduledValues(this.ctx.currentTime);
    this.gain.gain.setValueAtTime(this.gain.gain.value, this.ctx.currentTime);
    this.gain.gain.linearRampToValueAtTime(0, end);
    this.osc.stop(end + 0.01);
    this.osc = null;
  }
}
