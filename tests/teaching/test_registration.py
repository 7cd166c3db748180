""" "I teach" at sign-up: the account is made as any other and leads straight to two-factor
enrolment — teaching itself starts only once the second factor is on. In `verify` mode the
choice is made on the confirmation page, where the account is made."""

from __future__ import annotations

import sqlalchemy as sa

from tests.accounts.test_registration_modes import confirm_token
from tests.clients import page_text
from woodshed.accounts.models import User
from woodshed.db import db

PASSWORD = "a long and quiet evening"
FORM = {"display_name": "Ms Lee", "password": PASSWORD, "timezone": "Europe/London"}


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_i_teach_at_sign_up_leads_to_two_factor_enrolment_and_not_yet_to_teaching(app):
    web = app.test_client()
    made = web.submit("/register", FORM | {"email": "lee@example.org", "teach": "true"})
    assert made.status_code == 302
    assert made.location == "/settings/security#mfa"  # signed in, on the way to enrol
    assert "two-factor authentication" in page_text(web.get(made.location))
    user = _user("lee@example.org")
    assert not user.is_teacher

    # Without the second factor, starting to teach is refused, and the page says why.
    settings = page_text(web.get("/settings/teaching"))
    assert "Teaching needs two-factor authentication" in settings
    refused = web.submit("/settings/teaching", {"is_teacher": "true"})
    assert refused.status_code == 422
    assert "two-factor authentication" in page_text(refused)
    db.session.refresh(user)
    assert not user.is_teacher


def test_without_i_teach_sign_up_leads_home_as_before(app):
    web = app.test_client()
    made = web.submit("/register", FORM | {"email": "pat@example.org"})
    assert made.status_code == 302
    assert made.location == "/"


def test_in_verify_mode_i_teach_is_chosen_where_the_account_is_made(make_app, mailbox):
    app = make_app(REGISTRATION_MODE="verify")
    web = app.test_client()
    assert "I teach" not in page_text(web.get("/register"))  # nothing is made there yet
    web.submit("/register", FORM | {"email": "lee@example.org"})
    token = confirm_token(mailbox, "lee@example.org")
    assert "I teach" in page_text(web.get(f"/register/confirm?token={token}"))
    made = web.submit("/register/confirm", {"token": token, "password": PASSWORD, "teach": "true"})
    assert made.status_code == 302
    assert made.location == "/settings/security#mfa"
    assert not _user("lee@example.org").is_teacher
