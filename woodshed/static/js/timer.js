// The practice timer: start, pause, resume, stop → the log form, prefilled.
// State lives in localStorage, so a reload (or a closed tab) keeps a running timer; the
// elapsed time shows on the page and in the tab title. What the practice tools measured
// meanwhile (practice-record.js) goes into the log form as items.
import { clear as clearToolRecord, logParams } from "./practice-record.js";

const root = document.querySelector("[data-timer]");
const TITLE = document.title;

function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key)) || null;
  } catch {
    return null;
  }
}

// {startedAt: ms of the first start, spent: ms before the current run, runningSince: ms | null}
function elapsed(state, now = Date.now()) {
  if (!state) return 0;
  return state.spent + (state.runningSince ? now - state.runningSince : 0);
}

function clock(ms) {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

if (root) {
  const key = root.dataset.timerKey;
  const display = root.querySelector("[data-timer-display]");
  const status = root.querySelector("[data-timer-status]");
  const instrument = root.querySelector("[data-timer-instrument]");
  const piece = root.querySelector("[data-timer-piece]");
  const buttons = Object.fromEntries(
    [...root.querySelectorAll("[data-timer-action]")].map((b) => [b.dataset.timerAction, b]),
  );
  let state = load(key);

  root.querySelector("[data-timer-fallback]").hidden = true;
  root.querySelector("[data-timer-ui]").hidden = false;

  const save = () => (state ? localStorage.setItem(key, JSON.stringify(state)) : localStorage.removeItem(key));

  function render() {
    const text = clock(elapsed(state));
    display.textContent = text;
    const running = Boolean(state?.runningSince);
    const paused = Boolean(state && !state.runningSince);
    document.title = state ? `${text}${paused ? " (paused)" : ""} · Woodshed` : TITLE;
    buttons.start.hidden = Boolean(state);
    buttons.pause.hidden = !running;
    buttons.resume.hidden = !paused;
    buttons.stop.hidden = !state;
    buttons.discard.hidden = !state;
    for (const select of [instrument, piece]) if (select) select.disabled = running;
  }

  function announce(text) {
    status.textContent = text;
  }

  if (state) {
    if (instrument && state.instrumentId !== undefined) instrument.value = state.instrumentId;
    if (piece && state.pieceId !== undefined) piece.value = state.pieceId;
    announce(state.runningSince ? "Running — carried on from before." : "Paused.");
  }

  buttons.start.addEventListener("click", () => {
    const now = Date.now();
    state = {
      startedAt: now,
      spent: 0,
      runningSince: now,
      instrumentId: instrument?.value || "",
      pieceId: piece?.value || "",
    };
    save();
    announce("Running.");
    render();
  });
  buttons.pause.addEventListener("click", () => {
    state.spent = elapsed(state);
    state.runningSince = null;
    save();
    announce("Paused.");
    render();
  });
  buttons.resume.addEventListener("click", () => {
    state.runningSince = Date.now();
    save();
    announce("Running.");
    render();
  });
  buttons.discard.addEventListener("click", () => {
    if (!window.confirm("Discard this timer without logging it?")) return;
    state = null;
    save();
    clearToolRecord(key);
    announce("Discarded.");
    render();
  });
  buttons.stop.addEventListener("click", () => {
    const minutes = Math.max(1, Math.round(elapsed(state) / 60000));
    const params = new URLSearchParams({
      started_at: new Date(state.startedAt).toISOString(),
      duration: String(minutes),
    });
    const chosenInstrument = instrument?.value ?? state.instrumentId;
    const chosenPiece = piece?.value ?? state.pieceId;
    if (chosenInstrument) params.set("instrument_id", chosenInstrument);
    const measured = logParams(key, state.startedAt, chosenPiece);
    if (measured.length) for (const [name, value] of measured) params.append(name, value);
    else if (chosenPiece) params.set("piece_id", chosenPiece);
    clearToolRecord(key);
    state = null;
    save();
    window.location.assign(`${root.dataset.newUrl}?${params}`);
  });
  for (const select of [instrument, piece]) {
    select?.addEventListener("change", () => {
      if (!state) return;
      state.instrumentId = instrument?.value || "";
      state.pieceId = piece?.value || "";
      save();
    });
  }
  // Another tab started, paused or stopped the timer: follow it.
  window.addEventListener("storage", (event) => {
    if (event.key !== key) return;
    state = load(key);
    render();
  });

  render();
  setInterval(render, 1000);
}
