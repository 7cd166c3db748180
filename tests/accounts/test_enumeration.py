"""SEC-ENUM: sign-in, registration and reset answer the same for known and unknown emails."""

from __future__ import annotations

import re
import uuid
from collections import Counter

import pytest
from argon2 import PasswordHasher

from woodshed.db import db

UNKNOWN = "nobody@example.org"
PASSWORD = "a long and quiet evening"


@pytest.fixture
def argon2_calls(monkeypatch) -> Counter:
    """Count real argon2 hash and verify calls (the originals still run)."""
    calls: Counter = Counter()
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, counted)
    return calls


def normalised(response, *emails: str) -> str:
    """The body with per-request noise (CSRF tokens) and the typed email taken out."""
    html = response.get_data(as_text=True)
    html = re.sub(r'(name="csrf_token" value=|name="csrf-token" content=)"[^"]*"', r"\1", html)
    for email in emails:
        html = html.replace(email, "EMAIL")
    return html


def test_sign_in_answers_the_same_for_a_wrong_password_and_an_unknown_email(
    client, alice, argon2_calls
):
    known = client.submit("/login", {"email": alice.email, "password": "not her password"})
    assert argon2_calls["verify"] == 1
    unknown = client.submit("/login", {"email": UNKNOWN, "password": "not her password"})
    assert argon2_calls["verify"] == 2  # the unknown email cost a verification too

    assert known.status_code == unknown.status_code == 401
    assert normalised(known, alice.email) == normalised(unknown, UNKNOWN)
    assert "The email or password is not right." in known.get_data(as_text=True)


def test_the_token_endpoint_answers_the_same_for_both(client, alice, argon2_calls):
    known = client.post("/api/v1/auth/token", json={"email": alice.email, "password": "nope-nope"})
    unknown = client.post("/api/v1/auth/token", json={"email": UNKNOWN, "password": "nope-nope"})
    assert argon2_calls["verify"] == 2
    assert known.status_code == unknown.status_code == 401
    assert known.get_json() == unknown.get_json()


def test_a_disabled_account_answers_like_a_wrong_password(client, alice, argon2_calls):
    alice.user.disabled = True
    db.session.flush()
    disabled = client.post(
        "/api/v1/auth/token", json={"email": alice.email, "password": alice.password}
    )
    unknown = client.post("/api/v1/auth/token", json={"email": UNKNOWN, "password": alice.password})
    assert argon2_calls["verify"] == 2
    assert disabled.status_code == unknown.status_code == 401
    assert disabled.get_json() == unknown.get_json()


def test_registering_a_taken_email_looks_like_registering_a_new_one(
    make_app, alice, mailbox, argon2_calls
):
    """Mode `verify` (issue 19, item 5): the page is the same for both addresses, and the
    address's owner hears about it by email either way."""
    app = make_app(REGISTRATION_MODE="verify")
    form = {"display_name": "Someone", "password": PASSWORD, "timezone": "Asia/Tokyo"}
    browser_a, browser_b = app.test_client(), app.test_client()
    taken = browser_a.submit("/register", form | {"email": alice.email})
    assert argon2_calls["hash"] == 1
    fresh = browser_b.submit("/register", form | {"email": UNKNOWN})
    assert argon2_calls["hash"] == 2

    assert taken.status_code == fresh.status_code == 200
    assert normalised(taken, alice.email) == normalised(fresh, UNKNOWN)
    assert set(taken.headers.keys()) == set(fresh.headers.keys())
    # alice hears about it by email; the visitor learns nothing on the page.
    assert len(mailbox.to(alice.email)) == 1
    assert "already have one" in mailbox.text(mailbox.to(alice.email)[0])
    assert "/register/confirm?token=" in mailbox.text(mailbox.to(UNKNOWN)[0])


def test_registering_through_the_api_answers_the_same_in_verify_mode(make_app, alice, mailbox):
    app = make_app(REGISTRATION_MODE="verify")
    client = app.test_client()
    body = {"password": PASSWORD, "display_name": "Someone", "timezone": "Asia/Tokyo"}
    taken = client.post("/api/v1/auth/register", json=body | {"email": alice.email})
    fresh = client.post("/api/v1/auth/register", json=body | {"email": UNKNOWN})
    assert taken.status_code == fresh.status_code == 202
    assert taken.get_json() == fresh.get_json()
    assert "id" not in taken.get_json()  # no ids whose timestamps could tell them apart
    assert set(taken.headers.keys()) == set(fresh.headers.keys())
    assert len(mailbox.to(alice.email)) == 1
    assert len(mailbox.to(UNKNOWN)) == 1


def test_registering_a_taken_email_through_the_api_looks_like_a_new_account(client, alice):
    """Mode `open` keeps the shape of the answer (the ids are fresh either way)."""
    body = {"password": PASSWORD, "display_name": "Someone", "timezone": "Asia/Tokyo"}
    taken = client.post("/api/v1/auth/register", json=body | {"email": alice.email})
    fresh = client.post("/api/v1/auth/register", json=body | {"email": UNKNOWN})

    assert taken.status_code == fresh.status_code == 201
    t, f = taken.get_json(), fresh.get_json()
    for key in ("id", "profile_id"):
        assert uuid.UUID(t[key]).version == uuid.UUID(f[key]).version == 7
    assert t["id"] != str(alice.user.id)
    ignore = {"id", "profile_id", "email"}
    assert {k: v for k, v in t.items() if k not in ignore} == {
        k: v for k, v in f.items() if k not in ignore
    }
    assert set(taken.headers.keys()) == set(fresh.headers.keys())


def test_a_reset_request_answers_the_same_for_both(client, alice, mailbox):
    known = client.submit("/reset", {"email": alice.email})
    unknown = client.submit("/reset", {"email": UNKNOWN})
    assert known.status_code == unknown.status_code == 200
    assert normalised(known, alice.email) == normalised(unknown, UNKNOWN)
    assert len(mailbox.to(alice.email)) == 1
    assert mailbox.to(UNKNOWN) == []


def test_a_reset_request_through_the_api_answers_the_same_for_both(client, alice):
    known = client.post("/api/v1/auth/password-reset", json={"email": alice.email})
    unknown = client.post("/api/v1/auth/password-reset", json={"email": UNKNOWN})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()


def test_an_unknown_reset_costs_a_hash_as_the_known_path_costs_a_token(client, alice, argon2_calls):
    client.post("/api/v1/auth/password-reset", json={"email": UNKNOWN})
    assert argon2_calls["hash"] == 1
