"""SEC-MFA: TOTP (RFC 6238, ±1 step), each step accepted once, single-use hashed recovery
codes, throttled attempts; sign-in asks for the code on the web and at the token endpoint."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.clients import ApiClient, field_errors
from tests.factories import enable_totp, make_persona
from woodshed.accounts import mfa
from woodshed.accounts.models import RecoveryCode, TotpCredential
from woodshed.db import db

NOON = datetime(2026, 3, 14, 12, 0, 10, tzinfo=UTC)  # 10 s into its 30-second step

# RFC 6238 appendix B, SHA-1: the ASCII seed "12345678901234567890", 8 digits.
RFC_SEED = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix", "expected"), RFC_VECTORS)
def test_codes_match_the_rfc_6238_test_vectors(unix, expected):
    step = mfa.step_at(datetime.fromtimestamp(unix, UTC))
    assert mfa.code_at(RFC_SEED, step, digits=8) == expected


def token(client, persona, **extra):
    body = {"email": persona.email, "password": persona.password, **extra}
    return client.post("/api/v1/auth/token", json=body)


def code_for(persona, when: datetime, offset: int = 0) -> str:
    return mfa.code_at(persona.totp_secret, mfa.step_at(when) + offset)


@pytest.fixture
def alice2fa(alice):
    """Alice with two-factor sign-in on; her recovery codes are on `.codes`."""
    alice.codes = enable_totp(alice)
    return alice


# --- enrolment through the API ---------------------------------------------------------------


def test_enrolment_gives_a_secret_a_qr_code_and_ten_recovery_codes(alice, alice_api, frozen_clock):
    frozen_clock(NOON)
    started = alice_api.post("/api/v1/me/mfa/totp")
    assert started.status_code == 201
    setup = started.get_json()
    assert re.fullmatch(r"[A-Z2-7]{32}", setup["secret"])
    assert setup["otpauth_uri"].startswith("otpauth://totp/Woodshed:alice%40example.org?")
    assert f"secret={setup['secret']}" in setup["otpauth_uri"]
    assert setup["qr_svg"].startswith("<svg")
    assert "<script" not in setup["qr_svg"]
    assert alice_api.get("/api/v1/me").get_json()["mfa_enabled"] is False

    wrong = alice_api.post("/api/v1/me/mfa/totp/confirm", json={"code": "000000"})
    assert wrong.status_code == 422
    assert "code" in field_errors(wrong)

    code = mfa.code_at(setup["secret"], mfa.step_at(NOON))
    confirmed = alice_api.post("/api/v1/me/mfa/totp/confirm", json={"code": code})
    assert confirmed.status_code == 200, confirmed.get_json()
    codes = confirmed.get_json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"([2-9A-HJ-NP-Z]{4}-){3}[2-9A-HJ-NP-Z]{4}", c) for c in codes)
    assert alice_api.get("/api/v1/me").get_json()["mfa_enabled"] is True

    # Stored as SHA-256 only: no recovery code appears in the table.
    stored = db.session.scalars(
        sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == alice.user.id)
    ).all()
    assert sorted(stored) == sorted(
        hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes
    )
    # Starting again once it is on is refused, and changes nothing.
    assert alice_api.post("/api/v1/me/mfa/totp").status_code == 409


def test_starting_again_replaces_a_secret_never_confirmed(alice_api, frozen_clock):
    frozen_clock(NOON)
    first = alice_api.post("/api/v1/me/mfa/totp").get_json()["secret"]
    second = alice_api.post("/api/v1/me/mfa/totp").get_json()["secret"]
    assert first != second
    old = alice_api.post(
        "/api/v1/me/mfa/totp/confirm", json={"code": mfa.code_at(first, mfa.step_at(NOON))}
    )
    assert old.status_code == 422


def test_confirming_without_starting_is_a_conflict(alice_api):
    assert alice_api.post("/api/v1/me/mfa/totp/confirm", json={"code": "123456"}).status_code == 409


# --- the token endpoint ---------------------------------------------------------------------


def test_the_token_endpoint_requires_the_code_and_refuses_it_twice(app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    client = app.test_client()
    missing = token(client, alice2fa)
    assert missing.status_code == 401
    assert missing.get_json()["type"].endswith("mfa-required")

    wrong = token(client, alice2fa, otp="000000")
    assert wrong.status_code == 401
    assert wrong.get_json()["type"].endswith("mfa-invalid")
    assert field_errors(wrong).keys() == {"otp"}

    code = code_for(alice2fa, NOON)
    assert token(client, alice2fa, otp=code).status_code == 201
    replay = token(client, alice2fa, otp=code)
    assert replay.status_code == 401
    assert replay.get_json()["type"].endswith("mfa-invalid")


def test_a_wrong_password_is_still_a_wrong_password_with_a_good_code(app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    client = app.test_client()
    body = {"email": alice2fa.email, "password": "not it at all", "otp": code_for(alice2fa, NOON)}
    refused = client.post("/api/v1/auth/token", json=body)
    assert refused.status_code == 401
    assert not refused.get_json()["type"].startswith("about:blank#mfa")
    # The code was not spent by the refused request.
    assert token(client, alice2fa, otp=body["otp"]).status_code == 201


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (1, True), (2, False)])
def test_one_step_of_clock_skew_either_way_is_allowed(
    app, alice2fa, frozen_clock, offset, accepted
):
    frozen_clock(NOON)
    response = token(app.test_client(), alice2fa, otp=code_for(alice2fa, NOON, offset))
    assert (response.status_code == 201) is accepted


def test_after_a_newer_step_an_older_code_is_refused(app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    client = app.test_client()
    assert token(client, alice2fa, otp=code_for(alice2fa, NOON, +1)).status_code == 201
    assert token(client, alice2fa, otp=code_for(alice2fa, NOON)).status_code == 401
    # Half a minute later the next step's code is fresh.
    frozen_clock(NOON + timedelta(seconds=60))
    assert token(client, alice2fa, otp=code_for(alice2fa, NOON, +2)).status_code == 201


def test_another_accounts_code_is_refused(app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    bob = make_persona("bobby", totp=True)
    refused = token(app.test_client(), alice2fa, otp=code_for(bob, NOON))
    assert refused.status_code == 401
    assert refused.get_json()["type"].endswith("mfa-invalid")


def test_a_recovery_code_signs_in_once(app, alice2fa):
    client = app.test_client()
    code = alice2fa.codes[3]
    typed = code.lower().replace("-", " ")  # case, spaces and dashes do not matter
    assert token(client, alice2fa, recovery_code=typed).status_code == 201
    again = token(client, alice2fa, recovery_code=code)
    assert again.status_code == 401
    assert field_errors(again).keys() == {"recovery_code"}
    assert mfa.recovery_codes_left(alice2fa.user) == 9
    assert token(client, alice2fa, recovery_code=alice2fa.codes[4]).status_code == 201


def test_another_accounts_recovery_code_is_refused(app, alice2fa):
    bob = make_persona("bobby")
    bob_codes = enable_totp(bob)
    assert token(app.test_client(), alice2fa, recovery_code=bob_codes[0]).status_code == 401
    assert mfa.recovery_codes_left(bob.user) == 10


def test_new_recovery_codes_replace_the_old_ones(app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    api = ApiClient.for_user(app, alice2fa.user)
    fresh = api.post("/api/v1/me/mfa/recovery-codes", json={"code": code_for(alice2fa, NOON)})
    assert fresh.status_code == 200
    client = app.test_client()
    assert token(client, alice2fa, recovery_code=alice2fa.codes[0]).status_code == 401
    new = fresh.get_json()["recovery_codes"][0]
    assert token(client, alice2fa, recovery_code=new).status_code == 201


# --- throttling -----------------------------------------------------------------------------

LIMIT = 3


def test_wrong_codes_are_throttled_with_the_sign_in_counter(make_app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    app = make_app(AUTH_RATE_LIMIT=f"{LIMIT} per 15 minutes")
    web = app.test_client()
    web.submit("/login", {"email": alice2fa.email, "password": alice2fa.password})
    client = app.test_client()
    for _ in range(LIMIT):
        assert token(client, alice2fa, otp="000000").status_code == 401
    refused = token(client, alice2fa, otp=code_for(alice2fa, NOON))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    # The web's code step drains the same counter, even with the right code.
    assert web.submit("/login/mfa", {"code": code_for(alice2fa, NOON)}).status_code == 429


def test_wrong_codes_at_the_web_step_are_throttled(make_app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    app = make_app(AUTH_RATE_LIMIT=f"{LIMIT + 1} per 15 minutes")
    web = app.test_client()
    assert web.submit("/login", {"email": alice2fa.email, "password": alice2fa.password})
    for _ in range(LIMIT + 1):
        assert web.submit("/login/mfa", {"code": "000000"}).status_code == 401
    assert web.submit("/login/mfa", {"code": code_for(alice2fa, NOON)}).status_code == 429
    assert token(app.test_client(), alice2fa, otp=code_for(alice2fa, NOON)).status_code == 429


# --- the web sign-in ------------------------------------------------------------------------


def test_the_web_sign_in_asks_for_the_code_after_the_password(app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    web = app.test_client()
    after_password = web.submit(
        "/login?next=/settings/security", {"email": alice2fa.email, "password": alice2fa.password}
    )
    assert after_password.status_code == 302
    assert after_password.headers["Location"].startswith("/login/mfa")
    assert web.get("/settings/security").status_code == 302  # not signed in yet
    page = web.get("/login/mfa").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page

    wrong = web.submit("/login/mfa?next=/settings/security", {"code": "123 456"})
    assert wrong.status_code == 401
    assert "not right or was already used" in wrong.get_data(as_text=True)

    done = web.submit("/login/mfa?next=/settings/security", {"code": code_for(alice2fa, NOON)})
    assert done.status_code == 302
    assert done.headers["Location"] == "/settings/security"
    assert web.get("/settings/security").status_code == 200


def test_the_code_step_expires_and_needs_the_password_first(app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    web = app.test_client()
    assert web.get("/login/mfa").headers["Location"].startswith("/login")
    web.submit("/login", {"email": alice2fa.email, "password": alice2fa.password})
    later = frozen_clock(NOON + timedelta(minutes=6))
    expired = web.submit("/login/mfa", {"code": code_for(alice2fa, later)})
    assert expired.status_code == 302
    assert expired.headers["Location"].startswith("/login")
    assert web.get("/settings/security").status_code == 302


def test_a_recovery_code_signs_in_on_the_web(app, alice2fa):
    web = app.test_client()
    web.submit("/login", {"email": alice2fa.email, "password": alice2fa.password})
    assert web.submit("/login/mfa", {"code": alice2fa.codes[0]}).status_code == 302
    assert web.get("/settings/security").status_code == 200


def test_enrolment_on_the_settings_page(app, alice, alice_web, frozen_clock):
    frozen_clock(NOON)
    page = alice_web.get("/settings/security").get_data(as_text=True)
    assert "Set up two-factor sign-in" in page
    started = alice_web.submit("/settings/mfa/setup")
    assert started.headers["Location"] == "/settings/mfa/setup"
    setup = alice_web.get("/settings/mfa/setup").get_data(as_text=True)
    assert "<svg" in setup
    secret = re.search(r'class="token mfa-secret"[^>]*>([A-Z2-7]{32})<', setup).group(1)

    wrong = alice_web.submit("/settings/mfa/confirm", {"code": "000000"})
    assert wrong.status_code == 422
    assert "<svg" in wrong.get_data(as_text=True)
    done = alice_web.submit(
        "/settings/mfa/confirm", {"code": mfa.code_at(secret, mfa.step_at(NOON))}
    )
    assert done.status_code == 200
    shown = re.findall(r"<code>([2-9A-Z-]{19})</code>", done.get_data(as_text=True))
    assert len(shown) == 10
    assert mfa.enabled(alice.user)
    assert "10 of 10 recovery codes left" in alice_web.get("/settings/security").get_data(
        as_text=True
    )


# --- turning it off, and who must keep it ---------------------------------------------------


def test_a_musician_can_turn_it_off_with_a_code(app, alice2fa, frozen_clock):
    frozen_clock(NOON)
    api = ApiClient.for_user(app, alice2fa.user)
    assert api.delete("/api/v1/me/mfa/totp", json={"code": "000000"}).status_code == 422
    assert mfa.enabled(alice2fa.user)
    assert (
        api.delete("/api/v1/me/mfa/totp", json={"code": code_for(alice2fa, NOON)}).status_code
        == 204
    )
    assert not mfa.enabled(alice2fa.user)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert token(app.test_client(), alice2fa).status_code == 201


def test_an_admin_cannot_turn_it_off(app, charlie, frozen_clock):
    frozen_clock(NOON)
    api = ApiClient.for_user(app, charlie.user)
    refused = api.delete("/api/v1/me/mfa/totp", json={"code": charlie.next_code()})
    assert refused.status_code == 403
    assert mfa.enabled(charlie.user)


def test_mfa_is_required_of_admins_and_teachers_only(alice, charlie):
    assert mfa.required(charlie.user)
    assert not mfa.required(alice.user)
    alice.user.is_teacher = True  # the teaching feature's flag, read by `required`
    assert mfa.required(alice.user)


def test_an_admin_without_mfa_is_sent_to_enrol_before_admin_pages(app):
    dora = make_persona("dora", is_admin=True)
    web = app.test_client()
    web.sign_in(dora)
    sent = web.get("/admin/users")
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/settings/security#mfa"
    assert "Teachers and administrators need it" in web.get("/settings/security").get_data(
        as_text=True
    )


def test_an_admin_with_mfa_uses_admin_pages(app, charlie):
    web = app.test_client()
    web.sign_in(charlie)
    assert web.get("/admin/users").status_code == 200


def test_the_secret_is_never_exported_or_shown_again(alice2fa, alice_web):
    page = alice_web.get("/settings/security").get_data(as_text=True)
    assert alice2fa.totp_secret not in page
    assert alice_web.get("/settings/mfa/setup").status_code == 302  # nothing pending
    row = db.session.scalar(
        sa.select(TotpCredential).where(TotpCredential.user_id == alice2fa.user.id)
    )
    assert row.confirmed_at is not None
