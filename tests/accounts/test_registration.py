"""Registration, sign-in and erasure as a person meets them."""

from __future__ import annotations

import sqlalchemy as sa

from tests.clients import page_text
from tests.factories import make_instrument
from woodshed.accounts.models import ApiToken, AuthSession, User
from woodshed.db import db
from woodshed.profiles.models import Instrument, MusicianProfile

FORM = {
    "display_name": "Dora",
    "email": "Dora@Example.org ",
    "password": "a long and quiet evening",
    "timezone": "America/Sao_Paulo",
}


def test_a_new_musician_registers_and_gets_a_profile_with_defaults(client):
    response = client.submit("/register", FORM)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "dora@example.org"))
    assert user is not None
    assert user.profile.timezone == "America/Sao_Paulo"
    assert user.profile.day_rollover_hour == 4
    assert user.profile.motivation_mode == "playful"
    assert response.location == "/"  # issue 12, item 9: registering signs you in
    assert "Your account is ready" in page_text(client.get(response.location))


def test_the_address_never_travels_in_a_url_after_registering(client, alice):
    """Issue 12, item 18: the sign-in form is filled from the session, not `?email=`
    (open registration with an address that has an account sends the visitor to sign in)."""
    response = client.submit("/register", FORM | {"email": alice.email})
    assert response.location == "/login"
    page = client.get(response.location).get_data(as_text=True)
    assert f'value="{alice.email}"' in page
    assert "already has an account" in page
    assert (
        client.get("/login?email=mallory@example.org")
        .get_data(as_text=True)
        .count("mallory@example.org")
        == 0
    )


def test_the_register_page_offers_every_time_zone(client):
    response = client.get("/register")
    body = response.get_data(as_text=True)
    assert "data-detect-timezone" in body  # the browser's zone is preselected by timezone.js
    assert "<option>Europe/Berlin</option>" in body
    assert "<option selected>UTC</option>" in body


def test_sign_in_remembers_where_you_were_going(client, alice):
    response = client.get("/settings/security")
    assert response.status_code == 302
    login = client.submit(response.location, {"email": alice.email, "password": alice.password})
    assert login.location == "/settings/security"


def test_sign_in_never_redirects_to_another_site(client, alice):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.submit(
            f"/login?next={target}", {"email": alice.email, "password": alice.password}
        )
        assert response.location == "/", target
        client.submit("/logout")


def test_closed_registration_refuses_new_accounts(make_app):
    app = make_app(REGISTRATION_OPEN=False)
    client = app.test_client()
    assert client.get("/register").status_code == 403
    assert client.submit("/register", FORM).status_code == 403
    api = client.post("/api/v1/auth/register", json=FORM | {"email": "dora@example.org"})
    assert api.status_code == 403
    assert api.mimetype == "application/problem+json"
    assert "Create account" not in page_text(client.get("/"))
    assert db.session.scalar(sa.select(User).where(User.email == "dora@example.org")) is None


def test_erasing_an_account_removes_everything_it_owned(alice_web, alice, alice_api, bob):
    make_instrument(alice.profile, "Cello")
    make_instrument(bob.profile, "Tuba")
    alice_id = alice.user.id
    response = alice_web.submit("/settings/delete", {"confirm_email": alice.email.upper()})
    assert response.status_code == 302
    assert "erased" in page_text(alice_web.get(response.location))
    for model, column in (
        (User, User.id),
        (MusicianProfile, MusicianProfile.user_id),
        (AuthSession, AuthSession.user_id),
        (ApiToken, ApiToken.user_id),
    ):
        assert db.session.scalars(sa.select(model).where(column == alice_id)).all() == []
    names = db.session.scalars(sa.select(Instrument.name)).all()
    assert names == ["Tuba"]  # bob's things are untouched
    assert alice_api.get("/api/v1/me").status_code == 401


def test_erasing_through_the_api_needs_the_email(alice_api, alice):
    alice_id = alice.user.id
    assert (
        alice_api.delete("/api/v1/me", json={"confirm_email": "x@example.org"}).status_code == 422
    )
    assert alice_api.delete("/api/v1/me", json={"confirm_email": alice.email}).status_code == 204
    assert db.session.get(User, alice_id) is None
