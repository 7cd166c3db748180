// The player: wavesurfer.js draws the server's peaks over the page's own <audio>/<video>
// (the browser never decodes the whole file), plays from the signed link (HTTP ranges),
// slows to 0.5× without changing pitch, loops a region, and answers the keyboard.
import { csrfHeaders } from "./app.js";
import WaveSurfer from "../vendor/wavesurfer.esm.js";
import RegionsPlugin from "../vendor/wavesurfer-regions.esm.js";

const SPEEDS = [0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0];

function fmt(seconds) {
  const m = Math.floor(seconds / 60);
  return `${m}:${(seconds - m * 60).toFixed(1).padStart(4, "0")}`;
}

async function setUpPlayer(panel) {
  const media = panel.querySelector("[data-media]");
  const speed = panel.querySelector("[data-speed]");
  const loopBox = panel.querySelector("[data-loop]");
  const loopLabel = panel.querySelector("[data-loop-label]");
  media.preservesPitch = true;
  let regions = null;

  let loop = { start: null, end: null };
  let region = null;
  function drawLoop() {
    const ready = loop.start !== null && loop.end !== null && loop.end > loop.start;
    loopLabel.textContent = ready ? `${fmt(loop.start)}–${fmt(loop.end)}` : "";
    if (region) region.remove();
    region = null;
    if (ready && regions) {
      region = regions.addRegion({ start: loop.start, end: loop.end, color: "rgba(47, 93, 138, 0.18)", drag: true, resize: true });
      region.on("update-end", () => { loop = { start: region.start, end: region.end }; drawLoop(); });
    }
  }
  media.addEventListener("timeupdate", () => {
    if (loopBox.checked && loop.end !== null && loop.start !== null && media.currentTime >= loop.end) {
      media.currentTime = loop.start;
    }
  });
  const setStart = () => { loop.start = media.currentTime; if (loop.end !== null && loop.end <= loop.start) loop.end = null; drawLoop(); };
  const setEnd = () => { loop.end = media.currentTime; drawLoop(); };
  panel.querySelector("[data-loop-start]").addEventListener("click", setStart);
  panel.querySelector("[data-loop-end]").addEventListener("click", setEnd);
  speed.addEventListener("change", () => { media.playbackRate = Number(speed.value); });

  function step(direction) {
    const i = SPEEDS.indexOf(Number(speed.value));
    const next = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i + direction))];
    speed.value = String(next);
    media.playbackRate = next;
  }
  const syncForm = panel.querySelector("[data-sync-form]");
  const tapBar = syncForm ? setUpSyncPoints(panel, media, syncForm) : null;
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select, button") || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = {
      " ": () => (media.paused ? media.play() : media.pause()),
      ArrowLeft: () => { media.currentTime = Math.max(0, media.currentTime - 5); },
      ArrowRight: () => { media.currentTime = Math.min(media.duration || Infinity, media.currentTime + 5); },
      ",": () => step(-1),
      ".": () => step(1),
      "[": setStart,
      "]": setEnd,
      l: () => { loopBox.checked = !loopBox.checked; },
      ...(tapBar ? { b: tapBar, B: tapBar } : {}),
    };
    const action = keys[event.key];
    if (action) { event.preventDefault(); action(); }
  });

  document.querySelectorAll("[data-seek]").forEach((button) => {
    button.addEventListener("click", () => { media.currentTime = Number(button.dataset.seek); media.play(); });
  });
  const now = document.querySelector("[data-comment-now]");
  if (now) {
    now.addEventListener("click", () => {
      document.querySelector("[data-comment-at]").value = media.currentTime.toFixed(3);
      if (loopBox.checked && loop.start !== null && loop.end !== null) {
        document.querySelector("[data-comment-at]").value = loop.start.toFixed(3);
        document.querySelector("[data-comment-end]").value = loop.end.toFixed(3);
      }
    });
  }

  if (panel.dataset.listenedUrl) reportListening(panel, media);

  // The waveform last: the keys, the loop and the bar marks answer before the peaks arrive.
  let wave = null;
  try {
    const peaks = await (await fetch(panel.dataset.peaksUrl)).json();
    const values = Float32Array.from(peaks.data, (v) => v / 127);
    regions = RegionsPlugin.create();
    wave = WaveSurfer.create({
      container: panel.querySelector("[data-waveform]"),
      media,
      peaks: [values],
      duration: Number(panel.dataset.duration),
      height: 96,
      normalize: true,
      waveColor: "#8a8f98",
      progressColor: "#2f5d8a",
      cursorColor: "#c0392b",
      dragToSeek: true,
      cspNonce: panel.dataset.styleNonce,
      plugins: [regions],
    });
  } catch {
    // Without peaks the media element's own controls still play the take.
  }
  return wave;
}

// Bar marks ("bar 30 is here"): typed with the form, or tapped with B while the take
// plays — each tap marks the bar in the box at the current moment and counts on by one.
// The server answers with the marks in time order; comments' bars follow them there.
function setUpSyncPoints(panel, media, form) {
  const barInput = form.querySelector("[data-sync-bar]");
  const status = form.querySelector("[data-marks-status]");
  const clear = form.querySelector("[data-sync-clear]");
  const list = panel.querySelector("[data-sync-list]");
  let points = JSON.parse(panel.dataset.syncPoints || "[]");

  // The marks, each with its own Remove button (keyboard reachable, named by its bar).
  function drawList() {
    if (!list) return;
    list.replaceChildren(...points.map((p, i) => {
      const item = document.createElement("li");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button secondary small";
      remove.dataset.syncRemove = String(i);
      remove.setAttribute("aria-label", `Remove the mark of bar ${p.bar}`);
      remove.textContent = "Remove";
      item.append(`bar ${p.bar} at ${fmt(p.at_seconds)} `, remove);
      return item;
    }));
    list.hidden = points.length === 0;
  }

  async function save(next, said) {
    const response = await fetch(panel.dataset.syncUrl, {
      method: "PUT",
      headers: { "Content-Type": "application/json", ...csrfHeaders() },
      credentials: "same-origin",
      body: JSON.stringify({ points: next }),
    }).catch(() => null);
    if (response && response.ok) {
      points = (await response.json()).sync_points;
      status.textContent = said;
      if (clear) clear.hidden = points.length === 0;
      drawList();
      return true;
    }
    const problem = response ? await response.json().catch(() => ({})) : {};
    status.textContent = (problem.errors && problem.errors[0] && problem.errors[0].message) || problem.detail || "Not saved: check the connection and try again.";
    return false;
  }

  async function mark() {
    const bar = Number(barInput.value) || (points.length ? Math.max(...points.map((p) => p.bar)) + 1 : 1);
    const at = Number(media.currentTime.toFixed(3));
    const next = points.filter((p) => p.bar !== bar && Math.abs(p.at_seconds - at) > 0.05).concat([{ bar, at_seconds: at }]);
    if (await save(next, `Bar ${bar} marked at ${fmt(at)}.`)) barInput.value = String(bar + 1);
  }

  async function removeMark(index) {
    const gone = points[index];
    if (!gone) return;
    const next = points.filter((_, i) => i !== index);
    if (await save(next, `The mark of bar ${gone.bar} removed.`)) {
      // Focus stays in the list (the mark now in its place), or goes back to the bar box.
      const buttons = list ? list.querySelectorAll("[data-sync-remove]") : [];
      (buttons[Math.min(index, buttons.length - 1)] || barInput).focus();
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); mark(); });
  if (clear) clear.addEventListener("click", () => save([], "Bar marks cleared."));
  if (list) {
    list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-sync-remove]");
      if (button) removeMark(Number(button.dataset.syncRemove));
    });
  }
  return mark;
}

// "Teacher listened": once a teacher has played most of the take (80 % of its length,
// counted from the ranges actually played, so seeking to the end does not count).
function reportListening(panel, media) {
  let sent = false;
  const played = () => {
    let total = 0;
    for (let i = 0; i < media.played.length; i += 1) total += media.played.end(i) - media.played.start(i);
    return total;
  };
  media.addEventListener("timeupdate", async () => {
    const duration = Number(panel.dataset.duration) || media.duration;
    if (sent || !duration || played() < 0.8 * duration) return;
    sent = true;
    await fetch(panel.dataset.listenedUrl, {
      method: "POST",
      headers: csrfHeaders(),
      credentials: "same-origin",
    }).catch(() => { sent = false; });
  });
}

function pollProcessing(note) {
  const check = async () => {
    const response = await fetch(note.dataset.pollUrl, { credentials: "same-origin" }).catch(() => null);
    if (response && response.ok) {
      const recording = await response.json();
      if (recording.status === "ready" || recording.status === "failed") {
        window.location.reload();
        return;
      }
    }
    setTimeout(check, 2000);
  };
  setTimeout(check, 1500);
}

document.querySelectorAll("[data-player]").forEach(setUpPlayer);
document.querySelectorAll("[data-processing]").forEach(pollProcessing);
