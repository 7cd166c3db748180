""" "I teach" at sign-up: the account is made as any other, and signing in leads to
two-factor enrolment — teaching itself starts only once the second factor is on."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from tests.clients import page_text
from woodshed.accounts.models import User
from woodshed.db import db

PASSWORD = "a long and quiet evening"
FORM = {"display_name": "Ms Lee", "password": PASSWORD, "timezone": "Europe/London"}


def test_i_teach_at_sign_up_leads_to_two_factor_enrolment_and_not_yet_to_teaching(app):
    web = app.test_client()
    made = web.submit("/register", FORM | {"email": "lee@example.org", "teach": "true"})
    assert made.status_code == 302
    target = parse_qs(urlsplit(made.location).query)["next"][0]
    assert target == "/settings/security#mfa"
    assert "two-factor authentication" in page_text(web.get(made.location))

    signed_in = web.submit(
        f"/login?next={target.replace('#', '%23')}",
        {"email": "lee@example.org", "password": PASSWORD},
    )
    assert signed_in.status_code == 302
    assert signed_in.location.endswith("/settings/security#mfa")
    user = db.session.scalar(sa.select(User).where(User.email == "lee@example.org"))
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
    assert "next" not in made.location
