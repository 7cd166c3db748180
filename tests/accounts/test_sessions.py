"""SEC-SESS: cookie flags, rotation at sign-in, server-side ends, timeouts, session list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.clients import page_text
from woodshed.accounts.models import AuthSession
from woodshed.config import load_config
from woodshed.db import db
from woodshed.tokens import hash_token

COOKIE = "woodshed_session"
T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def signed_in(web) -> bool:
    response = web.get("/settings/profile")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def copy_of(app, web):
    """Another browser holding a copy of `web`'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, web.get_cookie(COOKIE).value)
    return thief


def sessions_of(user) -> list[AuthSession]:
    return list(db.session.scalars(sa.select(AuthSession).where(AuthSession.user_id == user.id)))


def test_the_session_cookie_is_httponly_and_samesite_lax(client, alice):
    response = client.sign_in(alice)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE}=")]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development serves plain http on localhost


def test_production_marks_the_session_cookie_secure(make_app, alice, tmp_path, monkeypatch):
    monkeypatch.setenv("WOODSHED_ENV", "production")
    monkeypatch.setenv("WOODSHED_SECRET_KEY", "a-production-secret-of-sufficient-length-0123")
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is True
    cookie_settings = {k: v for k, v in config.items() if k.startswith("SESSION_COOKIE_")}
    app = make_app(PRODUCTION=True, **cookie_settings)

    cookie = app.test_client().sign_in(alice).headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_signing_in_starts_a_new_session_id(app, client, alice):
    with client.session_transaction() as planted:
        planted["sid"] = "chosen-by-an-attacker"  # session fixation attempt
    client.sign_in(alice)
    with client.session_transaction() as sess:
        sid = sess["sid"]
    assert sid != "chosen-by-an-attacker"
    assert [s.token_hash for s in sessions_of(alice.user)] == [hash_token(sid)]

    client.submit("/logout")
    client.sign_in(alice)
    with client.session_transaction() as sess:
        assert sess["sid"] != sid


def test_the_cookie_holds_a_token_whose_hash_alone_is_stored(client, alice):
    client.sign_in(alice)
    with client.session_transaction() as sess:
        raw = sess["sid"]
    assert len(raw) >= 43  # 256 bits, base64url
    stored = sessions_of(alice.user)[0].token_hash
    assert stored == hash_token(raw)
    assert raw not in stored


def test_a_copied_cookie_is_useless_after_sign_out(app, alice_web):
    thief = copy_of(app, alice_web)
    assert signed_in(thief)
    alice_web.submit("/logout")
    assert not signed_in(thief)
    assert not signed_in(alice_web)


def test_changing_the_password_can_sign_out_every_other_device(app, alice):
    laptop, phone = app.test_client(), app.test_client()
    laptop.sign_in(alice)
    phone.sign_in(alice)
    stolen = copy_of(app, phone)

    response = laptop.submit(
        "/settings/password",
        {
            "current_password": alice.password,
            "new_password": "a brand new practice routine",
            "end_other_sessions": "true",
        },
    )
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
    assert not signed_in(stolen)


def test_changing_the_password_without_the_box_keeps_other_devices(app, alice):
    laptop, phone = app.test_client(), app.test_client()
    laptop.sign_in(alice)
    phone.sign_in(alice)
    laptop.submit(
        "/settings/password",
        {"current_password": alice.password, "new_password": "a brand new practice routine"},
    )
    assert signed_in(phone)


def test_a_copied_cookie_is_useless_after_the_account_is_erased(app, alice_web, alice):
    thief = copy_of(app, alice_web)
    response = alice_web.submit("/settings/delete", {"confirm_email": alice.email})
    assert response.status_code == 302
    assert not signed_in(thief)
    assert not signed_in(alice_web)


@pytest.mark.parametrize("action", ["disable", "end-sessions"])
def test_an_admin_can_end_all_sessions_of_an_account(app, alice_web, alice, charlie, action):
    thief = copy_of(app, alice_web)
    admin = app.test_client()
    admin.sign_in(charlie)
    assert admin.submit(f"/admin/users/{alice.user.id}/{action}").status_code == 302
    assert not signed_in(alice_web)
    assert not signed_in(thief)
    assert sessions_of(alice.user) == []


def test_a_disabled_account_cannot_sign_in_again(app, alice, charlie):
    admin = app.test_client()
    admin.sign_in(charlie)
    admin.submit(f"/admin/users/{alice.user.id}/disable")
    response = app.test_client().submit(
        "/login", {"email": alice.email, "password": alice.password}
    )
    assert response.status_code == 401


def test_an_idle_session_ends(app, alice, frozen_clock):
    frozen_clock(T0)
    web = app.test_client()
    web.sign_in(alice)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])

    frozen_clock(T0 + idle - timedelta(minutes=1))
    assert signed_in(web)  # and this use resets the idle timer
    frozen_clock(T0 + 2 * idle - timedelta(minutes=2))
    assert signed_in(web)
    frozen_clock(T0 + 3 * idle)
    assert not signed_in(web)
    assert sessions_of(alice.user) == []  # deleted on sight, not only refused


def test_a_session_ends_at_its_absolute_limit_however_busy(app, alice, frozen_clock):
    frozen_clock(T0)
    web = app.test_client()
    web.sign_in(alice)
    max_age = timedelta(days=app.config["SESSION_MAX_DAYS"])
    day = T0
    while day < T0 + max_age - timedelta(days=1):
        day += timedelta(days=1)
        frozen_clock(day)
        assert signed_in(web)
    frozen_clock(T0 + max_age + timedelta(minutes=1))
    assert not signed_in(web)


def test_a_musician_sees_and_ends_their_sessions(app, alice):
    laptop, phone = app.test_client(), app.test_client()
    laptop.sign_in(alice)
    phone.get("/", headers={"User-Agent": "Mozilla/5.0 (Android) Phone"})
    phone.submit(
        "/login",
        {"email": alice.email, "password": alice.password},
        headers={"User-Agent": "Mozilla/5.0 (Android) Phone"},
    )

    page = laptop.get("/settings/security")
    assert page.status_code == 200
    assert "Android" in page_text(page)
    assert "this browser" in page_text(page)

    phone_session = next(s for s in sessions_of(alice.user) if "Android" in s.user_agent)
    response = laptop.submit(f"/settings/sessions/{phone_session.id}/end")
    assert response.status_code == 302
    assert not signed_in(phone)
    assert signed_in(laptop)


def test_ending_all_other_sessions_keeps_this_one(app, alice):
    laptop, phone, tablet = app.test_client(), app.test_client(), app.test_client()
    for web in (laptop, phone, tablet):
        web.sign_in(alice)
    laptop.submit("/settings/sessions/end-others")
    assert signed_in(laptop)
    assert not signed_in(phone)
    assert not signed_in(tablet)


def test_ending_your_current_session_signs_you_out(app, alice_web, alice):
    current = sessions_of(alice.user)[0]
    response = alice_web.submit(f"/settings/sessions/{current.id}/end")
    assert response.status_code == 302
    assert "/login" in response.location
    assert not signed_in(alice_web)


def test_a_session_cookie_signed_with_another_key_is_refused(make_app, alice_web):
    other_key = make_app(SECRET_KEY="another-secret-key-that-is-long-enough-too")
    thief = other_key.test_client()
    thief.set_cookie(COOKIE, alice_web.get_cookie(COOKIE).value)
    assert not signed_in(thief)
