// The log form: "Add …" buttons clone rows, a piece narrows its section list, and tag
// suggestions complete the tag being typed. Without this script the form still works:
// it shows a few blank rows and every section grouped by piece.
const form = document.querySelector("[data-session-form]");

function renumber(row, index) {
  row.dataset.index = String(index);
  const swap = (value) => value.replace(/^(f-)?(items|skills|evidence)-\d+-/, `$1$2-${index}-`);
  for (const el of row.querySelectorAll("[name], [id], label[for], [aria-describedby]")) {
    if (el.name) el.name = swap(el.name);
    if (el.id) el.id = swap(el.id);
    if (el.htmlFor) el.htmlFor = swap(el.htmlFor);
    const described = el.getAttribute("aria-describedby");
    if (described) el.setAttribute("aria-describedby", described.split(" ").map(swap).join(" "));
  }
  const title = row.querySelector("[data-row-title]");
  if (title) title.textContent = title.textContent.replace(/\d+$/, String(index + 1));
  for (const label of row.querySelectorAll("label")) {
    label.textContent = label.textContent.replace(/^(Skill) \d+$/, `$1 ${index + 1}`);
  }
}

function clear(row) {
  for (const error of row.querySelectorAll(".field-error")) error.remove();
  for (const field of row.querySelectorAll(".has-error")) field.classList.remove("has-error");
  for (const el of row.querySelectorAll("input, select")) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
    if (el.type === "checkbox") el.checked = false;
    else if (el.tagName === "SELECT") el.selectedIndex = 0;
    else el.value = "";
  }
  for (const group of row.querySelectorAll("optgroup")) {
    group.hidden = false;
    group.disabled = false;
  }
}

function addRow(group) {
  const container = form.querySelector(`[data-rows="${group}"]`);
  const rows = container.querySelectorAll("[data-row]");
  const last = rows[rows.length - 1];
  const next = Math.max(...[...rows].map((r) => Number(r.dataset.index))) + 1;
  const row = last.cloneNode(true);
  clear(row);
  renumber(row, next);
  last.after(row);
  row.querySelector("select, input")?.focus();
}

// A chosen piece shows only its own sections; a chosen section fills in its piece.
function narrowSections(row) {
  const piece = row.querySelector("[data-piece-select]");
  const section = row.querySelector("[data-section-select]");
  if (!piece || !section) return;
  for (const group of section.querySelectorAll("optgroup")) {
    const other = piece.value !== "" && group.dataset.piece !== piece.value;
    group.hidden = other;
    group.disabled = other;
  }
  const chosen = section.selectedOptions[0];
  if (chosen && chosen.parentElement.disabled) section.value = "";
  // "Or a new piece" is for when none is chosen; it stays while it holds text or an error.
  const title = row.querySelector("[data-new-piece]");
  if (title)
    title.closest(".field").hidden =
      piece.value !== "" && title.value === "" && !title.hasAttribute("aria-invalid");
}

function sectionChosen(row) {
  const piece = row.querySelector("[data-piece-select]");
  const chosen = row.querySelector("[data-section-select]").selectedOptions[0];
  const group = chosen?.parentElement;
  if (group?.dataset.piece && piece.value !== group.dataset.piece) {
    piece.value = group.dataset.piece;
    narrowSections(row);
  }
  const bars = row.querySelector("[data-bars-input]");
  if (bars) bars.placeholder = chosen?.dataset.bars || "33-40";
  const target = row.querySelector("[data-target-input]");
  if (target) target.placeholder = chosen?.dataset.target || "e.g. 80";
}

// Suggest tags for the part after the last comma, keeping what is already typed.
function suggestTags(input) {
  const list = document.querySelector("[data-tag-suggestions]");
  if (!list) return;
  if (!list.dataset.all) list.dataset.all = JSON.stringify([...list.options].map((o) => o.value));
  const all = JSON.parse(list.dataset.all);
  const parts = input.value.split(",");
  const typed = parts.slice(0, -1).map((t) => t.trim()).filter(Boolean);
  const prefix = typed.length ? `${typed.join(", ")}, ` : "";
  const used = new Set(typed.map((t) => t.toLowerCase()));
  list.replaceChildren(
    ...all
      .filter((t) => !used.has(t.toLowerCase()))
      .map((t) => Object.assign(document.createElement("option"), { value: prefix + t })),
  );
}

// Minutes from what people type, like the server: 45, 1:30, 1h30m, 1.5h, 90 min.
function minutesOf(text) {
  const value = text.trim().toLowerCase();
  let m = value.match(/^(\d+)\s*(m|min|mins|minutes?)?$/);
  if (m) return Number(m[1]);
  m = value.match(/^(\d+):([0-5]\d)$/);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  m = value.match(/^(?:(\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(\d+)\s*m(?:in(?:utes?|s)?)?)?$/);
  if (m && (m[1] || m[2])) {
    return Math.round(Number((m[1] || "0").replace(",", ".")) * 60) + Number(m[2] || 0);
  }
  return null;
}

// A new entry's start follows the duration typed: a session that just ended started
// "now minus its length". The server's "now" (the field's first value, in the musician's
// zone) is moved on by the time spent on the page; typing a start stops the following.
function followDuration(start, duration) {
  const [day, time] = start.value.split("T");
  const [y, mo, d] = day.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const loaded = Date.UTC(y, mo - 1, d, h, mi);
  const since = Date.now();
  let following = true;
  start.addEventListener("input", () => {
    following = false;
  });
  duration.addEventListener("input", () => {
    const minutes = minutesOf(duration.value);
    if (!following || minutes === null || minutes < 1) return;
    const at = new Date(loaded + (Date.now() - since) - minutes * 60000);
    start.value = at.toISOString().slice(0, 16);
  });
}

// --- the kept copy (offline) ---------------------------------------------------------------
// Offline, /journal/new is the copy the service worker kept: rendered at another moment and
// without the query the timer or a practice tool opened it with. Its start is moved to
// now and the query is filled in here, as the server does online (forms.prefill_from_args).

function localInput(moment, zone) {
  if (Number.isNaN(moment.getTime())) return null;
  const parts = {};
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone || undefined,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const part of format.formatToParts(moment)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function setField(name, value) {
  const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
  if (!input || value === null || value === undefined) return false;
  if (input.type === "checkbox") input.checked = value === "true" || value === "on";
  else input.value = value;
  return true;
}

function ensureRow(group, index) {
  const container = form.querySelector(`[data-rows="${group}"]`);
  if (!container?.querySelector("[data-row]")) return false;
  while (container.querySelectorAll("[data-row]").length <= index) addRow(group);
  return true;
}

function keptCopy() {
  if (form.dataset.query === undefined) return false; // an edit: its values are the entry's
  const query = location.search.replace(/^\?/, "");
  const stale = Date.now() - Number(form.dataset.renderedAt || Date.now()) > 120000;
  return query !== form.dataset.query || stale;
}

function prefillKeptCopy() {
  const zone = form.dataset.timezone;
  const start = form.querySelector("#f-started_at");
  const now = localInput(new Date(), zone);
  if (start && now) {
    start.value = now;
    start.max = now;
  }
  const params = new URLSearchParams(location.search);
  if (params.get("started_at")) {
    const given = localInput(new Date(params.get("started_at")), zone);
    if (given && start) {
      start.value = given;
      start.removeAttribute("data-start-follows-duration");
    }
  }
  setField("duration_minutes", params.get("duration"));
  if (params.get("instrument_id")) setField("instrument_id", params.get("instrument_id"));
  if (params.get("notes")) setField("notes", params.get("notes"));
  if ((params.get("piece_id") || params.get("section_id")) && ensureRow("items", 0)) {
    setField("items-0-piece_id", params.get("piece_id") || "");
    setField("items-0-section_id", params.get("section_id") || "");
  }
  if (params.get("skill_id") && ensureRow("skills", 0)) {
    setField("skills-0-skill_id", params.get("skill_id"));
  }
  for (const [name, value] of params) {
    const row = name.match(/^items-(\d+)-\w+$/);
    if (row && Number(row[1]) < 20 && ensureRow("items", Number(row[1]))) setField(name, value);
  }
}

if (form) {
  if (keptCopy()) prefillKeptCopy();
  const start = form.querySelector("[data-start-follows-duration]");
  const duration = form.querySelector("#f-duration_minutes");
  if (start?.value && duration) followDuration(start, duration);
  for (const button of form.querySelectorAll("[data-add-row]")) {
    button.hidden = false;
    button.addEventListener("click", () => addRow(button.dataset.addRow));
  }
  form.addEventListener("change", (event) => {
    const row = event.target.closest("[data-row]");
    if (!row) return;
    if (event.target.matches("[data-piece-select]")) narrowSections(row);
    if (event.target.matches("[data-section-select]")) sectionChosen(row);
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-tags-input]")) suggestTags(event.target);
  });
  for (const row of form.querySelectorAll(".item-row")) {
    narrowSections(row);
    const section = row.querySelector("[data-section-select]");
    if (section?.value) sectionChosen(row);
  }
}
