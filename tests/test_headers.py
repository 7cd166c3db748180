"""SEC-HDR: every kind of response carries the security headers; personal ones are not cached.

That no page has inline scripts, styles or handlers is checked for every page and role in
the matrix's pass (tests/test_access_matrix.py), where the routes are built once.
"""

from __future__ import annotations

import re

import pytest

from tests.clients import ApiClient

PAGE_KINDS = {
    "landing page": ("anonymous", "/", 200),
    "form page": ("anonymous", "/login", 200),
    "personal page": ("alice", "/settings/profile", 200),
    "html error page": ("alice", "/no-such-page", 404),
    "method not allowed": ("anonymous", "/logout", 405),
    "api json": ("alice-api", "/api/v1/me", 200),
    "problem json": ("alice-api", "/api/v1/instruments/00000000-0000-7000-8000-000000000000", 404),
    "unauthenticated api": ("anonymous", "/api/v1/me", 401),
    "openapi document": ("anonymous", "/api/v1/openapi.json", 200),
    "static file": ("anonymous", "/static/css/app.css", 200),
    "health probe": ("anonymous", "/healthz", 200),
}
PERSONAL = {"personal page", "api json", "problem json", "html error page"}


def fetch(app, alice, who: str, url: str):
    if who == "alice-api":
        return ApiClient.for_user(app, alice.user).get(url)
    web = app.test_client()
    if who == "alice":
        web.sign_in(alice)
    return web.get(url)


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_every_kind_of_response_carries_the_security_headers(app, alice, kind):
    who, url, status = PAGE_KINDS[kind]
    response = fetch(app, alice, who, url)
    assert response.status_code == status

    csp = csp_directives(response)
    assert "'unsafe-inline'" not in csp.get("script-src", csp["default-src"])
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}
    assert "Strict-Transport-Security" not in response.headers  # development: plain http


@pytest.mark.parametrize("kind", sorted(PERSONAL))
def test_personal_responses_are_never_stored_by_caches(app, alice, kind):
    who, url, _status = PAGE_KINDS[kind]
    assert "no-store" in fetch(app, alice, who, url).headers["Cache-Control"]


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_production_adds_hsts_to_every_response(make_app, alice, kind):
    app = make_app(PRODUCTION=True)
    who, url, status = PAGE_KINDS[kind]
    response = fetch(app, alice, who, url)
    assert response.status_code == status
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts)[1])
    assert max_age >= 365 * 24 * 3600
