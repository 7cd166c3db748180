"""SEC-TOKEN: reset links and API tokens are long, random, hashed, single-use, expiring,
revocable and never written to a log."""

from __future__ import annotations

import base64
import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.serving import WSGIRequestHandler

from tests.clients import ApiClient, page_text
from woodshed.accounts import services
from woodshed.accounts.models import ApiToken, AuthSession, PasswordResetToken
from woodshed.db import db
from woodshed.ratelimit import throttle
from woodshed.tokens import hash_token

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
NEW_PASSWORD = "scales before breakfast"


def request_reset(client, mailbox, email: str) -> str:
    """Ask for a reset link and return the token from the email."""
    response = client.post("/api/v1/auth/password-reset", json={"email": email})
    assert response.status_code == 202
    message = mailbox.to(email)[-1]
    link = re.search(r"https?://\S+/reset/confirm\?token=\S+", mailbox.text(message)).group(0)
    assert link.startswith("http://woodshed.test/reset/confirm?")  # WOODSHED_BASE_URL
    return parse_qs(urlsplit(link).query)["token"][0]


def confirm(client, token: str, password: str = NEW_PASSWORD):
    return client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": password}
    )


def another_reset_allowed() -> None:
    """Forget the per-address limit on reset emails (one per 5 minutes by default)."""
    throttle().reset()


def test_a_reset_token_carries_at_least_128_random_bits(client, mailbox, alice):
    first = request_reset(client, mailbox, alice.email)
    another_reset_allowed()
    second = request_reset(client, mailbox, alice.email)
    assert first != second
    for token in (first, second):
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128


def test_only_the_hash_of_a_reset_token_is_stored(client, mailbox, alice):
    token = request_reset(client, mailbox, alice.email)
    rows = db.session.execute(sa.select(PasswordResetToken.__table__)).mappings().all()
    assert [r["token_hash"] for r in rows] == [hash_token(token)]
    assert all(token not in str(value) for row in rows for value in row.values())


def test_the_emailed_link_resets_the_password_once(client, mailbox, alice):
    token = request_reset(client, mailbox, alice.email)
    page = client.get(f"/reset/confirm?token={token}")
    assert "Choose a new password" in page_text(page)

    assert confirm(client, token).status_code == 204
    again = confirm(client, token, "another practice routine")
    assert again.status_code == 422
    assert "invalid or has expired" in again.get_json()["errors"][0]["message"]

    old = client.post("/api/v1/auth/token", json={"email": alice.email, "password": alice.password})
    new = client.post("/api/v1/auth/token", json={"email": alice.email, "password": NEW_PASSWORD})
    assert old.status_code == 401
    assert new.status_code == 201


def test_using_one_link_cancels_the_others(client, mailbox, alice):
    first = request_reset(client, mailbox, alice.email)
    another_reset_allowed()
    second = request_reset(client, mailbox, alice.email)
    assert first != second
    assert confirm(client, second).status_code == 204
    assert confirm(client, first, "another practice routine").status_code == 422


def test_a_reset_link_expires(client, mailbox, alice, frozen_clock, app):
    frozen_clock(T0)
    token = request_reset(client, mailbox, alice.email)
    lifetime = timedelta(minutes=app.config["RESET_TOKEN_MINUTES"])

    frozen_clock(T0 + lifetime + timedelta(seconds=1))
    assert "invalid or has expired" in page_text(client.get(f"/reset/confirm?token={token}"))
    assert confirm(client, token).status_code == 422

    frozen_clock(T0 + lifetime - timedelta(seconds=1))
    assert confirm(client, token).status_code == 204


def test_a_reset_signs_out_every_session_and_revokes_every_api_token(
    app, client, mailbox, alice, alice_web, alice_api
):
    token = request_reset(client, mailbox, alice.email)
    assert confirm(client, token).status_code == 204
    assert alice_web.get("/settings/profile").status_code == 302
    assert alice_api.get("/api/v1/me").status_code == 401
    assert db.session.scalars(sa.select(AuthSession)).all() == []


def test_the_reset_form_works_from_the_link(client, mailbox, alice):
    token = request_reset(client, mailbox, alice.email)
    response = client.submit("/reset/confirm", {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.location.endswith("/login")
    client.sign_in(alice, NEW_PASSWORD)


def test_reset_tokens_never_reach_the_logs(client, mailbox, alice, caplog):
    caplog.set_level(logging.DEBUG)
    token = request_reset(client, mailbox, alice.email)
    client.get(f"/reset/confirm?token={token}")
    client.submit("/reset/confirm", {"token": token, "new_password": NEW_PASSWORD})
    confirm(client, token)  # a second, refused use is logged too
    assert caplog.records
    assert token not in caplog.text
    assert hash_token(token) not in caplog.text


def test_the_development_servers_access_log_redacts_tokens(app, caplog):
    """The real werkzeug request logger, with the filter create_app installed."""
    caplog.set_level(logging.INFO, logger="werkzeug")
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.client_address = ("127.0.0.1", 50000)
    handler.command, handler.request_version = "GET", "HTTP/1.1"
    handler.path = "/reset/confirm?token=s3cr3t-t0ken-value&x=1"
    handler.requestline = f"GET {handler.path} HTTP/1.1"
    handler.log_request(200, 1234)

    assert "/reset/confirm?token=[redacted]&x=1" in caplog.text
    assert "s3cr3t-t0ken-value" not in caplog.text


def test_api_tokens_are_stored_hashed(client, alice):
    response = client.post(
        "/api/v1/auth/token", json={"email": alice.email, "password": alice.password}
    )
    raw = response.get_json()["access_token"]
    assert len(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))) * 8 >= 128
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert stored == [hash_token(raw)]


def test_an_api_token_can_revoke_itself(app, alice):
    api = ApiClient.for_user(app, alice.user)
    assert api.delete("/api/v1/auth/token").status_code == 204
    assert api.get("/api/v1/me").status_code == 401


def test_one_api_token_can_be_revoked_by_id(app, alice):
    script, phone = ApiClient.for_user(app, alice.user), ApiClient.for_user(app, alice.user)
    listed = script.get("/api/v1/auth/tokens").get_json()
    assert len(listed) == 2
    phone_id = next(t["id"] for t in listed if t["id"] != _token_id(script.token))
    assert script.delete(f"/api/v1/auth/tokens/{phone_id}").status_code == 204
    assert phone.get("/api/v1/me").status_code == 401
    assert script.get("/api/v1/me").status_code == 200


def test_a_token_revoked_in_the_browser_stops_working(app, alice, alice_web):
    api = ApiClient.for_user(app, alice.user)
    response = alice_web.submit(f"/settings/tokens/{_token_id(api.token)}/revoke")
    assert response.status_code == 302
    assert api.get("/api/v1/me").status_code == 401


def test_a_token_made_in_the_browser_is_shown_once_and_works(app, alice_web):
    page = alice_web.submit("/settings/tokens", {"name": "my phone"})
    raw = re.search(r'<code class="token"[^>]*>([^<]+)</code>', page.get_data(as_text=True))[1]
    assert ApiClient(app, raw).get("/api/v1/me").status_code == 200
    again = alice_web.get("/settings/security")
    assert raw not in again.get_data(as_text=True)
    assert "my phone" in page_text(again)


@pytest.mark.parametrize("name", ["nul\x00byte", "two\nlines", "x" * 101])
def test_a_token_name_that_is_not_one_short_line_is_refused_and_kept(app, alice, alice_web, name):
    """A NUL byte answered 500 on PostgreSQL (text cannot hold it): the form fuzzer found it."""
    before = len(services.list_api_tokens(alice.user))
    page = alice_web.submit("/settings/tokens", {"name": name})
    assert page.status_code == 422
    assert 'id="f-token-name"' in page.get_data(as_text=True)
    assert "has-error" in page.get_data(as_text=True)
    assert len(services.list_api_tokens(alice.user)) == before


def test_a_blank_token_name_gets_a_default(app, alice, alice_web):
    page = alice_web.submit("/settings/tokens", {"name": "  "})
    assert page.status_code == 200
    assert "API token" in [t.name for t in services.list_api_tokens(alice.user)]


def test_an_api_token_expires(app, alice, frozen_clock):
    frozen_clock(T0)
    api = ApiClient.for_user(app, alice.user)
    frozen_clock(T0 + timedelta(days=app.config["TOKEN_DAYS"], seconds=1))
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_invalid_bearer_token_is_refused_without_detail(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer made-up"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def _token_id(raw: str):
    return db.session.scalar(sa.select(ApiToken.id).where(ApiToken.token_hash == hash_token(raw)))
