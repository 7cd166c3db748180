// Record a take with MediaRecorder (no echo cancellation, noise suppression or gain
// control: they damage music), with an input-level meter; chunks go to IndexedDB as they
// arrive, so a crash loses seconds, not the take. Uploads resume (./tus-upload.js).
import { csrfHeaders } from "./app.js";
import { upload } from "./tus-upload.js";
import { Metronome, MIN_BPM, MAX_BPM } from "./metronome.js";

const DB_NAME = "woodshed-takes";

function openStore() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore("chunks", { autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function keep(db, take, blob) {
  return new Promise((resolve) => {
    const tx = db.transaction("chunks", "readwrite");
    tx.objectStore("chunks").add({ take, blob });
    tx.oncomplete = resolve;
    tx.onerror = resolve; // a full disk must not stop the recording itself
  });
}

function forget(db, take) {
  const tx = db.transaction("chunks", "readwrite");
  const store = tx.objectStore("chunks");
  store.openCursor().onsuccess = (event) => {
    const cursor = event.target.result;
    if (!cursor) return;
    if (cursor.value.take === take) cursor.delete();
    cursor.continue();
  };
}

function detailUrl(template, id) {
  return template.replace("00000000-0000-0000-0000-000000000000", id);
}

async function sendLog(template, id, logText) {
  const response = await fetch(detailUrl(template, id), {
    method: "PATCH",
    headers: { "Content-Type": "application/json", ...csrfHeaders() },
    credentials: "same-origin",
    body: `{"metronome_log": ${logText}}`,
  });
  if (!response.ok) throw new Error("The take is stored, but not the metronome's log.");
}

// Woodshed's metronome while recording, on the recorder's own AudioContext: the clock it
// schedules its clicks on is the clock the take's start was read on, so the log says where
// each downbeat falls in the take. The log is a list of segments, one per run of one tempo
// and meter: {at_ms (a downbeat, ms of the take), bpm, beats_per_bar, bar (the bar that
// downbeat begins)}. A change of tempo or meter while recording hands over at the next bar
// line; switching the metronome on again starts a new segment at the bar in "First bar".
function whole(input, low, high, fallback) {
  const value = Math.round(Number(input.value));
  return Number.isFinite(value) && value >= low && value <= high ? value : fallback;
}

class ClickLog {
  constructor(panel, context, stream) {
    this.context = context;
    this.click = panel.querySelector("[data-rec-click]");
    this.bpmInput = panel.querySelector("[data-rec-bpm]");
    this.beatsInput = panel.querySelector("[data-rec-beats]");
    this.barInput = panel.querySelector("[data-rec-bar]");
    // Where a click scheduled at `when` lands in the take: it leaves the speakers
    // outputLatency later, and the microphone's own delay comes on top (where told).
    const track = stream.getAudioTracks()[0];
    const inputLatency = (track && track.getSettings && track.getSettings().latency) || 0;
    this.delay = (context.outputLatency || 0) + inputLatency;
    this.segments = [];
    this.metronome = null;
    this.bar = 1; // the bar the running segment began on
    this.takeStart = null;
    this.onChange = () => this.change();
    this.onToggle = () => (this.click.checked ? this.begin() : this.end());
  }

  settings() {
    const beats = whole(this.beatsInput, 1, 16, 4);
    return { bpm: whole(this.bpmInput, MIN_BPM, MAX_BPM, 80), beats, grouping: [beats], subdivision: "none", countIn: 0, gap: null, ramp: null };
  }

  /** The take began at `takeStart` on the context's clock. */
  start(takeStart) {
    this.takeStart = takeStart;
    this.click.addEventListener("change", this.onToggle);
    this.bpmInput.addEventListener("change", this.onChange);
    this.beatsInput.addEventListener("change", this.onChange);
    if (this.click.checked) this.begin();
  }

  run(when, bar) {
    const settings = this.settings();
    const metronome = new Metronome(this.context, { sound: "wood" });
    metronome.start(settings, { when });
    this.metronome = metronome;
    this.bar = bar;
    this.segments.push({
      at_ms: Math.max(0, Math.round((when + this.delay - this.takeStart) * 1000)),
      bpm: settings.bpm,
      beats_per_bar: settings.beats,
      bar,
    });
  }

  begin() {
    if (this.metronome?.running || this.takeStart === null) return;
    this.run(this.context.currentTime + 0.3, whole(this.barInput, 1, 100000, 1));
  }

  change() {
    const old = this.metronome;
    if (!old?.running) return;
    const { when, bar } = old.nextBarLine();
    old.finishAt(when);
    this.run(when, this.bar + bar);
  }

  end() {
    this.metronome?.stop();
  }

  /** Stop clicking; the log of the take so far ([] when the metronome never ran). */
  finish() {
    this.end();
    this.click.removeEventListener("change", this.onToggle);
    this.bpmInput.removeEventListener("change", this.onChange);
    this.beatsInput.removeEventListener("change", this.onChange);
    if (this.takeStart === null) return [];
    // A segment due at a bar line the take did not reach is dropped (a change made as
    // the take stopped), and so is one that did not start later than the one before.
    const end = Math.round((this.context.currentTime + this.delay - this.takeStart) * 1000);
    const segments = this.segments.filter((s) => s.at_ms < end);
    return segments.filter((s, i) => i === 0 || s.at_ms > segments[i - 1].at_ms);
  }
}

function setUpRecorder(panel) {
  const startButton = panel.querySelector("[data-record-start]");
  const stopButton = panel.querySelector("[data-record-stop]");
  const status = panel.querySelector("[data-record-status]");
  const level = panel.querySelector("[data-level]");
  const clock = panel.querySelector("[data-record-time]");
  let recorder = null;
  let chunks = [];
  let stream = null;
  let startedAt = 0;
  let tick = null;

  startButton.addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (error) {
      status.textContent = `The microphone could not be opened: ${error.message}`;
      return;
    }
    const db = await openStore().catch(() => null);
    const take = `take-${Date.now()}`;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    chunks = [];
    const clicks = new ClickLog(panel, context, stream);
    recorder = new MediaRecorder(stream);
    // The take begins when the recorder says so: read the metronome's clock then.
    recorder.addEventListener("start", () => clicks.start(context.currentTime), { once: true });
    recorder.addEventListener("dataavailable", (event) => {
      if (!event.data.size) return;
      chunks.push(event.data);
      if (db) keep(db, take, event.data);
    });
    recorder.addEventListener("stop", async () => {
      clearInterval(tick);
      const log = clicks.finish();
      stream.getTracks().forEach((t) => t.stop());
      context.close();
      const blob = new Blob(chunks, { type: recorder.mimeType });
      status.textContent = "Uploading…";
      const meta = {
        filename: `take.${recorder.mimeType.includes("mp4") ? "m4a" : "webm"}`,
        title: `Take of ${new Date().toLocaleString()}`,
      };
      // A short log travels in the upload's metadata (a request header); a long one (many
      // changes of tempo) is sent once the take is stored.
      const logText = log.length ? JSON.stringify(log) : "";
      if (logText && logText.length <= 2000) meta.metronome_log = logText;
      try {
        const id = await upload(panel.dataset.uploadUrl, blob, meta, (share) => { status.textContent = `Uploading… ${Math.round(share * 100)} %`; });
        if (logText && !meta.metronome_log) await sendLog(panel.dataset.recordingUrl, id, logText);
        if (db) forget(db, take);
        window.location.assign(detailUrl(panel.dataset.detailUrl, id));
      } catch (error) {
        status.textContent = `${error.message} The take is kept in this browser.`;
        startButton.disabled = false;
      }
    });
    recorder.start(2000);
    startedAt = performance.now();
    tick = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
      level.style.width = `${Math.min(100, Math.round(peak * 100))}%`;
      level.classList.toggle("clipping", peak > 0.98);
      const seconds = Math.floor((performance.now() - startedAt) / 1000);
      clock.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    }, 100);
    startButton.disabled = true;
    stopButton.disabled = false;
    status.textContent = "Recording…";
  });

  stopButton.addEventListener("click", () => {
    stopButton.disabled = true;
    if (recorder && recorder.state !== "inactive") recorder.stop();
  });
}

function setUpUploadForm(form) {
  const progress = form.querySelector("[data-upload-progress]");
  const status = form.querySelector("[data-upload-status]");
  form.addEventListener("submit", async (event) => {
    const file = form.querySelector('input[type="file"]').files[0];
    if (!file || !window.fetch) return; // the plain form posts it
    event.preventDefault();
    progress.hidden = false;
    try {
      const id = await upload(form.dataset.uploadUrl, file, {
        filename: file.name,
        title: form.querySelector('[name="title"]').value,
      }, (share) => { progress.value = Math.round(share * 100); });
      window.location.assign(detailUrl(form.dataset.detailUrl, id));
    } catch (error) {
      status.textContent = error.message;
    }
  });
}

document.querySelectorAll("[data-recorder]").forEach(setUpRecorder);
document.querySelectorAll("[data-tus-form]").forEach(setUpUploadForm);
