"""/api/v1/me and /api/v1/instruments: ownership from the token, never from the body."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.factories import make_instrument
from woodshed.accounts.models import User
from woodshed.db import db
from woodshed.profiles.models import Instrument


def test_me_describes_the_account_and_its_profile(alice_api, alice):
    response = alice_api.get("/api/v1/me")
    assert response.status_code == 200
    me = response.get_json()
    assert me["email"] == alice.email
    assert me["timezone"] == "Europe/Berlin"
    assert me["day_rollover_hour"] == 4
    assert me["profile_id"] == str(alice.profile.id)
    assert response.headers["ETag"] == f'"v{alice.profile.version}"'


def test_patching_me_ignores_fields_that_decide_who_or_what_you_are(alice_api, alice, bob):
    response = alice_api.patch(
        "/api/v1/me",
        json={
            "display_name": "Alice Liddell",
            "id": str(bob.user.id),
            "email": "mallory@example.org",
            "is_admin": True,
            "profile_id": str(bob.profile.id),
            "user_id": str(bob.user.id),
        },
    )
    assert response.status_code == 200
    me = response.get_json()
    assert me["display_name"] == "Alice Liddell"
    assert me["id"] == str(alice.user.id)
    assert me["email"] == alice.email
    assert me["is_admin"] is False
    assert bob.profile.display_name == "Bob"
    assert db.session.scalar(sa.select(User.is_admin).where(User.id == alice.user.id)) is False


def test_an_instrument_always_belongs_to_the_caller(alice_api, alice, bob):
    response = alice_api.post(
        "/api/v1/instruments", json={"name": "Cello", "profile_id": str(bob.profile.id)}
    )
    assert response.status_code == 201
    row = db.session.get(Instrument, uuid.UUID(response.get_json()["id"]))
    assert row.profile_id == alice.profile.id


def test_resending_a_create_with_the_same_client_id_returns_the_same_instrument(alice_api, alice):
    client_id = str(uuid.uuid4())
    first = alice_api.post("/api/v1/instruments", json={"id": client_id, "name": "Cello"})
    again = alice_api.post("/api/v1/instruments", json={"id": client_id, "name": "Cello"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.get_json() == again.get_json()
    count = db.session.scalar(
        sa.select(sa.func.count()).where(Instrument.profile_id == alice.profile.id)
    )
    assert count == 1


def test_a_client_id_of_someone_elses_instrument_is_refused_and_theirs_kept(alice_api, bob):
    bobs = make_instrument(bob.profile, "Tuba")
    response = alice_api.post("/api/v1/instruments", json={"id": str(bobs.id), "name": "Tuba"})
    assert response.status_code == 422
    db.session.refresh(bobs)
    assert bobs.profile_id == bob.profile.id


def test_bob_cannot_see_change_or_delete_alices_instrument(alice, bob_api):
    cello = make_instrument(alice.profile, "Cello", level="advanced")
    url = f"/api/v1/instruments/{cello.id}"
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, json={"name": "Mine now"}).status_code == 404
    assert bob_api.delete(url).status_code == 404
    db.session.refresh(cello)
    assert (cello.name, cello.level, cello.profile_id) == ("Cello", "advanced", alice.profile.id)
    listed = bob_api.get("/api/v1/instruments").get_json()
    assert listed == {"items": [], "next_cursor": None}


def test_a_stale_if_match_is_refused_and_a_current_one_accepted(alice_api, alice):
    cello = make_instrument(alice.profile, "Cello")
    url = f"/api/v1/instruments/{cello.id}"
    etag = alice_api.get(url).headers["ETag"]
    first = alice_api.patch(url, json={"level": "advanced"}, headers={"If-Match": etag})
    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    stale = alice_api.patch(url, json={"level": "beginner"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    malformed = alice_api.patch(url, json={"level": "beginner"}, headers={"If-Match": "v1"})
    assert malformed.status_code == 400
    db.session.refresh(cello)
    assert cello.level == "advanced"


def test_an_integral_float_counts_as_an_integer(alice_api):
    response = alice_api.patch("/api/v1/me", json={"day_rollover_hour": 3.0})
    assert response.status_code == 200
    assert response.get_json()["day_rollover_hour"] == 3


def test_a_string_is_not_silently_turned_into_a_number(alice_api):
    response = alice_api.patch("/api/v1/me", json={"day_rollover_hour": "3"})
    assert response.status_code == 422


def test_settings_typed_by_hand_opens_the_profile_page(alice_web):
    response = alice_web.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/settings/profile")
