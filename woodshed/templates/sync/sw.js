/* Woodshed's service worker (served from /sw.js by woodshed/sync/views.py).
 *
 * - Static files (content-hashed names) are kept in "woodshed-static-<version>" at install
 *   and answered from there first; a deploy changes the version, so the browser installs
 *   a new worker, which waits until the page says the musician chose to reload.
 * - Pages are fetched from the network first; each page seen while signed in is kept
 *   in that account's own cache ("woodshed-pages-<account>") and answered from it when
 *   there is no network. The shell's pages (dashboard, journal, repertoire, plans, timer,
 *   tools) are fetched into it as soon as the page tells the worker who is signed in.
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

async function keepShell(account) {
  const cache = await caches.open("woodshed-pages-" + account);
  // One page after the other: a burst of requests right after sign-in helps nobody.
  for (const url of SHELL_PAGES) {
    // Signed out meanwhile: stop. A page fetched now would be the sign-in page, and would
    // take the "You are signed out." message meant for the musician's own next page.
    if ((await currentAccount()) !== account) return;
    try {
      // Marked as the shell's copy: the server leaves the flash messages (meant for the
      // page the musician opens next) where they are, and the kept page shows none.
      const resp = await fetch(url, {
        credentials: "same-origin",
        redirect: "follow",
        headers: { "X-Woodshed-Shell": "1" },
      });
      if (resp.ok && !resp.redirected && isHtml(resp)) await cache.put(url, resp);
    } catch (_e) {
      /* offline: keep what is there */
    }
  }
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

async function page(request) {
  const account = await currentAccount();
  try {
    const resp = await fetch(request);
    // Kept only in a cache the account's shell made: never recreated after sign-out.
    const kept = account && (await caches.has("woodshed-pages-" + account));
    if (kept && resp.ok && !resp.redirected && isHtml(resp)) {
      const cache = await caches.open("woodshed-pages-" + account);
      await cache.put(stripQuery(request.url), resp.clone());
    }
    return resp;
  } catch (err) {
    if (account) {
      const cache = await caches.open("woodshed-pages-" + account);
      const kept = (await cache.match(request.url)) || (await cache.match(stripQuery(request.url)));
      if (kept) return kept;
    }
    const fallback = await caches.match(OFFLINE_PAGE);
    if (fallback) return fallback;
    throw err;
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
  if (request.mode === "navigate") event.respondWith(page(request));
});
