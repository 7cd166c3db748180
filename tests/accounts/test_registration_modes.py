"""Registration modes (issue 19, item 5; issue 12, item 9): open, verify, invite, closed —
and account email sent by the worker, never inside the request."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from tests.clients import page_text
from tests.teaching.helpers import make_teacher
from woodshed import create_app
from woodshed.accounts.models import PendingRegistration, User
from woodshed.config import ConfigError, load_config
from woodshed.db import db
from woodshed.notify import worker
from woodshed.outbox import OutgoingMail

PASSWORD = "a long and quiet evening"
FORM = {
    "display_name": "Dora",
    "email": "dora@example.org",
    "password": PASSWORD,
    "timezone": "Europe/Lisbon",
}


def account(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def confirm_token(mailbox, email: str) -> str:
    [message] = mailbox.to(email)
    link = re.search(r"https?://\S+/register/confirm\?token=\S+", mailbox.text(message)).group(0)
    return parse_qs(urlsplit(link).query)["token"][0]


# --- open ----------------------------------------------------------------------------------


def test_open_registration_signs_you_in_on_the_first_steps_card(client):
    response = client.submit("/register", FORM)
    assert response.status_code == 302
    assert response.location == "/"
    home = page_text(client.get("/"))
    assert "Log your first session" in home  # the first-steps card
    assert "Welcome to Woodshed" in home
    assert account("dora@example.org").profile.display_name == "Dora"


# --- verify --------------------------------------------------------------------------------


@pytest.fixture
def verify_app(make_app):
    return make_app(REGISTRATION_MODE="verify")


def test_verify_mode_makes_the_account_only_from_the_link_and_the_password(verify_app, mailbox):
    browser = verify_app.test_client()
    sent = browser.submit("/register", FORM)
    assert sent.status_code == 200
    assert "Check your email" in page_text(sent)
    assert account("dora@example.org") is None  # nothing until the address is confirmed
    assert browser.get("/settings/security").status_code == 302  # not signed in

    token = confirm_token(mailbox, "dora@example.org")
    page = browser.get(f"/register/confirm?token={token}")
    assert "Type the password you chose" in page_text(page)

    # Someone who reads the mail but did not register (or a typo) makes nothing.
    wrong = browser.submit("/register/confirm", {"token": token, "password": "not the one"})
    assert wrong.status_code == 422
    assert "not the password chosen" in page_text(wrong)
    assert account("dora@example.org") is None

    made = browser.submit("/register/confirm", {"token": token, "password": PASSWORD})
    assert made.status_code == 302
    assert made.location == "/"
    user = account("dora@example.org")
    assert user.profile.timezone == "Europe/Lisbon"
    assert "Log your first session" in page_text(browser.get("/"))  # signed in, on the first steps
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingRegistration)) == 0

    again = verify_app.test_client().submit(
        "/register/confirm", {"token": token, "password": PASSWORD}
    )
    assert again.status_code == 422
    assert "invalid or has expired" in page_text(again)


def test_registering_again_replaces_the_link(verify_app, mailbox):
    browser = verify_app.test_client()
    browser.submit("/register", FORM)
    first = confirm_token(mailbox, "dora@example.org")
    mailbox.clear()
    browser.submit("/register", FORM | {"password": "another quiet evening"})
    second = confirm_token(mailbox, "dora@example.org")
    assert first != second
    old = browser.submit("/register/confirm", {"token": first, "password": PASSWORD})
    assert old.status_code == 422
    new = browser.submit(
        "/register/confirm", {"token": second, "password": "another quiet evening"}
    )
    assert new.status_code == 302
    assert account("dora@example.org") is not None


def test_verify_mode_through_the_api(verify_app, mailbox):
    api = verify_app.test_client()
    body = dict(FORM)
    answer = api.post("/api/v1/auth/register", json=body)
    assert answer.status_code == 202
    assert "Check your email" in answer.get_json()["detail"]
    assert account("dora@example.org") is None
    token = confirm_token(mailbox, "dora@example.org")
    browser = verify_app.test_client()
    made = browser.submit("/register/confirm", {"token": token, "password": PASSWORD})
    assert made.location == "/"
    token_answer = api.post(
        "/api/v1/auth/token", json={"email": "dora@example.org", "password": PASSWORD}
    )
    assert token_answer.status_code == 201


def test_a_made_up_confirmation_link_is_refused_without_a_500(verify_app):
    browser = verify_app.test_client()
    for token in ("", "nope", "x" * 500, "a\nb"):
        page = browser.get("/register/confirm", query_string={"token": token})
        assert page.status_code == 200
        assert "invalid or has expired" in page_text(page)
        sent = browser.submit("/register/confirm", {"token": token, "password": PASSWORD})
        assert sent.status_code == 422


# --- invite --------------------------------------------------------------------------------


def test_invite_mode_needs_an_open_invitation_code(make_app, app):
    from woodshed.teaching import services as teaching

    invite_app = make_app(REGISTRATION_MODE="invite")
    teacher = make_teacher("teacher")
    _invite, code = teaching.create_invite(teacher.user)
    db.session.flush()
    browser = invite_app.test_client()
    assert "Invitation code" in page_text(browser.get("/register"))

    missing = browser.submit("/register", FORM)
    assert missing.status_code == 422
    assert "invitation code from a teacher" in page_text(missing)
    assert 'value="dora@example.org"' in missing.get_data(as_text=True)  # the form is kept
    bogus = browser.submit("/register", FORM | {"invite_code": "ZZZZ-ZZZZ"})
    assert bogus.status_code == 422
    assert account("dora@example.org") is None

    made = browser.submit("/register", FORM | {"invite_code": teaching.shown_code(code)})
    assert made.status_code == 302
    assert made.location.startswith("/join/")  # to see what the teacher will see, and accept
    assert account("dora@example.org") is not None

    api = invite_app.test_client().post(
        "/api/v1/auth/register", json=FORM | {"email": "erin@example.org"}
    )
    assert api.status_code == 422
    assert api.get_json()["errors"][0]["field"] == "invite_code"


# --- configuration -------------------------------------------------------------------------


def test_the_mode_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WOODSHED_SECRET_KEY", "x" * 40)
    assert load_config(tmp_path)["REGISTRATION_MODE"] == "open"  # development
    monkeypatch.setenv("WOODSHED_ENV", "production")
    assert load_config(tmp_path)["REGISTRATION_MODE"] == "verify"  # the production default
    monkeypatch.setenv("WOODSHED_REGISTRATION_MODE", "Invite")
    assert load_config(tmp_path)["REGISTRATION_MODE"] == "invite"


def test_an_unknown_mode_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="REGISTRATION_MODE"):
        create_app(
            {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40, "REGISTRATION_MODE": "maybe"}
        )


def test_closed_mode_is_the_old_switch_turned_off(make_app):
    closed = make_app(REGISTRATION_MODE="closed")
    assert closed.config["REGISTRATION_OPEN"] is False
    assert closed.test_client().get("/register").status_code == 403
    assert make_app(REGISTRATION_OPEN=False).config["REGISTRATION_MODE"] == "closed"


# --- account email goes out from the worker -------------------------------------------------


def test_account_email_is_queued_by_the_request_and_sent_by_the_worker(
    verify_app, smtp_server, alice
):
    smtp_server.clear()
    browser = verify_app.test_client()
    browser.submit("/register", FORM)
    browser.submit("/register", FORM | {"email": alice.email})
    verify_app.test_client().post("/api/v1/auth/password-reset", json={"email": alice.email})
    with smtp_server.lock:
        assert smtp_server.messages == []  # nothing was sent inside a request
    kinds = db.session.scalars(sa.select(OutgoingMail.kind).order_by(OutgoingMail.created_at))
    assert sorted(kinds) == ["confirm_registration", "existing_account", "password_reset"]

    counts = worker.run_once("test-worker")
    assert counts["mail_sent"] == 3
    with smtp_server.lock:
        assert len(smtp_server.messages) == 3
    rows = db.session.scalars(sa.select(OutgoingMail)).all()
    assert {r.status for r in rows} == {"sent"}
    assert all(r.text == "" and r.html == "" for r in rows)  # no link lingers in the database
    assert worker.run_once("test-worker")["mail_sent"] == 0  # each sent once


def test_an_smtp_outage_neither_slows_nor_breaks_the_request(make_app, alice, smtp_server):
    from tests.smtp import free_port

    down = make_app(SMTP_URL=f"smtp://127.0.0.1:{free_port()}?timeout=1")
    answer = down.test_client().post("/api/v1/auth/password-reset", json={"email": alice.email})
    assert answer.status_code == 202
    with down.app_context():
        counts = Counter(worker.run_once("test-worker"))
    assert counts["mail_retry"] == 1
    [row] = db.session.scalars(sa.select(OutgoingMail)).all()
    db.session.refresh(row)
    assert row.status == "pending"
    assert row.attempts == 1
    assert "SMTP delivery" in row.last_error
    assert row.next_attempt_at is not None  # backed off, tried again later
