"""PERF-PAGE's budget, from a real browser: the JS and CSS a page downloads, compressed.

Chromium (Debian's, through Playwright) signs in with an empty cache, opens each page and
adds up the resource timing of its scripts and style sheets: `encodedBodySize` is the
body as sent (compressed; the same whether it came over the wire or from the cache the
sign-in pages filled), `decodedBodySize` what it unpacked to.
"""

from __future__ import annotations

import shutil

#: (page, path, budget in KB of compressed JS + CSS)
PAGES = [("dashboard", "/", 30), ("Progress page", "/stats", 110), ("tools page", "/tools", 45)]

RESOURCES = """() => performance.getEntriesByType('resource')
    .filter(e => /\\.(js|css)(\\?|$)/.test(new URL(e.name).pathname))
    .map(e => ({name: new URL(e.name).pathname, encoded: e.encodedBodySize,
                decoded: e.decodedBodySize}))"""


def chromium(figures: str) -> str | None:
    """The Chromium to drive, as the browser tests choose (the headless shell, else
    `chromium`); None, with a note that `figures` are skipped, without it or Playwright."""
    executable = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is installed
    except ImportError:
        executable = None
    if executable is None:
        print(
            f"{figures}: skipped (needs Playwright and Debian's chromium-headless-shell: "
            "CI=true make install-test test-e2e-setup)"
        )
    return executable


def run(base: str, email: str, password: str) -> list[dict]:
    """One figure per page; an empty list (with a note) without Playwright or Chromium."""
    executable = chromium("page weight")
    if executable is None:
        return []
    from playwright.sync_api import sync_playwright

    figures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            for label, path, budget in PAGES:
                # An empty cache for every page, and no service worker: answered from its
                # cache, a file's resource timing has no compressed size.
                context = browser.new_context(service_workers="block")
                page = context.new_page()
                _sign_in(page, base, email, password)
                page.goto(base + path, wait_until="networkidle")
                files = page.evaluate(RESOURCES)
                context.close()
                kb = sum(f["encoded"] for f in files) / 1024
                js = sum(f["encoded"] for f in files if f["name"].endswith(".js")) / 1024
                figures.append(
                    {
                        "name": f"page weight: {label} JS+CSS ({len(files)} files, "
                        f"{sum(f['decoded'] for f in files) / 1024:.0f} KB unpacked; "
                        f"JS {js:.1f} KB)",
                        "value": round(kb, 1),
                        "unit": "KB",
                        "cpu": None,
                        "target": f"≤ {budget} KB",
                        "files": files,
                        "chart_js": any("chart" in f["name"] for f in files),
                    }
                )
        finally:
            browser.close()
    return figures


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
