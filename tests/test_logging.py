"""SEC-LOG: authentication and authorization failures are logged — who, what, when (UTC) —
and never with a password or a token."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest

from tests.clients import ApiClient
from tests.factories import make_instrument
from woodshed.security import LOG_FORMAT, RequestContext, UTCFormatter

SECURITY = "woodshed.security"


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def security_records(caplog, contains: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == SECURITY and contains in r.getMessage()]


def test_a_failed_sign_in_is_logged_with_the_account_and_the_address(client, alice, security_log):
    client.submit(
        "/login",
        {"email": alice.email, "password": "guessing-wrong-42"},
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
    )
    [record] = security_records(security_log, "sign-in failed")
    assert record.levelno == logging.WARNING
    assert str(alice.user.id) in record.getMessage()
    assert "client=198.51.100.23" in record.context
    assert "POST /login" in record.context
    assert "guessing-wrong-42" not in security_log.text
    assert alice.email not in security_log.text


def test_a_failed_token_request_is_logged_without_the_password(client, security_log):
    client.post(
        "/api/v1/auth/token", json={"email": "who@example.org", "password": "hunter2-hunter2"}
    )
    [record] = security_records(security_log, "sign-in failed")
    assert "POST /api/v1/auth/token" in record.context
    assert "hunter2-hunter2" not in security_log.text


def test_reaching_another_musicians_object_is_logged_as_a_denial(
    app, alice, bob, bob_api, security_log
):
    cello = make_instrument(alice.profile, "Cello")
    assert bob_api.get(f"/api/v1/instruments/{cello.id}").status_code == 404
    [record] = security_records(security_log, "access denied")
    assert str(cello.id) in record.getMessage()
    assert f"user={bob.user.id}" in record.context
    assert f"GET /api/v1/instruments/{cello.id}" in record.context


def test_an_unknown_id_is_a_404_but_not_a_denial(alice_api, security_log):
    response = alice_api.get("/api/v1/instruments/01a00000-0000-7000-8000-000000000000")
    assert response.status_code == 404
    assert security_records(security_log, "access denied") == []


def test_a_non_admin_on_an_admin_page_is_logged(alice_web, alice, security_log):
    assert alice_web.get("/admin/users").status_code == 404
    [record] = security_records(security_log, "access denied")
    assert f"user={alice.user.id}" in record.context


def test_an_invalid_bearer_token_is_logged_without_the_token(client, security_log):
    client.get("/api/v1/me", headers={"Authorization": "Bearer stolen-or-made-up-token"})
    [record] = security_records(security_log, "invalid or expired token")
    assert "GET /api/v1/me" in record.context
    assert "stolen-or-made-up-token" not in security_log.text


def test_a_form_without_its_csrf_token_is_logged(alice_web, security_log):
    alice_web.post("/settings/profile", data={"display_name": "Mallory"})
    assert security_records(security_log, "form refused")


def test_a_rate_limited_attempt_is_logged(make_app, security_log):
    app = make_app(AUTH_RATE_LIMIT="1 per 15 minutes")
    client = app.test_client()
    for _ in range(2):
        client.post("/api/v1/auth/token", json={"email": "x@example.org", "password": "12345678x"})
    assert security_records(security_log, "rate limit reached")


def test_admin_actions_are_logged(app, alice, charlie, security_log):
    admin = app.test_client()
    admin.sign_in(charlie)
    admin.submit(f"/admin/users/{alice.user.id}/disable")
    [record] = security_records(security_log, "account disabled")
    assert str(alice.user.id) in record.getMessage()
    assert f"user={charlie.user.id}" in record.context


def test_a_whole_reset_and_sign_in_leaves_no_secret_in_the_logs(
    app, client, alice, mailbox, security_log
):
    client.post("/api/v1/auth/password-reset", json={"email": alice.email})
    link = mailbox.text(mailbox.to(alice.email)[-1])
    token = link.split("token=")[1].split()[0]
    client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "a fresh new secret phrase"},
    )
    response = client.post(
        "/api/v1/auth/token", json={"email": alice.email, "password": "a fresh new secret phrase"}
    )
    bearer = response.get_json()["access_token"]
    ApiClient(app, bearer).get("/api/v1/me")
    for secret in (token, bearer, "a fresh new secret phrase", alice.password):
        assert secret not in security_log.text


def test_log_lines_carry_utc_time_whatever_the_servers_zone(monkeypatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        record = logging.LogRecord(
            SECURITY, logging.WARNING, __file__, 1, "sign-in failed", (), None
        )
        record.created = datetime(2026, 7, 1, 12, 30, 5, 250000, tzinfo=UTC).timestamp()
        RequestContext().filter(record)
        line = UTCFormatter(LOG_FORMAT).format(record)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert line.startswith("2026-07-01T12:30:05.250Z WARNING woodshed.security [-] sign-in failed")


def test_the_app_installs_the_utc_format_on_the_root_logger(app):
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "woodshed", False)]
    assert len(handlers) == 1
    assert isinstance(handlers[0].formatter, UTCFormatter)
