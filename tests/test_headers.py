"""SEC-HDR: every kind of response carries the security headers; personal ones are not cached."""

from __future__ import annotations

import re

import pytest

from tests.clients import ApiClient
from tests.test_access_matrix import MATRIX, Cast, builder_for, fill, path_params

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


GET_PAGES = sorted(k for k in MATRIX if k.startswith("GET ") and " /api/" not in k)


@pytest.mark.parametrize("route", GET_PAGES)
@pytest.mark.parametrize("visitor", ["anonymous", "owner", "admin"])
def test_no_page_has_inline_scripts_styles_or_handlers(app, alice, bob, charlie, route, visitor):
    """The CSP would block them, so a page relying on one would be broken."""
    rule = route.split(" ", 1)[1]
    cast = Cast(alice, bob, charlie)
    url = fill(rule, {p: builder_for(route, p)(cast).value for p in path_params(rule)})
    web = app.test_client()
    if visitor == "admin":
        web.sign_in(charlie)  # an admin sees every page, including administration
    elif visitor == "owner":
        web.sign_in(alice)  # alice sees her own objects' pages with their content
    response = web.get(url)
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), "inline script body"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert "<style" not in html
    assert "javascript:" not in html
