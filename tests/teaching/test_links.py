"""Invitations, joining, and what a linked teacher may read (SPEC §3, §4.7, §5)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.clients import ApiClient, field_errors
from tests.factories import log_session
from tests.teaching.helpers import make_link, make_teacher
from woodshed.db import db, utcnow
from woodshed.teaching import services
from woodshed.teaching.models import Invite, Link


@pytest.fixture
def tess(app):
    """A teacher."""
    return make_teacher("tess", timezone="Europe/London")


@pytest.fixture
def tess_api(app, tess):
    return ApiClient.for_user(app, tess.user)


def _invite(api, **body):
    response = api.post("/api/v1/studio/invites", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_a_student_joins_with_the_code_and_the_link_records_who_and_when(
    app, tess_api, alice, alice_api, tess
):
    invite = _invite(tess_api, note="Piano on Tuesdays")
    assert len(invite["code"].replace("-", "")) == 8
    assert set(invite["code"].replace("-", "")) <= set(services.ALPHABET)
    assert invite["url"].endswith(f"/join/{invite['code'].replace('-', '')}")
    stored = db.session.get(Invite, uuid.UUID(invite["id"]))
    assert invite["code"] not in (stored.code_hash, stored.note)  # only its hash is kept

    response = alice_api.post("/api/v1/links/join", json={"code": invite["code"].lower()})

    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "active"
    assert body["teacher"]["display_name"] == "Tess"
    assert body["profile"]["id"] == str(alice.profile.id)
    assert body["scopes"] == [
        "sessions:read",
        "sessions:comment",
        "assignments:write",
        "reports:read",
        "recordings:read",
        "recordings:comment",
    ]
    link = db.session.get(Link, uuid.UUID(body["id"]))
    assert link.accepted_by == alice.user.id
    assert link.accepted_at is not None
    assert [row["id"] for row in tess_api.get("/api/v1/links").get_json()["items"]] == [body["id"]]
    assert [row["id"] for row in alice_api.get("/api/v1/links").get_json()["items"]] == [body["id"]]


def test_a_used_code_an_expired_code_and_a_mistyped_code_each_say_why(
    app, tess_api, alice_api, bob_api, frozen_clock
):
    used = _invite(tess_api)["code"]
    assert alice_api.post("/api/v1/links/join", json={"code": used}).status_code == 201
    response = bob_api.post("/api/v1/links/join", json={"code": used})
    assert response.status_code == 422
    assert "used already" in field_errors(response)["code"]

    expiring = _invite(tess_api)["code"]
    frozen_clock(utcnow() + timedelta(days=14, seconds=1))
    response = bob_api.post("/api/v1/links/join", json={"code": expiring})
    assert response.status_code == 422
    assert "expired" in field_errors(response)["code"]

    response = bob_api.post("/api/v1/links/join", json={"code": "ZZZZ-ZZZZ"})
    assert response.status_code == 422
    assert "no invitation" in field_errors(response)["code"]
    assert db.session.query(Link).count() == 1


def test_a_teacher_cannot_join_their_own_invitation_nor_link_twice(app, tess_api, alice_api):
    own = _invite(tess_api)["code"]
    response = tess_api.post("/api/v1/links/join", json={"code": own})
    assert response.status_code == 422
    assert "your own invitation" in field_errors(response)["code"]

    assert alice_api.post("/api/v1/links/join", json={"code": own}).status_code == 201
    second = _invite(tess_api)["code"]
    response = alice_api.post("/api/v1/links/join", json={"code": second})
    assert response.status_code == 422
    assert "linked to this teacher already" in field_errors(response)["code"]
    assert db.session.query(Link).count() == 1
    assert (
        db.session.scalar(  # the second code was not spent
            sa.select(Invite.used_at).where(
                Invite.code_hash == services.hash_token(second.replace("-", ""))
            )
        )
        is None
    )


def test_wrong_codes_are_throttled_after_ten_tries(app, alice_api, tess_api):
    good = _invite(tess_api)["code"]
    for _ in range(10):
        assert alice_api.post("/api/v1/links/join", json={"code": "AAAA-AAAA"}).status_code == 422
    response = alice_api.post("/api/v1/links/join", json={"code": good})
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_only_a_teacher_invites(app, alice_api):
    response = alice_api.post("/api/v1/studio/invites", json={})
    assert response.status_code == 403
    assert alice_api.get("/api/v1/students").status_code == 403


def test_a_linked_teacher_reads_the_students_sessions_but_never_private_ones(
    app, tess, tess_api, alice
):
    make_link(tess, alice)
    shared = log_session(alice.profile, notes="scales, slowly")
    private = log_session(alice.profile, notes="a bad day", private=True)

    listed = tess_api.get(f"/api/v1/sessions?profile_id={alice.profile.id}").get_json()["items"]
    assert [s["id"] for s in listed] == [str(shared.id)]
    assert (
        tess_api.get(f"/api/v1/sessions/{shared.id}?profile_id={alice.profile.id}").status_code
        == 200
    )
    assert (
        tess_api.get(f"/api/v1/sessions/{private.id}?profile_id={alice.profile.id}").status_code
        == 404
    )
    hits = tess_api.get(f"/api/v1/search?q=bad&profile_id={alice.profile.id}").get_json()["items"]
    assert hits == []


def test_a_teachers_write_is_403_when_visible_and_404_when_private(app, tess, tess_api, alice):
    make_link(tess, alice)
    shared = log_session(alice.profile, notes="mine")
    private = log_session(alice.profile, notes="hidden", private=True)
    pid = alice.profile.id

    response = tess_api.patch(f"/api/v1/sessions/{shared.id}?profile_id={pid}", json={"notes": "x"})
    assert response.status_code == 403
    response = tess_api.patch(
        f"/api/v1/sessions/{private.id}?profile_id={pid}", json={"notes": "x"}
    )
    assert response.status_code == 404
    body = {"started_at": "2026-01-05T18:00:00+00:00", "duration_minutes": 5}
    assert tess_api.post(f"/api/v1/sessions?profile_id={pid}", json=body).status_code == 403
    db.session.refresh(shared)
    assert shared.notes == "mine"


def test_ending_the_link_hides_everything_from_the_next_request(
    app, tess, tess_api, alice, alice_api
):
    link = make_link(tess, alice)
    session = log_session(alice.profile)
    url = f"/api/v1/sessions/{session.id}?profile_id={alice.profile.id}"
    assert tess_api.get(url).status_code == 200

    assert alice_api.delete(f"/api/v1/links/{link.id}").status_code == 204

    assert tess_api.get(url).status_code == 404
    assert tess_api.get(f"/api/v1/sessions?profile_id={alice.profile.id}").status_code == 404
    db.session.refresh(link)
    assert link.ended_by == alice.user.id
    assert link.ended_at is not None


def test_another_teacher_and_a_stranger_see_nothing(app, tess, alice, bob):
    other = make_teacher("otto")
    make_link(other, bob)
    session = log_session(alice.profile)
    link = make_link(tess, alice)
    for persona in (other, bob):
        api = ApiClient.for_user(app, persona.user)
        assert api.get(f"/api/v1/sessions?profile_id={alice.profile.id}").status_code == 404
        assert (
            api.get(f"/api/v1/sessions/{session.id}?profile_id={alice.profile.id}").status_code
            == 404
        )
        assert api.delete(f"/api/v1/links/{link.id}").status_code == 404
    assert db.session.get(Link, link.id).ended_at is None


def test_a_teacher_reads_the_students_journal_pages_through_the_same_views(
    app, tess, alice, client
):
    make_link(tess, alice)
    log_session(alice.profile, notes="Arpeggios in **E major**")
    hidden = log_session(alice.profile, notes="Secret diary", private=True)
    client.sign_in(tess)
    prefix = f"/students/{alice.profile.id}"

    page = client.get(f"{prefix}/journal")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Arpeggios" in text
    assert "Secret diary" not in text
    assert f'href="{prefix}/journal/' in text  # links stay on the student's pages
    assert "Alice" in text
    assert client.get(f"{prefix}/journal/{hidden.id}").status_code == 404
    assert client.get(f"{prefix}/settings").status_code == 404
    assert client.get(f"{prefix}/journal/new").status_code == 404
    response = client.submit(f"{prefix}/journal/new", {"duration_minutes": "5"})
    assert response.status_code == 403


def test_joining_by_page_shows_what_the_teacher_will_see_before_accepting(
    app, tess, tess_api, alice, client
):
    code = _invite(tess_api, scopes=["sessions:read"])["code"]
    client.sign_in(alice)

    page = client.get(f"/join/{code}")

    text = page.get_data(as_text=True)
    assert "Tess invites you" in text
    assert "read your journal entries" in text
    assert "set you assignments" not in text
    assert db.session.query(Link).count() == 0
    response = client.submit(f"/join/{code}")
    assert response.status_code == 302
    assert db.session.query(Link).one().scopes == ["sessions:read"]


def test_a_mistyped_code_on_the_page_keeps_what_was_typed_and_says_what_to_fix(app, alice, client):
    client.sign_in(alice)
    page = client.get("/join/ABCD-EFGZ")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "no invitation with this code" in text
    assert 'value="ABCD-EFGZ"' in text


def test_the_studio_prints_the_code_and_a_qr_code(app, tess, client):
    client.sign_in(tess)
    page = client.submit("/studio/invites", {"scopes": ["sessions:read"], "note": "Hi"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in text
    assert "/join/" in text
