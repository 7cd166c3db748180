// The practice tools page: wires the metronome, tap tempo, tuner, drone and tap-along to
// their controls. Audio timing lives in metronome.js (the Web Audio clock); drawing runs in
// requestAnimationFrame and pitch detection in its own frames, never in the scheduler's tick.
import { Metronome, checkSettings, defaultGrouping, parseGrouping, MIN_BPM, MAX_BPM } from "./metronome.js";
import { record as recordRun, timerState } from "./practice-record.js";
import { TapTempo, calibrate, detectOnsets, tapAlong } from "./rhythm.js";
import { Drone, FRAME, MAX_A4, MIN_A4, Smoother, TRANSPOSITIONS, detector, frequencyOf, microphone, microphoneProblem, noteOf } from "./tuner.js";

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
const setting = (name) => $(`[data-setting="${name}"]`);
const timerKey = $("[data-timer]")?.dataset.timerKey;

let ctx = null;
/** The one AudioContext, made on the first tap (browsers start it suspended otherwise). */
async function audio() {
  if (!ctx) ctx = new AudioContext({ latencyHint: "interactive" });
  if (ctx.state === "suspended") await ctx.resume();
  $("[data-audio-note]").hidden = ctx.state === "running";
  return ctx;
}

function showErrors(errors, scope = document) {
  for (const p of $$("[data-error-for]", scope)) {
    const message = errors[p.dataset.errorFor];
    p.textContent = message || "";
    p.hidden = !message;
    const input = p.id ? $(`[aria-describedby~="${p.id}"]`) : null;
    if (input) input.setAttribute("aria-invalid", message ? "true" : "false");
  }
}

const number = (name) => (setting(name).value.trim() === "" ? NaN : Number(setting(name).value));

// --- passage ---------------------------------------------------------------------------

const BARS = /^\s*(\d{1,4})\s*(?:[-–]\s*(\d{1,4}))?\s*$/;

function passage() {
  const piece = $("[data-passage-piece]");
  const text = $("[data-passage-bars]").value.trim();
  const m = BARS.exec(text);
  let error = "";
  let length = null;
  if (text && (!m || Number(m[1]) < 1 || (m[2] && Number(m[2]) < Number(m[1]))))
    error = "Bars are a number or a range such as 9-16, the first at least 1.";
  else if (m) length = m[2] ? Number(m[2]) - Number(m[1]) + 1 : 1;
  return {
    pieceId: piece.value,
    title: piece.value ? piece.selectedOptions[0].textContent : "",
    bars: error || !m ? "" : m[2] ? `${Number(m[1])}-${Number(m[2])}` : String(Number(m[1])),
    length,
    error,
  };
}

// Bars in words as the pages write them (repertoire.models.bar_range): "bars 9–16", "bars 12".
function barsInWords(bars) {
  return `bars ${bars.replace("-", "–")}`;
}

function recordStatus() {
  const p = passage();
  const running = Boolean(timerState(timerKey)?.runningSince);
  $("[data-record-status]").textContent = !running
    ? "Start the timer to record this passage's time and tempo into your log."
    : p.pieceId
      ? `Recording into the log: ${p.title}${p.bars ? `, ${barsInWords(p.bars)}` : ""}.`
      : "The timer runs: choose a piece to record what the metronome measures.";
}

// --- wake lock -------------------------------------------------------------------------

const busy = new Set();
let wakeLock = null;
async function keepAwake(tool, on) {
  if (on) busy.add(tool);
  else busy.delete(tool);
  if (!("wakeLock" in navigator)) return;
  try {
    if (busy.size && !wakeLock) {
      wakeLock = await navigator.wakeLock.request("screen");
      wakeLock.addEventListener("release", () => (wakeLock = null));
    } else if (!busy.size && wakeLock) await wakeLock.release();
  } catch {
    // Refused (battery saver, hidden page): the tools work, the screen may dim.
  }
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && busy.size) keepAwake([...busy][0], true);
});

// --- metronome -------------------------------------------------------------------------

const metronomeRoot = $("[data-metronome]");
const toggle = $("[data-metronome-toggle]");
const lights = $("[data-beat-lights]");
const flashes = []; // {when, click}: drawn when the audio clock gets there
const beatsHeard = []; // context times of beats, for the tap-along
let metronome = null;
let runStartedAt = 0; // Date.now() of the run's start, for the minutes in the log
let runPassage = null;

function meter() {
  const [beats, unit] = setting("meter").value.split("/").map(Number);
  return { beats, unit };
}

function readSettings() {
  const { beats, unit } = meter();
  const groupingText = setting("grouping").value;
  const p = passage();
  const settings = {
    bpm: number("bpm"),
    beats,
    unit,
    grouping: groupingText.trim() ? parseGrouping(groupingText, beats) : defaultGrouping(beats, unit),
    subdivision: setting("subdivision").value,
    countIn: Math.max(0, Math.min(4, number("countIn") || 0)),
    gap: setting("gapOn").checked ? { play: number("gapPlay"), mute: number("gapMute") } : null,
    ramp: setting("rampOn").checked
      ? {
          direction: setting("rampDirection").value,
          start: number("rampStart"),
          step: number("rampStep"),
          n: number("rampN"),
          every: setting("rampEvery").value,
          target: number("rampTarget"),
          passageBars: p.length,
        }
      : null,
  };
  const errors = checkSettings(settings);
  if (p.error) errors.bars = p.error;
  const target = number("target");
  if (!Number.isNaN(target) && !(target >= MIN_BPM && target <= MAX_BPM)) errors.target = `Enter a tempo from ${MIN_BPM} to ${MAX_BPM} bpm.`;
  return { settings, errors };
}

function drawLights(beats, grouping) {
  lights.replaceChildren();
  const firsts = new Set();
  grouping.reduce((at, g) => (firsts.add(at), at + g), 0);
  for (let i = 0; i < beats; i += 1) {
    const dot = document.createElement("span");
    dot.className = `beat-light${i === 0 ? " downbeat" : firsts.has(i) ? " group" : ""}`;
    lights.append(dot);
  }
}

function targetTempo(settings) {
  if (settings.ramp) return settings.ramp.target;
  const target = number("target");
  return Number.isNaN(target) ? null : target;
}

async function startMetronome() {
  const { settings, errors } = readSettings();
  showErrors(errors, metronomeRoot);
  showErrors(errors, $("[data-passage]"));
  if (Object.keys(errors).length) return;
  const context = await audio();
  drawLights(settings.beats, settings.grouping);
  metronome ??= new Metronome(context, {
    onClick: (click, when) => {
      flashes.push({ when, click });
      if (click.sub === 0 && !click.countIn) beatsHeard.push(when);
    },
  });
  metronome.sound = setting("sound").value;
  beatsHeard.length = 0;
  metronome.start(settings);
  runStartedAt = Date.now();
  runPassage = { ...passage(), target: targetTempo(settings) };
  toggle.textContent = "Stop";
  toggle.setAttribute("aria-pressed", "true");
  keepAwake("metronome", true);
  requestAnimationFrame(draw);
}

/** Stop the run; record its time and the tempo held into the timer's log, if one runs. */
function stopMetronome() {
  if (!metronome?.running) return;
  metronome.stop();
  const held = metronome.held();
  if (runPassage?.pieceId) {
    const { pieceId, title, bars, target } = runPassage;
    recordRun(timerKey, { pieceId, title, bars }, { ms: Date.now() - runStartedAt, tempo: held, target });
  }
  $("[data-held]").textContent = held ? `Tempo reached: ${held} bpm (held for two whole bars).` : "No tempo held for two whole bars yet.";
  $("[data-held]").dataset.value = held ?? "";
  toggle.textContent = "Start";
  toggle.setAttribute("aria-pressed", "false");
  for (const dot of lights.children) dot.classList.remove("on");
  keepAwake("metronome", false);
}

function draw() {
  if (!metronome?.running) return;
  const latency = (ctx.outputLatency || 0) + (ctx.baseLatency || 0);
  const now = ctx.currentTime - latency;
  let shown = null;
  while (flashes.length && flashes[0].when <= now) shown = flashes.shift();
  if (shown && shown.click.sub === 0) {
    const { click } = shown;
    [...lights.children].forEach((dot, i) => {
      dot.classList.toggle("on", i === click.beat);
      dot.classList.toggle("muted", click.muted);
    });
    $("[data-tempo-now]").textContent = String(click.bpm);
    $("[data-bar-now]").textContent = click.countIn ? "count-in" : `bar ${click.bar + 1}${click.muted ? " (silent)" : ""}`;
    const held = metronome.held(ctx.currentTime);
    $("[data-held]").textContent = held ? `Held for two bars: ${held} bpm.` : "";
  }
  requestAnimationFrame(draw);
}

toggle.addEventListener("click", () => (metronome?.running ? stopMetronome() : startMetronome()));
// Stopping the timer while the metronome runs: record the run before the timer leaves.
document.addEventListener("click", (event) => {
  if (event.target.closest?.('[data-timer-action="stop"]')) stopMetronome();
}, true);
document.addEventListener("click", (event) => {
  if (event.target.closest?.("[data-timer-action]")) setTimeout(recordStatus);
});
$("[data-passage-piece]").addEventListener("change", (event) => {
  // The timer's own piece follows the passage's, while the timer can still change.
  const timerPiece = $("[data-timer-piece]");
  if (timerPiece && !timerPiece.disabled && [...timerPiece.options].some((o) => o.value === event.target.value)) {
    timerPiece.value = event.target.value;
    timerPiece.dispatchEvent(new Event("change"));
  }
  recordStatus();
});
$("[data-passage-bars]").addEventListener("change", () => {
  const p = passage();
  showErrors(p.error ? { bars: p.error } : {}, $("[data-passage]"));
  recordStatus();
});
setting("meter").addEventListener("change", () => {
  const { beats, unit } = meter();
  setting("grouping").value = defaultGrouping(beats, unit).length > 1 ? defaultGrouping(beats, unit).join("+") : "";
});

// --- tap tempo -------------------------------------------------------------------------

const taps = new TapTempo();
$("[data-tap]").addEventListener("pointerdown", (event) => {
  const bpm = taps.tap(event.timeStamp);
  if (bpm === null) {
    $("[data-tap-readout]").textContent = "Keep tapping…";
    return;
  }
  const rounded = Math.round(Math.min(MAX_BPM, Math.max(MIN_BPM, bpm)));
  setting("bpm").value = rounded;
  $("[data-tap-readout]").textContent = `Tapped ${rounded} bpm.`;
});

// --- repetition counter ----------------------------------------------------------------

let streak = 0;
let best = 0;
let repsPassage = "";
for (const button of $$("[data-reps]")) {
  button.addEventListener("click", () => {
    const p = passage();
    // The counter is per passage: another piece or bar range starts from nothing.
    if (`${p.pieceId}|${p.bars}` !== repsPassage) [streak, best, repsPassage] = [0, 0, `${p.pieceId}|${p.bars}`];
    streak = button.dataset.reps === "clean" ? streak + 1 : 0;
    best = Math.max(best, streak);
    $("[data-reps-count]").textContent = String(streak);
    $("[data-reps-best]").textContent = String(best);
    if (p.pieceId) recordRun(timerKey, p, { streak });
  });
}

// --- tuner and drone -------------------------------------------------------------------

const tunerToggle = $("[data-tuner-toggle]");
let listening = null;

function tuning() {
  const a4 = number("a4");
  const errors = a4 >= MIN_A4 && a4 <= MAX_A4 ? {} : { a4: `Enter a reference from ${MIN_A4} to ${MAX_A4} Hz.` };
  showErrors(errors, $("[data-tuner]"));
  return errors.a4 ? null : { a4, transpose: TRANSPOSITIONS[setting("transpose").value] };
}

function micProblem(message) {
  const p = $("[data-mic-problem]");
  p.textContent = message || "";
  p.hidden = !message;
}

async function startTuner() {
  if (!tuning()) return;
  const context = await audio();
  let detect;
  try {
    detect = await detector(FRAME);
  } catch {
    micProblem("The tuner's pitch library is missing from this installation (`make assets` installs it); the other tools work.");
    return;
  }
  let stream;
  try {
    stream = await microphone();
  } catch (error) {
    micProblem(microphoneProblem(error));
    return;
  }
  micProblem("");
  const source = context.createMediaStreamSource(stream);
  const analyser = context.createAnalyser();
  analyser.fftSize = FRAME;
  source.connect(analyser);
  const frame = new Float32Array(FRAME);
  const smoother = new Smoother();
  listening = { stream, source };
  tunerToggle.textContent = "Stop listening";
  tunerToggle.setAttribute("aria-pressed", "true");
  keepAwake("tuner", true);
  const step = () => {
    if (!listening) return;
    analyser.getFloatTimeDomainData(frame);
    const { frequency, clarity } = detect(frame, context.sampleRate);
    const steady = smoother.push(frequency, clarity);
    const t = tuning();
    if (steady && t) {
      const note = noteOf(steady, t.a4, t.transpose);
      $("[data-tuner-note]").textContent = `${note.name}${note.octave}`;
      $("[data-tuner-freq]").textContent = ` ${steady.toFixed(1)} Hz`;
      $("[data-tuner-cents]").textContent = `${note.cents >= 0 ? "+" : "−"}${Math.abs(note.cents).toFixed(0)} cents`;
      $("[data-needle]").style.setProperty("--cents", (note.cents / 50).toFixed(3));
      $("[data-needle]").classList.toggle("in-tune", Math.abs(note.cents) < 5);
    }
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

function stopTuner() {
  listening?.stream.getTracks().forEach((t) => t.stop());
  listening?.source.disconnect();
  listening = null;
  tunerToggle.textContent = "Listen";
  tunerToggle.setAttribute("aria-pressed", "false");
  keepAwake("tuner", false);
}

tunerToggle.addEventListener("click", () => (listening ? stopTuner() : startTuner()));

let drone = null;
const droneToggle = $("[data-drone-toggle]");
function droneFrequency() {
  const t = tuning();
  if (!t) return null;
  const written = (Number(setting("droneOctave").value) + 1) * 12 + Number(setting("droneNote").value);
  return frequencyOf(written - t.transpose, t.a4);
}
droneToggle.addEventListener("click", async () => {
  if (drone?.osc) {
    drone.stop();
    droneToggle.textContent = "Drone on";
    droneToggle.setAttribute("aria-pressed", "false");
    keepAwake("drone", false);
    return;
  }
  const frequency = droneFrequency();
  if (!frequency) return;
  drone ??= new Drone(await audio());
  drone.start(frequency);
  droneToggle.textContent = "Drone off";
  droneToggle.setAttribute("aria-pressed", "true");
  keepAwake("drone", true);
});
for (const name of ["droneNote", "droneOctave", "a4", "transpose"]) {
  setting(name).addEventListener("change", () => {
    const frequency = droneFrequency();
    if (drone?.osc && frequency) drone.osc.frequency.setTargetAtTime(frequency, ctx.currentTime, 0.02);
  });
}

// --- tap-along -------------------------------------------------------------------------

const alongRoot = $("[data-tapalong]");
const alongToggle = $("[data-tapalong-toggle]");
let along = null; // {onsets: [context seconds], capture}
let roundTrip = null; // seconds, measured by the calibration

/** The context time of an input event (its timeStamp is on the performance clock). */
function contextTime(event) {
  const stamp = ctx.getOutputTimestamp?.();
  if (!stamp?.performanceTime) return ctx.currentTime;
  return stamp.contextTime + (event.timeStamp - stamp.performanceTime) / 1000;
}

/** Record the microphone into context-timed blocks (an AudioWorklet, off the main thread). */
async function capture(context) {
  const stream = await microphone();
  await context.audioWorklet.addModule(alongRoot.dataset.worklet);
  const source = context.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(context, "woodshed-capture");
  const blocks = [];
  node.port.onmessage = (event) => blocks.push(event.data);
  source.connect(node);
  return {
    onsets() {
      if (!blocks.length) return [];
      const total = blocks.reduce((n, b) => n + b.samples.length, 0);
      const samples = new Float32Array(total);
      let at = 0;
      for (const b of blocks) {
        samples.set(b.samples, at);
        at += b.samples.length;
      }
      const start = blocks[0].frame / context.sampleRate;
      return detectOnsets(samples, context.sampleRate).map((t) => start + t);
    },
    stop() {
      source.disconnect();
      node.disconnect();
      stream.getTracks().forEach((t) => t.stop());
    },
  };
}

$("[data-calibrate]").addEventListener("click", async () => {
  const context = await audio();
  const status = $("[data-calibration]");
  let recorder;
  try {
    recorder = await capture(context);
  } catch (error) {
    status.textContent = microphoneProblem(error);
    return;
  }
  status.textContent = "Listening to 8 clicks…";
  const probe = new Metronome(context, { sound: "tick" });
  const clicks = [];
  probe.onClick = (click, when) => !click.countIn && clicks.push(when);
  probe.start({ bpm: 100, beats: 4, grouping: [4], subdivision: "none", countIn: 0, gap: null, ramp: null });
  setTimeout(() => {
    probe.stop();
    const result = calibrate(clicks.slice(0, 8), recorder.onsets());
    recorder.stop();
    if (result.latency === null) status.textContent = result.reason;
    else {
      roundTrip = result.latency;
      status.textContent = `Calibrated: ${Math.round(roundTrip * 1000)} ms from speaker to microphone (${result.heard} clicks heard).`;
    }
  }, 5200);
});

function tapKey(event) {
  if (!along || along.mic) return;
  if (event.type === "keydown" && (event.code !== "Space" || event.repeat)) return;
  if (event.type === "keydown") event.preventDefault();
  along.onsets.push(contextTime(event));
}
document.addEventListener("keydown", tapKey);
$("[data-tap-pad]").addEventListener("pointerdown", tapKey);

function showAlong(result) {
  const box = $("[data-tapalong-result]");
  box.replaceChildren();
  const line = document.createElement("p");
  box.append(line);
  if (!result.enough) {
    line.textContent = result.message;
    return;
  }
  const side = result.median >= 0 ? "late" : "early";
  line.textContent = `${result.count} notes: on average ${Math.abs(result.median).toFixed(0)} ms ${side} (spread ±${result.sd.toFixed(0)} ms). Most players sit a little ahead of a click — that is fine.`;
  line.dataset.median = result.median.toFixed(1);
  const peak = Math.max(...result.histogram.map((b) => b.count));
  const chart = document.createElement("div");
  chart.className = "histogram";
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", "How early or late the notes were, in 10 ms steps from 100 ms early to 100 ms late");
  for (const bin of result.histogram) {
    const bar = document.createElement("span");
    bar.style.setProperty("--h", (bin.count / peak).toFixed(3));
    bar.title = `${bin.from} to ${bin.to} ms: ${bin.count}`;
    chart.append(bar);
  }
  box.append(chart);
  if (result.spread.length > 1) {
    const spread = document.createElement("p");
    spread.textContent = `Spread over time (every 8 notes): ${result.spread.map((s) => `±${s.toFixed(0)}`).join(" → ")} ms`;
    box.append(spread);
  }
}

alongToggle.addEventListener("click", async () => {
  if (along) {
    const mic = along.mic;
    const onsets = mic ? along.recorder.onsets() : along.onsets;
    along.recorder?.stop();
    along = null;
    alongToggle.textContent = "Start tap-along";
    alongToggle.setAttribute("aria-pressed", "false");
    const period = 60 / (metronome?.tempoAt() || number("bpm"));
    const latency = mic ? roundTrip : (ctx.outputLatency || 0) + (ctx.baseLatency || 0);
    showAlong(tapAlong([...beatsHeard], onsets, latency, period));
    return;
  }
  const mic = setting("tapInput").value === "mic";
  if (mic && roundTrip === null) {
    $("[data-calibration]").textContent = "Calibrate first: the microphone's delay has to be measured.";
    return;
  }
  if (!metronome?.running) await startMetronome();
  if (!metronome?.running) return;
  along = { mic, onsets: [] };
  if (mic) {
    try {
      along.recorder = await capture(ctx);
    } catch (error) {
      $("[data-calibration]").textContent = microphoneProblem(error);
      along = null;
      return;
    }
  }
  alongToggle.textContent = "Stop and show";
  alongToggle.setAttribute("aria-pressed", "true");
});

// Browsers may keep audio suspended until a tap: say so.
if (navigator.userActivation && !navigator.userActivation.hasBeenActive) $("[data-audio-note]").hidden = false;
recordStatus();
window.addEventListener("storage", (event) => event.key === timerKey && recordStatus());
