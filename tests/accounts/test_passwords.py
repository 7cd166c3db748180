"""SEC-PW: argon2id with production parameters, rehash when they rise, and the policy."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from argon2 import Type, extract_parameters

from tests.clients import field_errors
from woodshed.accounts import passwords
from woodshed.accounts.models import User
from woodshed.config import load_config
from woodshed.db import db

NEW_ACCOUNT = {"email": "dora@example.org", "display_name": "Dora", "timezone": "Europe/Rome"}


def stored_hash(email: str) -> str:
    return db.session.scalar(sa.select(User.password_hash).where(User.email == email))


def test_the_production_config_hashes_with_argon2id_at_owasp_strength(make_app, tmp_path):
    params = load_config(tmp_path)["PASSWORD_HASH_PARAMS"]
    app = make_app(PASSWORD_HASH_PARAMS=params)
    response = app.test_client().post(
        "/api/v1/auth/register", json=NEW_ACCOUNT | {"password": "a long and quiet evening"}
    )
    assert response.status_code == 201

    hashed = stored_hash("dora@example.org")
    assert hashed.startswith("$argon2id$")
    found = extract_parameters(hashed)
    assert found.type is Type.ID
    assert found.memory_cost >= 19456
    assert found.time_cost >= 2
    assert found.parallelism == 1


def test_signing_in_rehashes_a_password_stored_with_weaker_parameters(make_app, alice):
    old = stored_hash(alice.email)
    assert extract_parameters(old).memory_cost == 1024  # the tests' cheap default
    stronger = {"time_cost": 2, "memory_cost": 2048, "parallelism": 1}
    app = make_app(PASSWORD_HASH_PARAMS=stronger)

    app.test_client().sign_in(alice)

    new = stored_hash(alice.email)
    assert new != old
    assert extract_parameters(new).memory_cost == 2048
    assert extract_parameters(new).time_cost == 2
    app.test_client().sign_in(alice)  # and the rehashed password still works


def test_signing_in_leaves_a_current_hash_alone(client, alice):
    before = stored_hash(alice.email)
    client.sign_in(alice)
    assert stored_hash(alice.email) == before


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        pytest.param("x" * 7 + "", "Use at least 8 characters.", id="7 characters"),
        pytest.param("ñ" * 7, "Use at least 8 characters.", id="7 non-ASCII characters"),
        pytest.param("q7-bassoon"[:8], None, id="8 characters"),
        pytest.param("🎻" * 8, None, id="8 emoji count as 8"),
        pytest.param("k" + "9" * 126 + "z", None, id="128 characters"),
        pytest.param("k" + "9" * 127 + "z", "Use at most 128 characters.", id="129 characters"),
        pytest.param("password1", "too common", id="common password"),
        pytest.param("PASSWORD1", "too common", id="common password in capitals"),
        pytest.param("iloveyou", "too common", id="another common password"),
        pytest.param(" " * 12, "too common", id="only spaces"),
        pytest.param("all lowercase words", None, id="no composition rules"),
        pytest.param("  spaces at both ends  ", None, id="spaces kept"),
    ],
)
def test_the_password_policy(password, problem):
    found = passwords.policy_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_the_common_list_ships_with_the_app_and_is_large():
    common = passwords.common_passwords()
    assert len(common) > 15000
    assert "password" in common
    assert "qwerty" in common


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Enter at least 8 characters."),
        ("p" * 129, "Keep this to 128 characters or fewer."),
        ("password123", "This password is too common; choose one that is harder to guess."),
    ],
)
def test_registration_refuses_a_weak_password_with_a_message_on_the_field(
    client, password, message
):
    response = client.post("/api/v1/auth/register", json=NEW_ACCOUNT | {"password": password})
    assert response.status_code == 422
    assert field_errors(response) == {"password": message}


def test_spaces_in_a_password_are_kept_exactly(client, make_app):
    password = "  two spaces either side  "
    response = client.post("/api/v1/auth/register", json=NEW_ACCOUNT | {"password": password})
    assert response.status_code == 201

    def token_for(pw):
        return client.post(
            "/api/v1/auth/token", json={"email": NEW_ACCOUNT["email"], "password": pw}
        )

    assert token_for(password.strip()).status_code == 401
    assert token_for(password).status_code == 201


def test_a_long_password_is_not_truncated(client):
    password = "correct horse battery staple " * 4 + "!"  # 117 characters, > bcrypt's 72 bytes
    response = client.post("/api/v1/auth/register", json=NEW_ACCOUNT | {"password": password})
    assert response.status_code == 201

    almost = password[:-1] + "?"
    bad = client.post("/api/v1/auth/token", json={"email": "dora@example.org", "password": almost})
    good = client.post(
        "/api/v1/auth/token", json={"email": "dora@example.org", "password": password}
    )
    assert bad.status_code == 401
    assert good.status_code == 201


def test_the_change_password_form_applies_the_same_policy(alice_web, alice):
    response = alice_web.submit(
        "/settings/password", {"current_password": alice.password, "new_password": "letmein1"}
    )
    assert response.status_code == 422
    assert "This password is too common" in response.get_data(as_text=True)
