// What the practice tools measured while the live timer ran, per passage: time with the
// metronome, the highest tempo held for two bars, the target, clean run-throughs in a row.
// Kept in localStorage beside the timer's own state (and tied to its start), so stopping
// the timer — on the tools page or the timer page — carries it into the log form.

const MAX_PASSAGES = 20;

function recordKey(timerKey) {
  return `${timerKey}.tools`;
}

function read(key) {
  try {
    return JSON.parse(localStorage.getItem(key)) || null;
  } catch {
    return null;
  }
}

/** The timer's state ({startedAt, spent, runningSince, …}) or null. */
export function timerState(timerKey) {
  return read(timerKey);
}

/** This timer's record: {startedAt, passages: [...]}, empty when it belongs to another run. */
export function load(timerKey, startedAt) {
  const record = read(recordKey(timerKey));
  if (!record || record.startedAt !== startedAt) return { startedAt, passages: [] };
  return record;
}

function passageOf(record, passage) {
  let entry = record.passages.find((p) => p.pieceId === passage.pieceId && p.bars === passage.bars);
  if (!entry) {
    if (record.passages.length >= MAX_PASSAGES) return null;
    entry = { ...passage, ms: 0, tempo: null, target: null, streak: 0, best: 0 };
    record.passages.push(entry);
  }
  return entry;
}

/** Add what a tool measured to the running timer's record; false when no timer runs. */
export function record(timerKey, passage, { ms = 0, tempo = null, target = null, streak } = {}) {
  const timer = timerState(timerKey);
  if (!timer?.runningSince || !passage?.pieceId) return false;
  const rec = load(timerKey, timer.startedAt);
  const entry = passageOf(rec, passage);
  if (!entry) return false;
  entry.ms += Math.max(0, ms);
  if (tempo && (entry.tempo === null || tempo > entry.tempo)) entry.tempo = tempo;
  if (target) entry.target = target;
  if (streak !== undefined) {
    entry.streak = streak;
    entry.best = Math.max(entry.best, streak);
  }
  localStorage.setItem(recordKey(timerKey), JSON.stringify(rec));
  return true;
}

/** The log form's query parameters for this timer run: one item row per passage and a note
 * of the run-throughs (the timer's own piece, if no tool row names it, comes first). */
export function logParams(timerKey, startedAt, timerPieceId = "") {
  const { passages } = load(timerKey, startedAt);
  if (!passages.length) return [];
  const params = [];
  const rows = [...passages];
  if (timerPieceId && !rows.some((p) => p.pieceId === timerPieceId)) rows.unshift({ pieceId: timerPieceId });
  const notes = [];
  rows.forEach((p, i) => {
    const field = (name, value) => {
      if (value !== null && value !== undefined && value !== "") params.push([`items-${i}-${name}`, String(value)]);
    };
    field("piece_id", p.pieceId);
    field("bars", p.bars);
    if (p.ms) field("minutes", Math.max(1, Math.round(p.ms / 60000)));
    field("tempo_bpm", p.tempo);
    field("target_tempo_bpm", p.target);
    if (p.best) {
      field("run_through", "true");
      const where = [p.title, p.bars && `bars ${p.bars}`].filter(Boolean).join(", ");
      notes.push(`${where}: ${p.best} clean run-through${p.best === 1 ? "" : "s"} in a row.`);
    }
  });
  if (notes.length) params.push(["notes", notes.join("\n")]);
  return params;
}

export function clear(timerKey) {
  localStorage.removeItem(recordKey(timerKey));
}
