// The offline app (issue 18): service worker registration, the queue of writes made
// without a connection (IndexedDB, one database per account), sending them in order when
// the connection returns, the offline banner, storage persistence and sign-out cleanup.
//
// Forms marked `data-offline-queue` are kept on this device when the browser is offline
// and sent later exactly as they were filled in. Creates carry a client id (the log
// form's hidden `id`, a new one for a quick log), so a form sent twice is saved once;
// an edit carries the version and the values it started from (`base`), so the server
// merges it field by field into whatever the entry is by then (woodshed/journal/merge.py).

const accountMeta = document.querySelector('meta[name="woodshed-offline"]');
const account = accountMeta ? accountMeta.content : "";
const DB_NAME = `woodshed-offline-${account}`;
const MARKER = `woodshed-offline-kept-${account}`;
const SYNC_EVERY_MS = 30000;
// Lie-fi: "online" but nothing comes back. A form or a queued write without an answer by
// then is kept on this device and sent again later (a create carries its client id and
// an edit its base, so one that did reach the server is saved once).
const WAIT_MS = Number(accountMeta?.dataset.waitMs) || 15000;
const banner = document.querySelector("[data-offline-banner]");

// --- IndexedDB -----------------------------------------------------------------------------

let dbPromise = null;
let evicted = false;

function openDb() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      // A new database where this browser had kept one: it was cleared (eviction).
      if (localStorage.getItem(MARKER)) evicted = true;
      request.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
    };
    request.onsuccess = () => {
      localStorage.setItem(MARKER, "1");
      resolve(request.result);
    };
    request.onerror = () => reject(request.error);
  });
  return dbPromise;
}

async function store(mode) {
  const db = await openDb();
  return db.transaction("queue", mode).objectStore("queue");
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function queued() {
  return done((await store("readonly")).getAll());
}

async function enqueue(op) {
  await done((await store("readwrite")).add(op));
}

async function remove(seq) {
  await done((await store("readwrite")).delete(seq));
}

async function update(op) {
  await done((await store("readwrite")).put(op));
}

// --- queueing a form -----------------------------------------------------------------------

function newId() {
  return crypto.randomUUID();
}

function describe(form, fields) {
  const get = (name) => fields.find(([k]) => k === name)?.[1];
  if (form.dataset.offlineQueue === "quick") {
    const minutes = get("preset") || get("duration");
    return `Quick log, ${minutes} min`;
  }
  if (get("base")) return "Edit of an entry";
  const minutes = get("duration_minutes");
  return minutes ? `Journal entry, ${minutes} min` : form.dataset.offlineLabel || "A change";
}

// The log form's client id, once sent or kept, is never sent again as another entry: a
// kept copy of the form (the service worker's, rendered once) would otherwise carry the
// id of an entry already saved, and the server would answer "already saved" for a new one.
const USED_IDS = `woodshed-used-ids-${account}`;

function usedIds() {
  try {
    return JSON.parse(localStorage.getItem(USED_IDS) || "[]");
  } catch (_e) {
    return [];
  }
}

function markUsed(value) {
  if (!value) return;
  const ids = usedIds().filter((v) => v !== value);
  ids.push(value);
  localStorage.setItem(USED_IDS, JSON.stringify(ids.slice(-200)));
}

function entryId(form) {
  return form.querySelector('input[type="hidden"][name="id"]:not([data-client-id])');
}

function freshIds() {
  const used = new Set(usedIds());
  for (const form of document.querySelectorAll("form[data-offline-queue]")) {
    const id = entryId(form);
    if (id && used.has(id.value)) id.value = newId();
  }
}

function prepare(form) {
  markUsed(entryId(form)?.value);
  // A quick log needs its own id and the moment it ended (it is sent later).
  const id = form.querySelector("[data-client-id]");
  if (id && !id.value) id.value = newId();
  const ended = form.querySelector("[data-ended-at]");
  if (ended) ended.value = new Date().toISOString();
  const edited = form.querySelector("[data-edited-at]");
  if (edited) edited.value = new Date().toISOString();
}

function formFields(form, submitter) {
  return [...new FormData(form, submitter).entries()].filter(
    ([k, v]) => k !== "csrf_token" && typeof v === "string",
  );
}

async function queueForm(form, submitter, captured = null) {
  if (!captured) prepare(form);
  const fields = captured || formFields(form, submitter);
  await enqueue({
    action: new URL(form.action, location.href).pathname,
    fields,
    label: describe(form, fields),
    queuedAt: new Date().toISOString(),
    key: newId(),
    state: "waiting",
  });
  // The next entry from this form is another entry.
  const clientId = form.querySelector("[data-client-id]");
  if (clientId) clientId.value = "";
  const formId = entryId(form);
  if (formId) formId.value = newId();
  notice(form, "Kept on this device — it will be sent when you are back online.");
  await render();
}

function notice(form, text) {
  let note = form.querySelector("[data-offline-notice]");
  if (!note) {
    note = document.createElement("p");
    note.className = "flash flash-info";
    note.setAttribute("role", "status");
    note.dataset.offlineNotice = "";
    form.prepend(note);
  }
  note.textContent = text;
}

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-offline-queue]");
  if (!form || !account || event.defaultPrevented) return;
  if (navigator.onLine) {
    prepare(form);
    // Sent now, as usual. If no answer has come when WAIT_MS is up (a connection that
    // hangs), the page is still this one: stop waiting and keep it as it was sent.
    const fields = formFields(form, event.submitter);
    setTimeout(() => {
      if (event.defaultPrevented) return; // another script kept it from being sent
      window.stop();
      stalled = true;
      queueForm(form, event.submitter, fields).catch((err) =>
        notice(form, `Could not keep this: ${err}`),
      );
    }, WAIT_MS);
    return;
  }
  event.preventDefault();
  queueForm(form, event.submitter).catch((err) => notice(form, `Could not keep this: ${err}`));
});

// --- sending -------------------------------------------------------------------------------

async function freshCsrf() {
  // Marked as a background request: it takes no flash message and writes no cookie.
  const resp = await send("/sync", {
    credentials: "same-origin",
    cache: "no-store",
    headers: { "X-Woodshed-Shell": "1" },
  });
  if (resp.redirected && new URL(resp.url).pathname.startsWith("/login")) return null;
  const html = await resp.text();
  const match = html.match(/<meta name="csrf-token" content="([^"]+)"/);
  return match ? match[1] : null;
}

function refusal(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const messages = [...doc.querySelectorAll(".field-error, .error-summary li")].map((e) =>
    e.textContent.trim(),
  );
  return messages.filter(Boolean).slice(0, 3).join(" ") || "The server refused it.";
}

// The error message of the page a write led to, if it said no (flash-error).
async function declinedWith(resp) {
  const html = await resp.clone().text();
  const doc = new DOMParser().parseFromString(html, "text/html");
  const error = doc.querySelector(".flash-error");
  return error ? error.textContent.trim() || "The server refused it." : null;
}

let flushing = false;
// The last attempt to reach the server got no answer in time (lie-fi).
let stalled = false;

async function send(url, options) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), WAIT_MS);
  try {
    const resp = await fetch(url, { ...options, signal: controller.signal });
    stalled = false;
    return resp;
  } catch (err) {
    if (controller.signal.aborted) stalled = true;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// The page a sent write led to (the entry as saved) is stale where it is kept: dropped, so
// the worker keeps it anew (without this request's flash message) when told below.
async function dropKeptCopy(resp) {
  if (!resp.redirected || !(await caches.has(`woodshed-pages-${account}`))) return;
  const cache = await caches.open(`woodshed-pages-${account}`);
  await cache.delete(new URL(resp.url).pathname);
}

async function flushNow() {
  const progress = { sent: 0 };
  try {
    await sendWaiting(progress);
  } finally {
    // New entries are pages too: the worker keeps them (and the journal list) for offline.
    if (progress.sent) tellWorker(true);
  }
}

async function sendWaiting(progress) {
  const ops = (await queued()).filter((op) => op.state === "waiting");
  if (!ops.length || !navigator.onLine) return;
  let token;
  try {
    token = await freshCsrf();
  } catch (_err) {
    return; // no answer: try again later
  }
  if (!token) return; // signed out elsewhere: keep everything for the next sign-in
  for (const op of ops) {
    const body = new URLSearchParams(op.fields);
    body.set("csrf_token", token);
    let resp;
    try {
      resp = await send(op.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "Idempotency-Key": op.key },
        redirect: "follow",
      });
    } catch (_err) {
      // The network dropped, or no answer came in time: the op stays and is sent again
      // (saved once).
      return;
    }
    if (resp.redirected && new URL(resp.url).pathname.startsWith("/login")) return;
    const declined = resp.ok ? await declinedWith(resp) : null;
    if (declined) {
      // Answered with a page, but one that says no (a plan already checked in elsewhere):
      // kept and shown, never counted as saved.
      await update({ ...op, state: "refused", error: declined });
    } else if (resp.ok) {
      await remove(op.seq);
      progress.sent += 1;
      await dropKeptCopy(resp);
    } else if ([400, 409, 422].includes(resp.status)) {
      await update({ ...op, state: "refused", error: refusal(await resp.text()) });
    } else {
      return; // 429, 5xx: try again later, in order
    }
    await render();
  }
}

export async function flush() {
  if (flushing || !account) return;
  flushing = true;
  try {
    // One tab sends at a time (Web Locks); others skip this round.
    if (navigator.locks) {
      await navigator.locks.request(`woodshed-sync-${account}`, { ifAvailable: true }, (lock) =>
        lock ? flushNow() : null,
      );
    } else {
      await flushNow();
    }
  } finally {
    flushing = false;
    await render();
  }
}

// --- what is waiting, shown ----------------------------------------------------------------

function plural(n, word) {
  const words = { entry: "entries" };
  return `${n} ${n === 1 ? word : words[word] || `${word}s`}`;
}

async function render() {
  if (!account || !banner) return;
  const ops = await queued();
  const waiting = ops.filter((op) => op.state === "waiting");
  const refused = ops.filter((op) => op.state === "refused");
  const parts = [];
  if (!navigator.onLine) parts.push("Offline.");
  const hanging = navigator.onLine && stalled;
  if (hanging) parts.push("The connection is not answering.");
  if (waiting.length) {
    let when = " until you are back online.";
    if (hanging) when = " — trying again every 30 seconds.";
    else if (navigator.onLine) when = " — sending…";
    parts.push(`${plural(waiting.length, "entry")} waiting to sync, kept on this device${when}`);
  } else if (!navigator.onLine) {
    parts.push("What you log is kept on this device and sent when the connection returns.");
  }
  if (refused.length) parts.push(`${plural(refused.length, "entry")} could not be saved.`);
  if (evicted) parts.push("This browser cleared the offline copy; reload while online.");
  banner.querySelector("[data-offline-text]").textContent = parts.join(" ");
  banner.hidden = parts.length === 0;
  banner.dataset.waiting = String(waiting.length);
  const status = document.querySelector("[data-sync-status]");
  if (status) {
    status.textContent = ops.length
      ? `${plural(waiting.length, "entry")} waiting, ${refused.length} refused.`
      : "Nothing is waiting to be sent.";
    const list = document.querySelector("[data-sync-queue]");
    list.replaceChildren(
      ...ops.map((op) => {
        const li = document.createElement("li");
        li.textContent = `${op.label} (kept ${new Date(op.queuedAt).toLocaleString()})`;
        if (op.state === "refused") {
          li.append(` — not saved: ${op.error} `);
          const drop = document.createElement("button");
          drop.type = "button";
          drop.className = "button small secondary";
          drop.textContent = "Discard";
          drop.addEventListener("click", async () => {
            await remove(op.seq);
            await render();
          });
          li.append(drop);
        }
        return li;
      }),
    );
  }
}

// --- storage -------------------------------------------------------------------------------

async function showStorage() {
  const usage = document.querySelector("[data-storage-usage]");
  if (!navigator.storage) return;
  let persisted = await navigator.storage.persisted?.();
  if (!persisted && navigator.storage.persist) persisted = await navigator.storage.persist();
  if (!usage || !navigator.storage.estimate) return;
  const { usage: used = 0, quota = 0 } = await navigator.storage.estimate();
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  usage.textContent =
    `This browser keeps ${mb(used)} for Woodshed (of ${mb(quota)} allowed). ` +
    (persisted
      ? "It has agreed not to clear it on its own."
      : "It may clear it when space runs low or after weeks without a visit — sync often.");
}

// --- sign-out ------------------------------------------------------------------------------

async function forget() {
  if (dbPromise) (await dbPromise).close();
  dbPromise = null;
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  localStorage.removeItem(MARKER);
  localStorage.removeItem(USED_IDS);
  await caches.delete(`woodshed-pages-${account}`);
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return;
  // Wait (a little) until the worker has stopped keeping this account's pages, so none
  // of its fetches lands after the sign-out.
  await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    setTimeout(resolve, 5000);
    worker.postMessage({ type: "forget", account }, [channel.port2]);
  });
}

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-sign-out]");
  if (!form || !account || form.dataset.forgotten) return;
  event.preventDefault();
  (async () => {
    const waiting = (await queued()).length;
    if (
      waiting &&
      !window.confirm(
        `${plural(waiting, "entry")} on this device have not been sent. ` +
          "Signing out deletes them. Sign out anyway?",
      )
    ) {
      return;
    }
    await forget();
    form.dataset.forgotten = "1";
    form.submit();
  })();
});

// --- the service worker --------------------------------------------------------------------

function offerReload(worker) {
  const offer = document.querySelector("[data-update-banner]");
  if (!offer) return;
  offer.hidden = false;
  offer.querySelector("button").addEventListener("click", () => {
    worker.postMessage({ type: "skip-waiting" });
  });
}

let registration = null;

function tellWorker(refresh) {
  const target = navigator.serviceWorker?.controller || registration?.active;
  target?.postMessage({ type: "account", account: account || null, refresh });
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const tell = () => tellWorker(refreshDue());
  if (registration.waiting && navigator.serviceWorker.controller) offerReload(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) offerReload(worker);
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // A new version took over: a reload asked for by the musician (queued writes stay
    // in IndexedDB), or the first worker taking control (keep the shell now).
    if (document.querySelector("[data-update-banner]:not([hidden])") && !reloading) {
      reloading = true;
      location.reload();
    } else {
      tell();
    }
  });
  await navigator.serviceWorker.ready;
  // Loaded while the first worker was activating: its claim came before this page was a
  // client, so nothing controls it (offline, this page would not come back). Ask again;
  // the controllerchange that follows tells the worker who is signed in.
  if (!navigator.serviceWorker.controller) registration.active?.postMessage({ type: "claim" });
  tell();
}

function refreshDue() {
  const key = `woodshed-shell-${account}`;
  const last = Number(localStorage.getItem(key) || 0);
  if (!account || Date.now() - last < 10 * 60 * 1000) return false;
  localStorage.setItem(key, String(Date.now()));
  return true;
}

// --- start ---------------------------------------------------------------------------------

window.addEventListener("online", () => flush());
window.addEventListener("offline", () => render());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") flush();
});
if (account) {
  freshIds();
  setInterval(() => flush(), SYNC_EVERY_MS);
  openDb()
    .then(() => render())
    .then(() => flush())
    .catch(() => {});
  showStorage().catch(() => {});
  document.querySelector("[data-sync-now]")?.addEventListener("click", () => flush());
}
registerWorker().catch(() => {});
