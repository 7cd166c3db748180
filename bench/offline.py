"""Issue 18's offline figures, from a real browser: how much the app shell is (what the
service worker keeps, in bytes as sent) and how soon the dashboard shows with no network.

Chromium (Debian's, through Playwright) signs in with an empty cache and waits until the
service worker has kept the shell: the static files (listed in `/sw.js`, content-hashed,
precached at install) and the pages (the shell's, then the musician's own from
`/sync/pages`). The static files are then fetched once more outside the browser asking
for brotli, and their bytes as sent are added up (the browser's Cache Storage holds them
unpacked); the pages are counted as the server sends them. Then the browser goes offline
and opens the dashboard RUNS times from the kept copy: the figure is the median time to
the first contentful paint (and to `load`), from the page's own performance timeline.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import urllib.request

from bench.pageweight import _sign_in, chromium

RUNS = 10
#: Targets: the shell of a phone on a slow connection, and a dashboard that is "instant".
SHELL_TARGET_KB = 500
RENDER_TARGET_MS = 1000

KEPT = """async () => {
  const meta = document.querySelector('meta[name="woodshed-offline"]');
  if (!meta || !navigator.serviceWorker.controller) return null;
  const cache = await caches.open('woodshed-pages-' + meta.content);
  const keys = (await cache.keys()).map((r) => new URL(r.url).pathname);
  return keys;
}"""

PAINT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {fcp: fcp ? fcp.startTime : null, load: nav ? nav.loadEventEnd : null,
          size: nav ? nav.transferSize : null};
}"""


def _sent_bytes(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})  # noqa: S310
    if cookie:
        request.add_header("Cookie", cookie)
    with urllib.request.urlopen(request) as resp:  # noqa: S310 (the bench's own server)
        return len(resp.read()), resp.headers.get("Content-Encoding", "")


def _shell_lists(base: str) -> tuple[list[str], list[str]]:
    with urllib.request.urlopen(f"{base}/sw.js") as resp:  # noqa: S310
        text = resp.read().decode()
    static = json.loads(re.search(r"const STATIC_FILES = (\[.*?\]);", text).group(1))
    pages = json.loads(re.search(r"const SHELL_PAGES = (\[.*?\]);", text).group(1))
    return static, pages


def run(base: str, email: str, password: str) -> list[dict]:
    """The offline figures; an empty list (with a note) without Playwright or Chromium."""
    executable = chromium("offline")
    if executable is None:
        return []
    from playwright.sync_api import sync_playwright

    static, _ = _shell_lists(base)
    static_bytes = 0
    encodings = set()
    for url in static:
        size, encoding = _sent_bytes(base + url)
        static_bytes += size
        encodings.add(encoding or "identity")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            context = browser.new_context()
            page = context.new_page()
            started = time.perf_counter()
            _sign_in(page, base, email, password)
            own = json.loads(page.request.get(f"{base}/sync/pages").text())
            wanted = set(own["pages"]) | {"/__woodshed/recent-journal"}
            deadline = time.monotonic() + 300
            while True:
                keys = page.evaluate(KEPT) or []
                if wanted <= set(keys):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the shell was not kept in 5 minutes ({len(keys)} pages)")
                page.wait_for_timeout(250)
            kept_after = time.perf_counter() - started
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
            page_bytes = 0
            for path in keys:
                if path.startswith("/__woodshed/"):
                    path = own["journal"][0]
                page_bytes += _sent_bytes(base + path, cookie)[0]
            context.set_offline(True)
            paints = []
            for _ in range(RUNS):
                page.goto(f"{base}/", wait_until="load")
                if not page.locator("[data-offline-banner]").count():
                    raise RuntimeError("the dashboard did not open offline")
                paints.append(page.evaluate(PAINT))
            context.close()
        finally:
            browser.close()
    fcp = [p["fcp"] for p in paints if p["fcp"] is not None]
    load = [p["load"] for p in paints if p["load"] is not None]
    return [
        {
            "name": f"offline shell: {len(static)} static files precached, as sent "
            f"({'/'.join(sorted(encodings))})",
            "value": round(static_bytes / 1024, 1),
            "unit": "KB",
            "cpu": None,
            "target": f"≤ {SHELL_TARGET_KB} KB",
        },
        {
            "name": f"offline shell: {len(keys)} pages kept after sign-in, as sent",
            "value": round(page_bytes / 1024, 1),
            "unit": "KB",
            "cpu": None,
            "target": "(recorded)",
        },
        {
            "name": "offline shell: kept, from sign-in to the last page",
            "value": round(kept_after, 2),
            "unit": "s",
            "cpu": None,
            "target": "(recorded)",
        },
        {
            "name": f"offline: dashboard's first contentful paint, median of {len(fcp)} "
            f"(load {statistics.median(load):.0f} ms)",
            "value": round(statistics.median(fcp), 1),
            "unit": "ms",
            "cpu": None,
            "target": f"≤ {RENDER_TARGET_MS} ms",
        },
    ]
