"""A child's data is the child's: the profile moves to the child's own account (the same
row, with everything in it), and a guardian exports one child on its own, which restores
into an empty account as it was (docs/children.md)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.clients import ApiClient, field_errors, page_text
from tests.data.helpers import canonical, export_of, fill_account
from tests.everything import NOW
from tests.factories import log_session, make_persona
from tests.family.helpers import make_child
from tests.teaching.helpers import make_link, make_teacher
from woodshed.accounts.models import User
from woodshed.data.restore import restore_document
from woodshed.data.sections import PARTS
from woodshed.db import db
from woodshed.family import services
from woodshed.family.models import Consent, GuardianInvite, ProfileMove
from woodshed.outbox import OutgoingMail
from woodshed.profiles.models import MusicianProfile
from woodshed.teaching.models import Link

PASSWORD = "a long and quiet evening"


def _everything_for(child, guardian):
    """One of every kind of object a child's profile can hold, logged by its guardian."""
    fill_account(SimpleNamespace(profile=child, user=guardian.user), NOW, guardian=guardian.user)


def _mailed_token(address: str) -> str:
    row = db.session.scalar(
        sa.select(OutgoingMail)
        .where(OutgoingMail.to_address == address, OutgoingMail.kind == "profile_move")
        .order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
    )
    assert row is not None, f"no profile_move mail to {address}"
    match = re.search(r"/profile-move\?token=([A-Za-z0-9_\-]+)", row.text)
    assert match, row.text
    return match.group(1)


def _counts(profile_id) -> dict[str, int]:
    """Rows of every exported top-level table that belong to the profile."""
    return {
        part.key: db.session.scalar(
            sa.select(sa.func.count())
            .select_from(part.table)
            .where(part.table.c.profile_id == profile_id)
        )
        for part in PARTS
    }


def _profiles() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(MusicianProfile))


def test_a_moved_profile_is_the_new_accounts_own_with_everything_in_it(
    app, alice, alice_api, frozen_clock
):
    frozen_clock(NOW)
    mia = make_child(alice, "Mia", birth_year=2012)
    _everything_for(mia, alice)
    leo = make_child(alice, "Leo")
    log_session(leo, notes="Leo's practice")
    leo_before, alice_before = _counts(leo.id), _counts(alice.profile.id)
    tess = make_teacher("tess")
    make_link(tess, SimpleNamespace(profile=mia, user=alice.user))
    before, exported, profiles = _counts(mia.id), export_of(mia), _profiles()
    assert all(before.values()), before  # every kind of object is there to move

    invited = alice_api.post(f"/api/v1/children/{mia.id}/move", json={"email": "Mia@Example.org"})
    assert invited.status_code == 201, invited.get_data(as_text=True)
    assert invited.get_json()["email"] == "mia@example.org"
    token = _mailed_token("mia@example.org")

    accepted = ApiClient(app, None).post(
        "/api/v1/profile-moves/accept", json={"token": token, "password": PASSWORD}
    )
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    assert accepted.get_json()["profile_id"] == str(mia.id)

    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "mia@example.org"))
    assert user.profile.id == mia.id  # the same row: nothing copied …
    assert _profiles() == profiles  # … and no second, empty profile
    assert not user.profile.is_child
    assert _counts(mia.id) == before
    assert canonical(export_of(user.profile)) == canonical(exported)

    guardian = db.session.scalar(
        sa.select(Link).where(Link.kind == "guardian", Link.profile_id == mia.id)
    )
    assert guardian.ended_at == NOW  # kept, as an ended link
    teacher = db.session.scalar(
        sa.select(Link).where(Link.kind == "teacher", Link.profile_id == mia.id)
    )
    assert teacher.ended_at is None  # tess keeps her student
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Consent).where(Consent.profile_id == mia.id)
        )
        == before["consents"]
    )

    # Alice no longer acts for Mia (her brother and her own data are as they were); Mia
    # signs in and her journal is hers.
    assert services.children_of(alice.user) == [leo]
    assert _counts(leo.id) == leo_before
    assert _counts(alice.profile.id) == alice_before
    assert alice_api.get(f"/api/v1/sessions?profile_id={mia.id}").status_code == 404
    mia_api = ApiClient.for_user(app, user)
    sessions = mia_api.get("/api/v1/sessions").get_json()["items"]
    assert len(sessions) == len(exported["sessions"])
    assert (
        ApiClient.for_user(app, tess.user).get(f"/api/v1/sessions?profile_id={mia.id}").status_code
        == 200
    )

    again = ApiClient(app, None).post(
        "/api/v1/profile-moves/accept", json={"token": token, "password": PASSWORD}
    )
    assert again.status_code == 422
    assert "used already" in field_errors(again)["token"]


def test_inviting_an_address_with_an_account_is_a_field_error_and_changes_nothing(
    app, alice, alice_api, alice_web, bob
):
    mia = make_child(alice, "Mia")
    mails = db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail))

    refused = alice_api.post(f"/api/v1/children/{mia.id}/move", json={"email": bob.email})
    assert refused.status_code == 422
    assert "has an account already" in field_errors(refused)["email"]

    page = alice_web.submit(f"/family/children/{mia.id}/move", {"email": bob.email.upper()})
    assert page.status_code == 422
    assert "has an account already" in page_text(page)
    assert f'value="{bob.email.upper()}"' in page.get_data(as_text=True)  # kept as typed

    assert (
        alice_api.post(
            f"/api/v1/children/{mia.id}/move", json={"email": "not an address"}
        ).status_code
        == 422
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileMove)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == mails
    assert mia.is_child


def test_only_the_childs_guardian_invites_and_a_grown_ups_profile_never_moves(
    app, alice, bob, alice_api
):
    mia = make_child(alice, "Mia")
    bob_api = ApiClient.for_user(app, bob.user)
    assert (
        bob_api.post(
            f"/api/v1/children/{mia.id}/move", json={"email": "mia@example.org"}
        ).status_code
        == 404
    )
    assert (
        alice_api.post(
            f"/api/v1/children/{bob.profile.id}/move", json={"email": "bob2@example.org"}
        ).status_code
        == 404
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileMove)) == 0


def test_an_unknown_expired_or_replaced_link_says_which_and_changes_nothing(
    app, alice, alice_api, client, frozen_clock
):
    frozen_clock(NOW)
    mia = make_child(alice, "Mia")
    profiles = _profiles()
    anonymous = ApiClient(app, None)

    def accept(token):
        return anonymous.post(
            "/api/v1/profile-moves/accept", json={"token": token, "password": PASSWORD}
        )

    unknown = accept("not-a-token-anyone-was-sent")
    assert "no such invitation" in field_errors(unknown)["token"]
    page = client.get("/profile-move?token=not-a-token-anyone-was-sent")
    assert page.status_code == 200
    assert "no such invitation" in page_text(page)

    alice_api.post(f"/api/v1/children/{mia.id}/move", json={"email": "mia@example.org"})
    first = _mailed_token("mia@example.org")
    frozen_clock(NOW + timedelta(seconds=1))
    alice_api.post(f"/api/v1/children/{mia.id}/move", json={"email": "mia.k@example.org"})
    second = _mailed_token("mia.k@example.org")
    assert "no such invitation" in field_errors(accept(first))["token"]  # replaced

    frozen_clock(NOW + timedelta(days=services.MOVE_DAYS, seconds=2))
    expired = accept(second)
    assert expired.status_code == 422
    assert "expired" in field_errors(expired)["token"]
    assert "expired" in page_text(client.get(f"/profile-move?token={second}"))

    assert _profiles() == profiles
    assert db.session.get(MusicianProfile, mia.id).is_child
    assert services.children_of(alice.user) == [mia]


def test_an_address_that_got_an_account_after_the_invitation_is_refused(app, alice, alice_api):
    mia = make_child(alice, "Mia")
    alice_api.post(f"/api/v1/children/{mia.id}/move", json={"email": "mia@example.org"})
    token = _mailed_token("mia@example.org")
    make_persona("mia")  # mia@example.org
    refused = ApiClient(app, None).post(
        "/api/v1/profile-moves/accept", json={"token": token, "password": PASSWORD}
    )
    assert refused.status_code == 422
    assert "has an account already" in field_errors(refused)["token"]
    assert db.session.get(MusicianProfile, mia.id).is_child


def test_the_emailed_link_in_a_browser_makes_the_account_and_signs_it_in(
    app, alice, alice_web, client
):
    mia = make_child(alice, "Mia")
    log_session(mia, notes="Scales before school")
    services.invite_guardian(alice.user, mia)  # an open code for a second guardian
    sent = alice_web.submit(f"/family/children/{mia.id}/move", {"email": "mia@example.org"})
    assert sent.status_code == 302
    token = _mailed_token("mia@example.org")
    family = page_text(alice_web.get("/family"))
    assert "A link to move Mia’s profile was sent to mia@example.org" in family

    page = client.get(f"/profile-move?token={token}")
    assert page.status_code == 200
    assert "Mia" in page_text(page)
    assert "mia@example.org" in page_text(page)

    short = client.submit("/profile-move", {"token": token, "password": "short"})
    assert short.status_code == 422
    assert "at least 8 characters" in page_text(short)
    assert db.session.get(MusicianProfile, mia.id).is_child

    done = client.submit("/profile-move", {"token": token, "password": PASSWORD})
    assert done.status_code == 302, page_text(done)
    journal = client.get("/journal")
    assert journal.status_code == 200
    assert "Scales before school" in page_text(journal)
    # The second-guardian code for Mia is gone with the guardianship.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianInvite)) == 0


@pytest.mark.parametrize("how", ["moved", "erased"])
def test_a_browser_in_kid_mode_for_a_profile_that_left_the_family_is_signed_out(
    app, alice, alice_web, how
):
    mia = make_child(alice, "Mia")
    services.set_pin(alice.user, "4821")
    assert alice_web.submit(f"/family/children/{mia.id}/kid").status_code == 302
    with app.test_request_context():  # the link in the mail is built from a URL rule
        if how == "moved":
            _move, token = services.invite_move(alice.user, mia, "mia@example.org")
            services.accept_move(token, PASSWORD)
        else:
            services.erase_child(alice.user, mia)
    db.session.flush()

    refused = alice_web.get("/family")
    assert refused.status_code == 403
    after = alice_web.get("/family")
    assert after.status_code == 302
    assert "/login" in after.headers["Location"]


def test_a_guardian_exports_one_child_alone_from_the_childs_page(
    app, alice, alice_api, alice_web, frozen_clock
):
    frozen_clock(NOW)
    mia, leo = make_child(alice, "Mia"), make_child(alice, "Leo")
    log_session(alice.profile, notes="Alice's own practice")
    log_session(mia, notes="Mia's practice")
    log_session(leo, notes="Leo's practice")

    family = alice_web.get("/family")
    assert f"/children/{mia.id}/settings/data" in family.get_data(as_text=True)
    data_page = alice_web.get(f"/children/{mia.id}/settings/data")
    assert data_page.status_code == 200
    # The page's download button (the browser's cookie, the child's prefix kept).
    href = re.search(r'href="([^"]*/api/v1/export)"', data_page.get_data(as_text=True))
    assert href is not None
    assert href.group(1) == f"/children/{mia.id}/api/v1/export"
    downloaded = alice_web.get(href.group(1))
    assert downloaded.status_code == 200
    assert [s["notes"] for s in downloaded.get_json()["sessions"]] == ["Mia's practice"]

    response = alice_api.get(f"/api/v1/export?profile_id={mia.id}")
    assert response.status_code == 200
    doc = response.get_json()
    assert [s["notes"] for s in doc["sessions"]] == ["Mia's practice"]
    assert doc["profile"]["display_name"] == "Mia"
    assert doc["account"] is None
    text = response.get_data(as_text=True)
    assert "Alice's own practice" not in text
    assert "Leo's practice" not in text
    assert str(leo.id) not in text
    assert alice.email not in text
    assert [c["kind"] for c in doc["consents"]] == ["child_profile"]
    assert doc["consents"][0]["guardian"] == "guardian"

    bob_api = ApiClient.for_user(app, make_persona("bob").user)
    assert bob_api.get(f"/api/v1/export?profile_id={mia.id}").status_code == 404


def test_a_childs_export_restored_into_an_empty_account_reproduces_it(app, alice, frozen_clock):
    frozen_clock(NOW)
    mia = make_child(alice, "Mia")
    _everything_for(mia, alice)
    original = export_of(mia)
    assert original["sessions"][0]["signoffs"][0]["guardian"] == "guardian"
    assert {c["kind"] for c in original["consents"]} == {"child_profile", "child_email"}

    carol = make_persona(f"carol-{uuid.uuid4().hex[:8]}", timezone="Asia/Tokyo")
    counts = restore_document(carol.profile, original)
    assert counts["signoffs"] == 1
    assert counts["consents"] == 2
    again = export_of(carol.profile)

    # docs/export-format.md, "Round trips": who the guardians (and other editors) were is
    # this server's, so the restored rows name nobody.
    def nobody(doc):
        for session in doc["sessions"]:
            for row in session["signoffs"]:
                row["guardian"] = None
            for row in session["revisions"]:
                row["editor"] = None
        for row in doc["consents"]:
            row["guardian"] = None
        for row in doc["comments"]:
            row["editor"] = None
        for recording in doc["recordings"]:
            for row in recording["recording_comments"]:
                row["editor"] = None
        return doc

    assert canonical(again) == canonical(nobody(original))
    restored = db.session.scalars(
        sa.select(Consent).where(Consent.profile_id == carol.profile.id)
    ).all()
    assert {c.guardian_id for c in restored} == {None}  # a file makes nobody a guardian
    assert services.email_recipients(carol.profile) == [carol.email]


def test_refused_invitations_count_against_the_address_like_failed_sign_ins(
    app, alice, alice_api, alice_web, bob
):
    """Whether an address has an account shows in the refusal, so probing is limited: each
    refusal keeps one attempt of the address's sign-in counter (10 per 15 minutes)."""
    mia = make_child(alice, "Mia")
    for _ in range(5):
        refused = alice_api.post(f"/api/v1/children/{mia.id}/move", json={"email": bob.email})
        assert refused.status_code == 422
        page = alice_web.submit(f"/family/children/{mia.id}/move", {"email": bob.email})
        assert page.status_code == 422
    limited = alice_api.post(f"/api/v1/children/{mia.id}/move", json={"email": "mia@example.org"})
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert (
        alice_web.submit(
            f"/family/children/{mia.id}/move", {"email": "mia@example.org"}
        ).status_code
        == 429
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileMove)) == 0


def test_a_sent_invitation_gives_its_attempt_back(app, alice, alice_api):
    mia = make_child(alice, "Mia")
    for n in range(12):
        sent = alice_api.post(
            f"/api/v1/children/{mia.id}/move", json={"email": f"mia{n}@example.org"}
        )
        assert sent.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileMove)) == 1


def test_a_server_closed_to_new_accounts_refuses_the_invitation(app, alice, alice_api, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_MODE", "closed")
    mia = make_child(alice, "Mia")
    refused = alice_api.post(f"/api/v1/children/{mia.id}/move", json={"email": "mia@example.org"})
    assert refused.status_code == 422
    assert "closed" in field_errors(refused)["email"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileMove)) == 0


def test_a_move_and_an_account_compare_addresses_the_same_way(app, alice, bob):
    """One normaliser (woodshed.validation) for accounts and the family: an address typed
    with other capitals and spaces is the same address."""
    from woodshed.accounts.services import find_user_by_email

    mia = make_child(alice, "Mia")
    with app.test_request_context("/"):
        move, _raw = services.invite_move(alice.user, mia, "  Mia.Own@Example.ORG ")
        assert move.email == "mia.own@example.org"
        with pytest.raises(services.DomainError) as refused:
            services.invite_move(alice.user, mia, f" {bob.email.upper()}  ")
    assert "has an account already" in refused.value.messages["email"]
    assert find_user_by_email(f" {bob.email.upper()} ") == bob.user
