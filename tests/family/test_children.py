"""Child profiles, consent on record, a second guardian, switching (SPEC §3, §4.7, §5)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.clients import ApiClient, field_errors, page_text
from tests.factories import log_session, make_persona
from tests.family.helpers import make_child
from woodshed.db import db
from woodshed.family.models import NOTICE_VERSION, Consent
from woodshed.journal.models import PracticeSession
from woodshed.profiles.models import MusicianProfile
from woodshed.teaching.models import Link

CONSENT = {"notice_version": NOTICE_VERSION, "accepted": True}


def test_a_guardian_creates_children_who_inherit_the_clock_and_consent_is_on_record(
    app, alice, alice_api
):
    alice.profile.timezone = "Europe/Berlin"
    alice.profile.day_rollover_hour = 3
    db.session.flush()
    response = alice_api.post(
        "/api/v1/children",
        json={
            "display_name": "Mia",
            "birth_year": 2017,
            "instruments": ["Piano", "Recorder"],
            "consent": CONSENT,
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["timezone"] == "Europe/Berlin"
    assert body["day_rollover_hour"] == 3
    assert [i["name"] for i in body["instruments"]] == ["Piano", "Recorder"]
    child = db.session.get(MusicianProfile, uuid.UUID(body["id"]))
    assert child.user_id is None
    assert child.is_child
    second = alice_api.post("/api/v1/children", json={"display_name": "Leo", "consent": CONSENT})
    assert second.status_code == 201

    listed = alice_api.get("/api/v1/children").get_json()["items"]
    assert [c["display_name"] for c in listed] == ["Leo", "Mia"]

    consents = alice_api.get(f"/api/v1/consents?profile_id={child.id}").get_json()["items"]
    assert len(consents) == 1
    assert consents[0]["kind"] == "child_profile"
    assert consents[0]["guardian_id"] == str(alice.user.id)
    assert consents[0]["notice_version"] == NOTICE_VERSION
    assert consents[0]["created_at"]


def test_a_guardians_children_are_paged_by_name_like_every_list(app, alice, alice_api):
    """Was the whole list cut in Python, with no next page and the cursor never read (a
    cursor of garbage answered 200)."""
    for name in ["nora", "Ben", "mia", "Anna", "Leo"]:
        created = alice_api.post(
            "/api/v1/children", json={"display_name": name, "consent": CONSENT}
        )
        assert created.status_code == 201
    names, cursor = [], None
    while True:
        page = alice_api.get(
            "/api/v1/children?limit=2" + (f"&cursor={cursor}" if cursor else "")
        ).get_json()
        assert len(page["items"]) <= 2
        names += [c["display_name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == ["Anna", "Ben", "Leo", "mia", "nora"]

    refused = alice_api.get("/api/v1/children?cursor=P%1E%F3%8C%B8%AE")
    assert refused.status_code == 422
    assert "cursor" in field_errors(refused)


@pytest.mark.parametrize(
    "consent",
    [None, {"notice_version": NOTICE_VERSION, "accepted": False}],
    ids=["missing", "not accepted"],
)
def test_no_consent_no_child_a_403_naming_consent(app, alice, alice_api, consent):
    body = {"display_name": "Mia"}
    if consent is not None:
        body["consent"] = consent
    before = db.session.scalar(sa.select(sa.func.count()).select_from(MusicianProfile))
    response = alice_api.post("/api/v1/children", json=body)
    assert response.status_code == 403
    problem = response.get_json()
    assert problem["type"].endswith("consent-required")
    assert "consent" in problem["detail"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MusicianProfile)) == before


def test_a_child_without_a_name_is_a_422_on_display_name(app, alice, alice_api):
    response = alice_api.post("/api/v1/children", json={"display_name": " ", "consent": CONSENT})
    assert response.status_code == 422
    assert "display_name" in field_errors(response)


def test_the_form_keeps_what_was_typed_and_names_the_field(app, alice, alice_web):
    response = alice_web.submit(
        "/family/children/new",
        {"display_name": "", "instruments": "Cello", "birth_year": "20x7", "consent": "yes"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Cello"' in html
    assert "Give the year as four digits" in html

    missing = alice_web.submit("/family/children/new", {"display_name": "Mia"})
    assert missing.status_code == 403
    assert 'value="Mia"' in missing.get_data(as_text=True)
    assert "consent" in page_text(missing)


def test_a_second_guardian_by_code_acts_only_once_the_first_accepts(app, alice, bob):
    child = make_child(alice)
    bob_api = ApiClient.for_user(app, bob.user)
    web = app.test_client()
    web.sign_in(alice)
    invite_page = web.submit(f"/family/children/{child.id}/guardian-invite")
    code = invite_page.get_data(as_text=True).split("data-guardian-code>")[1].split("<")[0]

    bob_web = app.test_client()
    bob_web.sign_in(bob)
    assert bob_web.submit("/family/join", {"code": code}).status_code == 302
    # Asked, not accepted: bob sees nothing of the child's yet.
    assert bob_api.get(f"/api/v1/sessions?profile_id={child.id}").status_code == 404
    link = db.session.scalar(
        sa.select(Link).where(Link.user_id == bob.user.id, Link.kind == "guardian")
    )
    assert link.accepted_at is None
    # Bob cannot accept himself.
    assert bob_web.submit(f"/family/requests/{link.id}/accept").status_code == 404

    assert web.submit(f"/family/requests/{link.id}/accept").status_code == 302
    assert bob_api.get(f"/api/v1/sessions?profile_id={child.id}").status_code == 200
    # The code was used once.
    carol = make_persona("carol")
    carol_web = app.test_client()
    carol_web.sign_in(carol)
    again = carol_web.submit("/family/join", {"code": code})
    assert again.status_code == 422
    assert "used already" in again.get_data(as_text=True)


def test_a_guardian_acts_for_the_child_with_full_write_and_private_entries(app, alice, bob):
    child = make_child(alice)
    api = ApiClient.for_user(app, alice.user)
    made = api.post(
        f"/api/v1/sessions?profile_id={child.id}",
        json={"started_at": "2026-11-02T16:00:00+01:00", "duration_minutes": 20, "private": True},
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    session_id = made.get_json()["id"]
    row = db.session.get(PracticeSession, uuid.UUID(session_id))
    assert row.profile_id == child.id
    listed = api.get(f"/api/v1/sessions?profile_id={child.id}").get_json()["items"]
    assert [s["id"] for s in listed] == [session_id]
    own = api.get("/api/v1/sessions").get_json()["items"]
    assert session_id not in [s["id"] for s in own]
    changed = api.patch(
        f"/api/v1/sessions/{session_id}?profile_id={child.id}", json={"duration_minutes": 25}
    )
    assert changed.status_code == 200

    # Another family's guardian sees nothing: 404 everywhere.
    bob_api = ApiClient.for_user(app, bob.user)
    assert bob_api.get(f"/api/v1/sessions?profile_id={child.id}").status_code == 404
    assert bob_api.get(f"/api/v1/sessions/{session_id}").status_code == 404
    assert bob_api.delete(f"/api/v1/children/{child.id}").status_code == 404


def test_switching_every_page_acts_on_the_chosen_profile(app, alice, alice_web):
    child = make_child(alice, "Mia")
    log_session(child, notes="Mia's scales")
    log_session(alice.profile, notes="Alice's etude")
    home = alice_web.get("/")
    assert f"/children/{child.id}/" in home.get_data(as_text=True)  # the switcher
    prefix = f"/children/{child.id}"
    for path in ("/", "/journal", "/journal/timer", "/plans", "/stats", "/settings/data"):
        response = alice_web.get(prefix + path)
        assert response.status_code == 200, path
        assert "You are acting for Mia" in response.get_data(as_text=True), path
    journal = alice_web.get(prefix + "/journal").get_data(as_text=True)
    assert "Mia&#39;s scales" in journal or "Mia's scales" in journal
    assert "Alice" not in journal.split("<main")[1].split("etude")[0] or "etude" not in journal
    quick = alice_web.submit(prefix + "/journal/quick", {"preset": "15", "next": prefix + "/"})
    assert quick.status_code == 302
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(PracticeSession.profile_id == child.id))
        == 2
    )
    # The account's own pages are not the child's.
    assert alice_web.get(prefix + "/settings/security").status_code == 404
    assert alice_web.get(prefix + "/family").status_code == 404


def test_erasing_a_child_leaves_the_guardians_own_data(app, alice, alice_api):
    child = make_child(alice)
    child_id = child.id
    log_session(child)
    mine = log_session(alice.profile).id
    assert alice_api.delete(f"/api/v1/children/{child_id}").status_code == 204
    db.session.expire_all()
    assert db.session.get(MusicianProfile, child_id) is None
    assert db.session.get(PracticeSession, mine) is not None
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PracticeSession)
            .where(PracticeSession.profile_id == child_id)
        )
        == 0
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Consent).where(Consent.profile_id == child_id)
        )
        == 0
    )


def test_a_childs_data_page_offers_erasing_the_child_never_deleting_an_account(
    app, alice, alice_web
):
    child = make_child(alice, "Mia")
    child_id = child.id
    mine = log_session(alice.profile).id
    page = alice_web.get(f"/children/{child_id}/settings/data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Delete my account" not in html
    assert "/settings/delete" not in html
    action = f'action="/family/children/{child_id}/delete"'
    assert action in html  # the guardian's own URL, not under the child's prefix
    assert "Erase Mia’s profile" in page_text(page)
    # The guardian's own page still offers deleting the account.
    assert "Delete my account" in alice_web.get("/settings/data").get_data(as_text=True)

    erased = alice_web.submit(f"/family/children/{child_id}/delete", {"confirm_name": "Mia"})
    assert erased.status_code == 302
    db.session.expire_all()
    assert db.session.get(MusicianProfile, child_id) is None
    assert db.session.get(PracticeSession, mine) is not None
