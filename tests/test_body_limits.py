"""Open endpoints refuse a large body before parsing it (issue 19, item 7): sign-in,
registration, reset and tokens take a few KB; signed-in imports keep the general limit."""

from __future__ import annotations

import json

import pytest

from woodshed.security import SMALL_BODY_BYTES

BIG = json.dumps({"email": "x@example.org", "password": "p" * (SMALL_BODY_BYTES + 1)})


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/auth/token",
        "/api/v1/auth/register",
        "/api/v1/auth/password-reset",
        "/api/v1/profile-moves/accept",
    ],
)
def test_an_open_api_operation_refuses_a_large_body_with_413(client, url):
    response = client.post(url, data=BIG, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("url", ["/login", "/register", "/reset", "/profile-move"])
def test_an_open_form_refuses_a_large_body_with_413(client, url):
    response = client.post(url, data={"email": "x" * (SMALL_BODY_BYTES + 1)})
    assert response.status_code == 413


def test_a_sign_in_of_ordinary_size_still_works(client, alice):
    response = client.post(
        "/api/v1/auth/token", json={"email": alice.email, "password": alice.password}
    )
    assert response.status_code == 201
