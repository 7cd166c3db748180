"""Assignments: a linked teacher sets them, the student's log fills them in (SPEC §4.7)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.clients import ApiClient, field_errors, page_text
from tests.factories import log_session, make_persona, make_piece
from tests.teaching.helpers import make_link, make_teacher
from woodshed.assignments.models import AssignmentItem
from woodshed.assignments.progress import Logged, counts_for
from woodshed.db import db, utcnow
from woodshed.teaching.models import SCOPES


@pytest.fixture
def tess(app):
    return make_teacher("tess", timezone="Europe/London")


@pytest.fixture
def tess_api(app, tess):
    return ApiClient.for_user(app, tess.user)


@pytest.fixture
def link(tess, alice):
    return make_link(tess, alice)


@pytest.fixture
def debussy(alice):
    return make_piece(alice.profile, "Clair de lune", sections=[("Middle", 27, 42)])


def _assign(api, profile, piece, **extra):
    today = profile.today()
    body = {
        "title": "Clair de lune, middle",
        "due_on": (today + timedelta(days=4)).isoformat(),
        "items": [
            {
                "kind": "passage",
                "piece_id": str(piece.id),
                "bars": "33-40",
                "minutes_per_week": 40,
                "tempo_bpm": 66,
                "run_throughs": 2,
            },
            {"kind": "text", "text": "Listen to two recordings"},
        ],
    } | extra
    return api.post(f"/api/v1/assignments?profile_id={profile.id}", json=body)


def _log(profile, piece, bars, minutes, tempo=None, run_through=False, private=False):
    return log_session(
        profile,
        duration_minutes=minutes,
        private=private,
        items=[
            {
                "piece_id": str(piece.id),
                "bars": bars,
                "minutes": minutes,
                "tempo_bpm": tempo,
                "run_through": run_through,
            }
        ],
    )


def test_a_teacher_sets_an_assignment_and_the_students_log_fills_it_in(
    tess_api, alice, alice_api, link, debussy
):
    response = _assign(tess_api, alice.profile, debussy)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["set_by"] == {"id": str(link.user_id), "display_name": "Tess", "current": True}
    assert created["items"][0]["label"] == "Clair de lune, bars 33–40"

    _log(alice.profile, debussy, "35-38", 25, tempo=60, run_through=True)
    _log(alice.profile, debussy, "1-8", 30, tempo=90)  # other bars: not this passage
    _log(alice.profile, debussy, "40-44", 10, tempo=62, run_through=True)

    mine = alice_api.get(f"/api/v1/assignments/{created['id']}").get_json()
    progress = mine["items"][0]["progress"]
    assert progress["minutes_this_week"] == 35
    assert progress["best_tempo"] == 62
    assert progress["run_throughs"] == 2
    assert progress["met"] is False  # 35 of 40 minutes, 62 of 66 bpm

    listed = tess_api.get(f"/api/v1/assignments?profile_id={alice.profile.id}").get_json()
    assert [a["id"] for a in listed["items"]] == [created["id"]]


def test_what_next_names_the_teacher_the_due_date_and_what_is_left(
    tess_api, alice, alice_web, link, debussy
):
    _assign(tess_api, alice.profile, debussy)
    _log(alice.profile, debussy, "33-40", 15)

    text = page_text(alice_web.get("/"))

    assert "Clair de lune, bars 33–40" in text
    assert "Assigned by Tess" in text
    assert "25 min to go this week" in text


def test_private_sessions_count_for_the_student_and_never_for_the_teacher(
    tess_api, alice, alice_api, link, debussy
):
    created = _assign(tess_api, alice.profile, debussy).get_json()
    _log(alice.profile, debussy, "33-40", 20, tempo=70, private=True)
    _log(alice.profile, debussy, "33-40", 5, tempo=50)

    path = f"/api/v1/assignments/{created['id']}"
    student = alice_api.get(path).get_json()["items"][0]["progress"]
    teacher = tess_api.get(f"{path}?profile_id={alice.profile.id}").get_json()["items"][0]
    assert (student["minutes_this_week"], student["best_tempo"]) == (25, 70)
    assert (teacher["progress"]["minutes_this_week"], teacher["progress"]["best_tempo"]) == (5, 50)


@pytest.mark.parametrize("who", ["student", "other teacher", "former teacher", "no scope"])
def test_only_a_linked_teacher_with_the_scope_sets_assignments(
    app, who, tess, tess_api, alice, alice_api, debussy
):
    if who == "student":
        api, expected = alice_api, 403
    elif who == "other teacher":
        other = make_teacher("otto")
        api, expected = ApiClient.for_user(app, other.user), 404
    elif who == "former teacher":
        make_link(tess, alice, ended=True)
        api, expected = tess_api, 404
    else:
        make_link(tess, alice, scopes=[s for s in SCOPES if s != "assignments:write"])
        api, expected = tess_api, 403

    response = _assign(api, alice.profile, debussy)

    assert response.status_code == expected, response.get_data(as_text=True)
    assert alice_api.get("/api/v1/assignments").get_json()["items"] == []


def test_an_item_naming_another_students_piece_is_a_field_error(
    tess, tess_api, alice, alice_api, link, debussy
):
    bob = make_persona("bobby")
    make_link(tess, bob)
    bobs = make_piece(bob.profile, "Bob's piece")

    response = _assign(tess_api, alice.profile, bobs)

    assert response.status_code == 422
    assert "items.0.piece_id" in field_errors(response)
    assert alice_api.get("/api/v1/assignments").get_json()["items"] == []


def test_bad_input_names_the_field(tess_api, alice, link, debussy):
    today = alice.profile.today()
    past = _assign(
        tess_api,
        alice.profile,
        debussy,
        starts_on=today.isoformat(),
        due_on=(today - timedelta(days=1)).isoformat(),
    )
    no_bars = _assign(
        tess_api,
        alice.profile,
        debussy,
        items=[{"kind": "passage", "piece_id": str(debussy.id)}],
    )
    no_text = _assign(tess_api, alice.profile, debussy, items=[{"kind": "text"}])

    assert field_errors(past) == {"due_on": "The due date is before the start."}
    assert "items.0.bars" in field_errors(no_bars)
    assert "items.0.text" in field_errors(no_text)


def test_resending_the_same_client_id_returns_the_stored_assignment(tess_api, alice, link, debussy):
    client_id = str(uuid.uuid4())
    first = _assign(tess_api, alice.profile, debussy, id=client_id)
    again = _assign(tess_api, alice.profile, debussy, id=client_id)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == client_id


def test_the_student_marks_an_item_done_and_the_teacher_sees_it(
    tess, tess_api, alice, alice_api, link, debussy
):
    created = _assign(tess_api, alice.profile, debussy).get_json()
    item = created["items"][1]
    path = f"/api/v1/assignments/{created['id']}/items/{item['id']}/done"

    refused = tess_api.put(f"{path}?profile_id={alice.profile.id}", json={"done": True})
    done = alice_api.put(path, json={"done": True})

    assert refused.status_code == 403
    assert done.status_code == 200
    assert done.get_json()["progress"]["met"] is True
    seen = tess_api.get(f"/api/v1/assignments/{created['id']}?profile_id={alice.profile.id}")
    assert seen.get_json()["items"][1]["done_at"] is not None


def test_an_ended_link_leaves_the_assignment_with_the_student_from_a_former_teacher(
    tess, tess_api, alice, alice_api, link, debussy
):
    created = _assign(tess_api, alice.profile, debussy).get_json()
    link.ended_at, link.ended_by = utcnow(), alice.user.id
    db.session.flush()

    mine = alice_api.get(f"/api/v1/assignments/{created['id']}").get_json()
    gone = tess_api.get(f"/api/v1/assignments/{created['id']}?profile_id={alice.profile.id}")

    assert mine["set_by"] == {"id": None, "display_name": "Former teacher", "current": False}
    assert gone.status_code == 404


def test_the_teacher_sets_an_assignment_with_the_form_and_a_mistake_keeps_what_was_typed(
    app, tess, alice, link, debussy
):
    web = app.test_client()
    web.sign_in(tess)
    base = f"/students/{alice.profile.id}/assignments"
    form = {
        "title": "Scales and the middle",
        "due_on": "",
        "items-0-kind": "passage",
        "items-0-piece_id": str(debussy.id),
        "items-0-bars": "33-40",
        "items-0-minutes_per_week": "30",
    }

    assert web.get(f"{base}/new").status_code == 200
    wrong = web.submit(f"{base}/new", form)
    assert wrong.status_code == 422
    assert 'value="Scales and the middle"' in wrong.get_data(as_text=True)
    assert 'value="33-40"' in wrong.get_data(as_text=True)

    form["due_on"] = (alice.profile.today() + timedelta(days=7)).isoformat()
    done = web.submit(f"{base}/new", form)
    assert done.status_code == 302
    assert done.location.startswith(f"{base}/")
    shown = page_text(web.get(done.location))
    assert "Clair de lune, bars 33–40" in shown
    assert "0 of 30 min this week" in shown


# --- the counting rule ------------------------------------------------------------------------

bars = st.integers(1, 60)


@given(a=bars, b=bars, c=bars, d=bars)
def test_a_logged_passage_counts_exactly_when_its_bars_overlap_the_assigned_ones(a, b, c, d):
    piece = uuid.uuid4()
    lo, hi = min(a, b), max(a, b)
    item = AssignmentItem(kind="passage", piece_id=piece, bar_start=lo, bar_end=hi)
    start, end = min(c, d), max(c, d)
    row = Logged(piece, None, None, start, end, utcnow().date(), 10, None, False)
    overlap = set(range(lo, hi + 1)) & set(range(start, end + 1))
    assert counts_for(item, row) is bool(overlap)
    other_piece = Logged(uuid.uuid4(), None, None, start, end, utcnow().date(), 10, None, False)
    assert counts_for(item, other_piece) is False
