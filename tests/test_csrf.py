"""SEC-CSRF: every state change needs a CSRF token (forms) or a bearer token / header (API);
GET never changes anything. The routes come from the access matrix, so new ones are covered."""

from __future__ import annotations

import re

import pytest

from tests.test_access_matrix import (
    MATRIX,
    Cast,
    alice_state,
    builder_for,
    expand,
    fill,
    path_params,
)

# Form posts that authenticate by a signed token in the URL instead of a session cookie.
CSRF_EXEMPT = {
    "POST /unsubscribe": "RFC 8058 one-click unsubscribe: mail clients post without a page",
}
FORM_POSTS = sorted(
    k for k in MATRIX if not k.startswith("GET ") and " /api/" not in k and k not in CSRF_EXEMPT
)
API_WRITES = sorted(
    k
    for k in MATRIX
    if not k.startswith("GET ") and " /api/" in k and MATRIX[k]["anonymous"] == 401
)
GETS = sorted(k for k in MATRIX if k.startswith("GET "))


def prepare(route: str, cast: Cast):
    method, rule = route.split(" ", 1)
    built = {name: builder_for(route, name)(cast) for name in path_params(rule)}
    return method, fill(rule, {n: b.value for n, b in built.items()}), built


@pytest.mark.parametrize("route", FORM_POSTS)
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_a_form_post_without_a_valid_csrf_token_is_refused(app, alice, bob, charlie, route, token):
    cast = Cast(alice, bob, charlie)
    method, url, built = prepare(route, cast)
    web = app.test_client()
    web.sign_in(charlie if url.startswith("/admin/") else alice)
    before = alice_state(cast, built)

    form = expand(MATRIX[route].get("form", {}), cast)
    if token == "forged":
        form["csrf_token"] = "IjEyMzQ1Njc4OTAi.forged.signature"
    response = web.open(url, method=method, data=form)

    assert response.status_code == 400, route
    assert "CSRF" in response.get_data(as_text=True)
    assert alice_state(cast, built) == before


@pytest.mark.parametrize("route", API_WRITES)
def test_the_api_refuses_a_cookie_authenticated_write_without_the_csrf_header(
    app, alice, bob, charlie, route
):
    cast = Cast(alice, bob, charlie)
    method, url, built = prepare(route, cast)
    web = app.test_client()
    web.sign_in(alice)
    before = alice_state(cast, built)

    response = web.open(url, method=method, json=expand(MATRIX[route].get("json"), cast))

    assert response.status_code == 403, route
    assert response.mimetype == "application/problem+json"
    assert "X-CSRFToken" in response.get_json()["detail"]
    assert alice_state(cast, built) == before


def test_the_api_accepts_a_cookie_authenticated_write_with_the_pages_csrf_token(alice_web):
    page = alice_web.get("/settings/profile").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]
    response = alice_web.patch(
        "/api/v1/me", json={"display_name": "Alice B."}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert response.get_json()["display_name"] == "Alice B."


def test_the_api_refuses_a_forged_csrf_header(alice_web):
    response = alice_web.patch(
        "/api/v1/me", json={"display_name": "Mallory"}, headers={"X-CSRFToken": "forged"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("route", GETS)
@pytest.mark.parametrize("role", ["anonymous", "owner"])
def test_a_get_never_changes_anything(app, alice, bob, charlie, route, role):
    cast = Cast(alice, bob, charlie)
    _method, url, built = prepare(route, cast)
    web = app.test_client()
    if role == "owner":
        web.sign_in(alice)
    before = alice_state(cast, built)
    web.get(url)
    assert alice_state(cast, built) == before
