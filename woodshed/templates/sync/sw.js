/* Woodshed's service worker (served from /sw.js by woodshed/sync/views.py).
 *
 * - Static files (content-hashed names) are kept in "woodshed-static-<version>" at install
 *   and answered from there first; a deploy changes the version, so the browser installs
 *   a new worker, which waits until the page says the musician chose to reload.
 * - Pages are fetched from the network first; each page seen while signed in is kept
 *   in that account's own cache ("woodshed-pages-<account>") and answered from it when
 *   there is no network, or when the network has not answered in NETWORK_WAIT_MS (lie-fi).
 *   The shell's pages (dashboard, journal, repertoire, plans, timer, tools) are fetched
 *   into it as soon as the page tells the worker who is signed in, then the musician's own
 *   (the journal of the last 60 days with each entry, pieces, today's plan).
 * - Writes are not the worker's business: the page keeps them in IndexedDB and sends
 *   them itself (static/js/offline.js), so a new worker can never drop one.
 */
const VERSION = "{{ version }}";
const STATIC_CACHE = "woodshed-static-" + VERSION;
const META_CACHE = "woodshed-meta";
const SHELL_PAGES = {{ pages|safe }};
const STATIC_FILES = {{ static|safe }};
const OFFLINE_PAGE = "{{ offline_page }}";
const ACCOUNT_KEY = "/__woodshed/account";
const OWN_PAGES = "{{ own_pages }}";
// The journal of the last 60 days, kept under its own key: offline, any journal list
// answers with it (the list as last seen shows only its first page).
const RECENT_JOURNAL = "/__woodshed/recent-journal";
const JOURNAL_LIST = "{{ journal_list }}";
// Lie-fi: a network that is "connected" but does not answer. A page with a kept copy is
// answered from it after this long; the network's answer, if it comes, is still kept.
const NETWORK_WAIT_MS = {{ network_wait_ms }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(STATIC_CACHE);
      // One by one: a file that fails now is fetched when first asked for.
      await Promise.allSettled(STATIC_FILES.map((url) => cache.add(url)));
      // The fallback page, rendered for nobody in particular.
      const offline = await fetch(OFFLINE_PAGE, { credentials: "omit" });
      if (offline.ok) await cache.put(OFFLINE_PAGE, offline);
      // The first worker takes over at once; an update waits to be told (see "message").
      if (!(await self.registration.active)) await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("woodshed-static-") && name !== STATIC_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function currentAccount() {
  const meta = await caches.open(META_CACHE);
  const stored = await meta.match(ACCOUNT_KEY);
  return stored ? (await stored.text()) || null : null;
}

async function setAccount(account) {
  const meta = await caches.open(META_CACHE);
  await meta.put(ACCOUNT_KEY, new Response(account || ""));
}

async function keepPage(cache, account, url, key) {
  // Signed out meanwhile: stop. A page fetched now would be the sign-in page, and would
  // take the "You are signed out." message meant for the musician's own next page.
  if ((await currentAccount()) !== account) return false;
  try {
    // Marked as the shell's copy: the server leaves the flash messages (meant for the
    // page the musician opens next) where they are, and the kept page shows none.
    const resp = await fetch(url, {
      credentials: "same-origin",
      redirect: "follow",
      headers: { "X-Woodshed-Shell": "1" },
    });
    if (resp.ok && !resp.redirected && isHtml(resp)) await cache.put(key || url, resp);
  } catch (_e) {
    /* offline: keep what is there */
  }
  return true;
}

// The musician's own pages kept beside the fixed ones (woodshed/sync/services.py
// offline_pages): the last 60 days of the journal, each piece with its passages, today's
// plan. Pages already kept are not fetched again (the musician's visits refresh them);
// entries that left the list (older, deleted) are dropped.
const OWN_PAGE = /^\/(journal|repertoire|plans)\/[0-9a-f-]{36}(\/check-in)?$|^\/plans\/occurrences\//;

async function keepOwnPages(cache, account) {
  let listed;
  if ((await currentAccount()) !== account) return;
  try {
    // Signed out meanwhile, this is the sign-in page: marked, it takes no flash message.
    const resp = await fetch(OWN_PAGES, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Woodshed-Shell": "1" },
    });
    if (!resp.ok || resp.redirected) return;
    listed = await resp.json();
  } catch (_e) {
    return;
  }
  for (const url of listed.journal || []) {
    if (!(await keepPage(cache, account, url, RECENT_JOURNAL))) return;
  }
  const wanted = new Set(listed.pages || []);
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (OWN_PAGE.test(path) && !wanted.has(path)) await cache.delete(request);
  }
  for (const url of wanted) {
    if (await cache.match(url)) continue;
    if (!(await keepPage(cache, account, url))) return;
  }
}

// The shell being kept now, if any: signing out waits for its fetch in flight to end, so
// no request of the signed-in person is still under way when the sign-out is sent.
let keeping = Promise.resolve();

function keepShell(account) {
  keeping = keepShellNow(account).catch(() => null);
  return keeping;
}

async function keepShellNow(account) {
  const cache = await caches.open("woodshed-pages-" + account);
  // One page after the other: a burst of requests right after sign-in helps nobody.
  for (const url of SHELL_PAGES) {
    if (!(await keepPage(cache, account, url))) return;
  }
  await keepOwnPages(cache, account);
}

function isHtml(resp) {
  return (resp.headers.get("Content-Type") || "").startsWith("text/html");
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "account") {
    event.waitUntil(
      (async () => {
        const before = await currentAccount();
        await setAccount(data.account);
        if (data.account && (data.refresh || before !== data.account)) await keepShell(data.account);
        if (event.source) event.source.postMessage({ type: "shell-kept" });
      })(),
    );
  } else if (data.type === "forget") {
    // Signing out: this account's pages go; nothing of it stays for the next person.
    event.waitUntil(
      (async () => {
        await setAccount(null);
        await keeping; // stops after the page it is fetching (it checks the account)
        await caches.delete("woodshed-pages-" + data.account);
        // The page waits for this before it submits the sign-out.
        if (event.ports[0]) event.ports[0].postMessage({ type: "forgotten" });
      })(),
    );
  } else if (data.type === "claim") {
    // A page that loaded while this worker was activating (its navigation began before
    // the activate event's claim, so that claim missed it) asks to be controlled now.
    event.waitUntil(self.clients.claim());
  } else if (data.type === "skip-waiting") {
    self.skipWaiting();
  } else if (data.type === "version") {
    if (event.source) event.source.postMessage({ type: "version", version: VERSION });
  }
});

async function keptCopy(account, url) {
  if (!account) return null;
  const cache = await caches.open("woodshed-pages-" + account);
  if (new URL(url).pathname === JOURNAL_LIST) {
    const recent = await cache.match(RECENT_JOURNAL);
    if (recent) return recent;
  }
  return (await cache.match(url)) || (await cache.match(stripQuery(url)));
}

async function page(event) {
  const request = event.request;
  const account = await currentAccount();
  const network = (async () => {
    const resp = await fetch(request);
    // Kept only in a cache the account's shell made: never recreated after sign-out.
    const kept = account && (await caches.has("woodshed-pages-" + account));
    if (kept && resp.ok && !resp.redirected && isHtml(resp)) {
      const cache = await caches.open("woodshed-pages-" + account);
      await cache.put(stripQuery(request.url), resp.clone());
    }
    return resp;
  })();
  // Answered from a kept copy, the network's answer is still kept when it comes.
  event.waitUntil(network.catch(() => null));
  const copy = keptCopy(account, request.url);
  // The network first; a kept copy when it fails, or when it has not answered in time.
  let timer;
  const slow = new Promise((resolve) => {
    timer = setTimeout(() => resolve("slow"), NETWORK_WAIT_MS);
  });
  try {
    const first = await Promise.race([network, slow]);
    if (first !== "slow") return first;
    const kept = await copy;
    if (kept) return kept;
    return await network;
  } catch (err) {
    const kept = await copy;
    if (kept) return kept;
    const fallback = await caches.match(OFFLINE_PAGE);
    if (fallback) return fallback;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function stripQuery(url) {
  const u = new URL(url);
  u.search = "";
  return u.toString();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/sw.js") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request)),
    );
    return;
  }
  if (request.mode === "navigate") event.respondWith(page(event));
});
