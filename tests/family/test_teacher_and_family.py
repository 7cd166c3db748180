"""A teacher and a family together: the code redeemed for a chosen child with consent, the
teacher seeing that child only, weekly reports to teacher and guardian, sign-offs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from tests.clients import ApiClient, field_errors
from tests.factories import log_session, make_persona, make_piece
from tests.family.helpers import make_child
from tests.notify.conftest import committed_app  # noqa: F401 (a fixture)
from tests.teaching.helpers import make_teacher
from woodshed.db import Clock, db
from woodshed.family import services as family
from woodshed.family.models import (
    NOTICE_VERSION,
    SIGNOFF_ANSWER_MAX_CHARS,
    SIGNOFF_NOTE_MAX_CHARS,
    Consent,
    Signoff,
)
from woodshed.family.schemas import SignoffIn
from woodshed.notify import services as notify
from woodshed.notify import worker
from woodshed.teaching.models import Link

CONSENT = {"notice_version": NOTICE_VERSION, "accepted": True}


def _code(app, teacher) -> str:
    api = ApiClient.for_user(app, teacher.user)
    response = api.post("/api/v1/studio/invites", json={})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["code"]


def test_the_teachers_code_for_a_chosen_child_needs_consent_and_shows_that_child_only(
    app, alice, alice_api
):
    tess = make_teacher("tess")
    mia, leo = make_child(alice, "Mia"), make_child(alice, "Leo")
    mia_session = log_session(mia, notes="Mia practised")
    leo_session = log_session(leo, notes="Leo practised")
    code = _code(app, tess)

    refused = alice_api.post("/api/v1/links/join", json={"code": code, "profile_id": str(mia.id)})
    assert refused.status_code == 403
    assert refused.get_json()["type"].endswith("consent-required")
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Link).where(Link.kind == "teacher")
        )
        == 0
    )

    joined = alice_api.post(
        "/api/v1/links/join", json={"code": code, "profile_id": str(mia.id), "consent": CONSENT}
    )
    assert joined.status_code == 201, joined.get_data(as_text=True)
    assert joined.get_json()["profile"]["id"] == str(mia.id)
    consent = db.session.scalar(sa.select(Consent).where(Consent.kind == "teacher_link"))
    assert consent.profile_id == mia.id
    assert consent.guardian_id == alice.user.id
    assert consent.subject_id == tess.user.id
    assert "sessions:read" in consent.scopes

    tess_api = ApiClient.for_user(app, tess.user)
    mine = tess_api.get(f"/api/v1/sessions?profile_id={mia.id}").get_json()["items"]
    assert [s["id"] for s in mine] == [str(mia_session.id)]
    assert tess_api.get(f"/api/v1/sessions?profile_id={leo.id}").status_code == 404
    assert tess_api.get(f"/api/v1/sessions/{leo_session.id}?profile_id={mia.id}").status_code == 404
    assert tess_api.get(f"/api/v1/sessions?profile_id={alice.profile.id}").status_code == 404
    students = tess_api.get("/api/v1/students").get_json()["items"]
    assert [s["display_name"] for s in students] == ["Mia"]


def test_a_guardian_redeems_the_code_on_the_childs_join_page_with_consent(app, alice, alice_web):
    tess = make_teacher("tess")
    mia = make_child(alice, "Mia")
    code = _code(app, tess).replace("-", "")
    page = alice_web.get(f"/children/{mia.id}/join/{code}")
    assert page.status_code == 200
    assert "This links <strong>Mia</strong>" in page.get_data(as_text=True)
    no = alice_web.submit(f"/children/{mia.id}/join/{code}", {})
    assert no.status_code == 403
    assert "consent" in no.get_data(as_text=True)
    yes = alice_web.submit(f"/children/{mia.id}/join/{code}", {"consent": "yes"})
    assert yes.status_code == 302
    link = db.session.scalar(sa.select(Link).where(Link.kind == "teacher"))
    assert link.profile_id == mia.id


#: A Wednesday; last week started on Monday 23 November.
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
LAST_WEEK = date(2026, 11, 23)


def test_weekly_reports_go_to_the_teacher_and_to_the_guardian_who_allowed_email(
    committed_app,  # noqa: F811
    mailbox,
):
    Clock.frozen = NOW - timedelta(hours=1)
    with committed_app.app_context():
        gina = make_persona("gina")
        tess = make_teacher("tess")
        mia = make_child(gina, "Mia")
        db.session.execute(
            sa.update(Link)
            .where(Link.profile_id == mia.id)
            .values(accepted_at=NOW - timedelta(days=30))
        )
        now = NOW - timedelta(days=30)  # linked well before last week
        db.session.add(
            Link(
                kind="teacher",
                user_id=tess.user.id,
                profile_id=mia.id,
                scopes=["sessions:read", "reports:read"],
                accepted_by=gina.user.id,
                accepted_at=now,
            )
        )
        log_session(mia, datetime(2026, 11, 24, 17, tzinfo=UTC), 25)
        log_session(mia, datetime(2026, 11, 25, 17, tzinfo=UTC), 40, private=True)
        db.session.commit()
        Clock.frozen = NOW
        worker.run_once("solo")
        assert {m["To"] for m in mailbox.messages} == {"tess@example.org"}  # no consent yet
        family.allow_email(
            gina.user, mia, type("C", (), {"accepted": True, "notice_version": NOTICE_VERSION})
        )
        db.session.commit()
        worker.run_once("solo")
    to = sorted(m["To"] for m in mailbox.messages)
    assert to == ["gina@example.org", "tess@example.org"]
    by = {m["To"]: mailbox.text(m) for m in mailbox.messages}
    assert "25 minutes" in by["tess@example.org"]  # the private entry is the child's own
    assert "65 minutes" in by["gina@example.org"]  # … and the guardian sees everything
    assert "/children/" in by["gina@example.org"]


def test_sign_off_answers_the_teachers_question_and_the_teacher_sees_it(app, alice):
    tess = make_teacher("tess")
    mia = make_child(alice, "Mia")
    piece = make_piece(mia, "Minuet in G", sections=[("A", 9, 16)])
    section = piece.sections[0]
    db.session.add(
        Link(
            kind="teacher",
            user_id=tess.user.id,
            profile_id=mia.id,
            scopes=["sessions:read", "sessions:comment", "assignments:write"],
            accepted_by=alice.user.id,
            accepted_at=datetime.now(UTC),
        )
    )
    db.session.flush()
    tess_api = ApiClient.for_user(app, tess.user)
    assigned = tess_api.post(
        f"/api/v1/assignments?profile_id={mia.id}",
        json={
            "profile_id": str(mia.id),
            "title": "Minuet",
            "due_on": (datetime.now(UTC).date() + timedelta(days=7)).isoformat(),
            "items": [
                {
                    "kind": "passage",
                    "piece_id": str(piece.id),
                    "section_id": str(section.id),
                    "question": "Did she play bars 9-16 hands together?",
                }
            ],
        },
    )
    assert assigned.status_code == 201, assigned.get_data(as_text=True)
    assert assigned.get_json()["items"][0]["question"].startswith("Did she play")
    alice_api = ApiClient.for_user(app, alice.user)
    made = alice_api.post(
        f"/api/v1/sessions?profile_id={mia.id}",
        json={
            "started_at": datetime.now(UTC).isoformat(),
            "duration_minutes": 15,
            "items": [{"piece_id": str(piece.id), "section_id": str(section.id), "minutes": 10}],
        },
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    session_id = made.get_json()["id"]

    bad = alice_api.post(
        f"/api/v1/sessions/{session_id}/signoffs?profile_id={mia.id}", json={"item_index": 5}
    )
    assert bad.status_code == 422
    assert "item_index" in field_errors(bad)
    signed = alice_api.post(
        f"/api/v1/sessions/{session_id}/signoffs?profile_id={mia.id}",
        json={"item_index": 0, "answer": "Yes, twice", "note": "Proud"},
    )
    assert signed.status_code == 201, signed.get_data(as_text=True)
    body = signed.get_json()
    assert body["guardian"]["id"] == str(alice.user.id)
    assert body["question"] == "Did she play bars 9-16 hands together?"

    # The teacher reads the sign-off, and the session page says who signed off what.
    listed = tess_api.get(f"/api/v1/sessions/{session_id}/signoffs?profile_id={mia.id}")
    assert listed.status_code == 200
    assert listed.get_json()["items"][0]["answer"] == "Yes, twice"
    web = app.test_client()
    web.sign_in(tess)
    page = web.get(f"/students/{mia.id}/journal/{session_id}").get_data(as_text=True)
    assert "Signed off by guardian" in page
    assert "Yes, twice" in page
    # The teacher may not sign off; another family's guardian sees no such session.
    assert (
        tess_api.post(
            f"/api/v1/sessions/{session_id}/signoffs?profile_id={mia.id}", json={"note": "x"}
        ).status_code
        == 403
    )
    bob = make_persona("bob2")
    bob_api = ApiClient.for_user(app, bob.user)
    assert (
        bob_api.post(f"/api/v1/sessions/{session_id}/signoffs", json={"note": "x"}).status_code
        == 404
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signoff)) == 1
    assert uuid.UUID(body["id"])


def test_a_refused_sign_off_form_comes_back_with_what_was_typed(alice, alice_web):
    """Forms keep what was typed: a note too long for the session comes back in the box with
    the reason, nothing stored; an empty session note says what to write."""
    mia = make_child(alice, "Mia")
    session = log_session(mia, duration_minutes=15)
    db.session.commit()
    url = f"/children/{mia.id}/journal/{session.id}/signoffs"
    long_note = "Played it through twice, " + "again " * 400
    refused = alice_web.submit(url, {"note": long_note})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert f"Keep this to {SIGNOFF_NOTE_MAX_CHARS} characters or fewer." in page
    assert long_note.strip() in page  # in the textarea, not lost
    empty = alice_web.submit(url, {"note": ""})
    assert empty.status_code == 422
    assert "Write a note, or choose an item to sign off." in empty.get_data(as_text=True)
    count = sa.select(sa.func.count()).select_from(Signoff)
    assert db.session.scalar(count) == 0


def test_the_sign_off_limits_are_one_rule_for_the_page_and_the_api(alice, alice_web):
    """The domain owns the lengths of a note and an answer (`family.models`); the service
    checks them, on the trimmed text, for the page and the API alike, and the API's schema
    only documents the same numbers. (They were two literals each, checked twice: the API
    counted padding and answered in other words than the page.)"""
    mia = make_child(alice, "Mia")
    session = log_session(mia, duration_minutes=15)
    db.session.commit()
    api = ApiClient.for_user(alice_web.application, alice.user)
    url = f"/api/v1/sessions/{session.id}/signoffs?profile_id={mia.id}"
    schema = SignoffIn.model_json_schema()["properties"]
    assert schema["note"]["maxLength"] == SIGNOFF_NOTE_MAX_CHARS
    assert schema["answer"]["maxLength"] == SIGNOFF_ANSWER_MAX_CHARS

    at_most = "n" * SIGNOFF_NOTE_MAX_CHARS
    assert api.post(url, json={"note": at_most}).status_code == 201
    too_long = at_most + "n"
    by_api = api.post(url, json={"note": too_long})
    by_page = alice_web.submit(
        f"/children/{mia.id}/journal/{session.id}/signoffs", {"note": too_long}
    )
    assert (by_api.status_code, by_page.status_code) == (422, 422)
    message = f"Keep this to {SIGNOFF_NOTE_MAX_CHARS} characters or fewer."
    assert field_errors(by_api)["note"] == message
    assert message in by_page.get_data(as_text=True)
    padded = f"  {at_most}  "  # what counts is the note, as the page counts it
    assert api.post(url, json={"note": padded}).status_code == 201


def test_a_guardian_gets_one_email_about_the_child_each_week(
    committed_app,  # noqa: F811
    mailbox,
):
    """The guardian's weekly report and the child's weekly summary (turned on in the
    child's reminder settings) were two emails about the same week with the same numbers
    in the subject. Now the report is the one email, with the summary's streak and what
    next; a guardian who gets no report that week still gets the summary."""
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # the summary is due at 09:00
    Clock.frozen = monday - timedelta(days=2)
    with committed_app.app_context():
        gina = make_persona("gina")
        mia = make_child(gina, "Mia")
        db.session.execute(
            sa.update(Link)
            .where(Link.profile_id == mia.id)
            .values(accepted_at=monday - timedelta(days=30))
        )
        consent = SimpleNamespace(accepted=True, notice_version=NOTICE_VERSION)
        family.allow_email(gina.user, mia, consent)
        notify.update_settings(
            mia,
            SimpleNamespace(
                quiet_start=None, quiet_end=None, weekly_summary=True, comment_emails=False
            ),
        )
        db.session.commit()
        Clock.frozen = monday - timedelta(hours=2)
        log_session(mia, datetime(2026, 11, 24, 17, tzinfo=UTC), 25)
        db.session.commit()
        Clock.frozen = monday
        worker.run_once("solo")
        worker.run_once("solo")

    assert [m["To"] for m in mailbox.messages] == ["gina@example.org"]
    text = mailbox.text(mailbox.messages[0])
    assert "25 minutes" in text
    assert "/reports/2026-11-23" in text  # the report …
    assert "Current streak: 0 days." in text  # … with what the summary adds


def test_a_guardian_linked_after_the_week_still_gets_the_childs_summary(
    committed_app,  # noqa: F811
    mailbox,
):
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    Clock.frozen = monday - timedelta(hours=2)  # the profile (and its link) made today
    with committed_app.app_context():
        gina = make_persona("gina")
        mia = make_child(gina, "Mia")
        family.allow_email(
            gina.user, mia, SimpleNamespace(accepted=True, notice_version=NOTICE_VERSION)
        )
        notify.update_settings(
            mia,
            SimpleNamespace(
                quiet_start=None, quiet_end=None, weekly_summary=True, comment_emails=False
            ),
        )
        settings = notify.settings_for(mia)
        assert settings is not None
        settings.summary_due_at = monday - timedelta(minutes=30)  # last week's, due now
        db.session.commit()
        Clock.frozen = monday
        worker.run_once("solo")

    assert [m["Subject"] for m in mailbox.messages] == ["Mia: Practice week: 0 minutes on 0 days"]
    text = mailbox.text(mailbox.messages[0])
    assert "Mia's practice (you look after it)" in text
    assert "you allowed email about Mia" in text
