"""A linked teacher listens to a student's takes, comments on them, and "teacher listened"
(issue 16 with the teaching links: scopes recordings:read and recordings:comment)."""

from __future__ import annotations

import pytest

from tests.clients import ApiClient
from tests.factories import log_session, make_piece
from tests.recordings import media
from tests.recordings.media import make_recording
from tests.teaching.helpers import make_link, make_teacher
from woodshed.db import db, utcnow
from woodshed.recordings import services, worker
from woodshed.recordings.schemas import CommentIn

READ_ONLY = ("sessions:read", "sessions:comment", "recordings:read")


@pytest.fixture
def tess(app):
    return make_teacher("tess")


@pytest.fixture
def tess_api(app, tess):
    return ApiClient.for_user(app, tess.user)


@pytest.fixture
def tess_web(app, tess):
    web = app.test_client()
    web.sign_in(tess)
    return web


def _ready(profile, **fields):
    recording = make_recording(profile, media.wav_bytes(media.click_track(90, 6.0)), **fields)
    worker.run_once("teachers")
    db.session.refresh(recording)
    assert recording.status == "ready"
    return recording


def _as_student(alice, url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}profile_id={alice.profile.id}"


def test_a_linked_teacher_lists_and_plays_the_students_takes(alice, tess, tess_api, tess_web):
    make_link(tess, alice)
    recording = _ready(alice.profile, title="Scherzo")

    listed = tess_api.get(_as_student(alice, "/api/v1/recordings"))
    assert listed.status_code == 200
    assert [r["id"] for r in listed.get_json()["items"]] == [str(recording.id)]
    one = tess_api.get(_as_student(alice, f"/api/v1/recordings/{recording.id}")).get_json()
    played = tess_web.get(one["media_url"], headers={"Range": "bytes=0-99"})
    assert played.status_code == 206
    assert len(played.data) == 100

    page = tess_web.get(f"/students/{alice.profile.id}/recordings/{recording.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Scherzo" in html
    assert f"/students/{alice.profile.id}/media/recordings/" in html
    assert tess_web.get(html.split('src="')[1].split('"')[0]).status_code == 200
    assert ">Delete<" not in html  # the student's own buttons are not the teacher's
    assert "data-sync-form" in html  # a teacher who comments taps bar marks too
    assert "data-listened-url" in html
    index = tess_web.get(f"/students/{alice.profile.id}/recordings").get_data(as_text=True)
    assert "Scherzo" in index
    assert "data-recorder" not in index


def test_without_the_recordings_scope_a_teacher_sees_no_takes(alice, tess, tess_api, tess_web):
    make_link(tess, alice, scopes=("sessions:read", "sessions:comment"))
    session = log_session(alice.profile)
    recording = _ready(alice.profile, session_id=session.id, title="Scherzo")

    assert tess_api.get(_as_student(alice, "/api/v1/recordings")).status_code == 404
    assert tess_api.get(_as_student(alice, f"/api/v1/recordings/{recording.id}")).status_code == 404
    prefix = f"/students/{alice.profile.id}"
    assert tess_web.get(f"{prefix}/recordings/{recording.id}").status_code == 404
    entry = tess_web.get(f"{prefix}/journal/{session.id}")
    assert entry.status_code == 200
    assert "Scherzo" not in entry.get_data(as_text=True)


def test_a_private_sessions_takes_are_never_visible_to_a_teacher(
    alice, tess, tess_api, tess_web, alice_api
):
    make_link(tess, alice)
    piece = make_piece(alice.profile, "Ballade", sections=[("Coda", 33, 40)])
    coda = piece.sections[0]
    private = log_session(
        alice.profile, private=True, items=[{"piece_id": str(piece.id), "section_id": str(coda.id)}]
    )
    hidden = _ready(alice.profile, session_id=private.id, section_id=coda.id, title="Bad day")
    services.add_comment(
        alice.user,
        alice.profile,
        hidden,
        CommentIn.model_validate({"at_seconds": 1, "bar_start": 34, "body": "Secret note"}),
    )
    shown = _ready(alice.profile, section_id=coda.id, title="Good day")

    listed = tess_api.get(_as_student(alice, "/api/v1/recordings")).get_json()["items"]
    assert [r["id"] for r in listed] == [str(shown.id)]
    for url in (
        f"/api/v1/recordings/{hidden.id}",
        f"/api/v1/recordings/{hidden.id}/comments",
    ):
        assert tess_api.get(_as_student(alice, url)).status_code == 404
    response = tess_api.post(
        _as_student(alice, f"/api/v1/recordings/{hidden.id}/comments"),
        json={"at_seconds": 1, "body": "Peek"},
    )
    assert response.status_code == 404
    prefix = f"/students/{alice.profile.id}"
    assert tess_web.get(f"{prefix}/recordings/{hidden.id}").status_code == 404
    for url in (f"{prefix}/recordings", f"{prefix}/journal/"):
        assert "Bad day" not in tess_web.get(url).get_data(as_text=True)
    piece_page = tess_web.get(f"{prefix}/repertoire/{piece.id}")
    if piece_page.status_code == 200:  # the piece page is the student's to open or not
        text = piece_page.get_data(as_text=True)
        assert "Bad day" not in text
        assert "Secret note" not in text
    # The musician sees both.
    mine = alice_api.get("/api/v1/recordings").get_json()["items"]
    assert {r["id"] for r in mine} == {str(shown.id), str(hidden.id)}


def test_a_teacher_comments_and_is_shown_as_teacher_then_former_teacher(
    alice, alice_web, tess, tess_api
):
    link = make_link(tess, alice)
    recording = _ready(alice.profile)

    response = tess_api.post(
        _as_student(alice, f"/api/v1/recordings/{recording.id}/comments"),
        json={"at_seconds": 2.5, "end_seconds": 3.0, "body": "Lift the wrist here"},
    )

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["author"] == {
        "id": str(tess.user.id),
        "display_name": "Tess",
        "role": "teacher",
    }
    reply = alice_web.submit(
        f"/recordings/{recording.id}/comments",
        {"at_seconds": "2.5", "body": "Will do", "parent_id": response.get_json()["id"]},
    )
    assert reply.status_code == 302
    page = alice_web.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "Tess (teacher)" in page
    assert "Lift the wrist here" in page

    link.ended_at = utcnow()
    link.ended_by = alice.user.id
    db.session.flush()
    comments = {c["body"]: c["author"] for c in services.comments_of(recording)}
    assert comments["Lift the wrist here"] == {
        "id": None,
        "display_name": "Former teacher",
        "role": "former_teacher",
    }
    assert comments["Will do"]["role"] == "musician"


def test_commenting_needs_the_recordings_comment_scope(alice, tess, tess_api, tess_web):
    make_link(tess, alice, scopes=READ_ONLY)
    recording = _ready(alice.profile)
    response = tess_api.post(
        _as_student(alice, f"/api/v1/recordings/{recording.id}/comments"),
        json={"at_seconds": 1, "body": "Nice"},
    )
    assert response.status_code == 403
    page = tess_web.get(f"/students/{alice.profile.id}/recordings/{recording.id}")
    assert "data-comment-form" not in page.get_data(as_text=True)
    assert "data-sync-form" not in page.get_data(as_text=True)
    assert services.comments_of(recording) == []


def test_teacher_listened_is_recorded_once_and_shown_to_the_student(
    alice, alice_web, alice_api, tess, tess_api, tess_web
):
    make_link(tess, alice, scopes=READ_ONLY)
    recording = _ready(alice.profile, title="Scherzo")

    # The musician playing their own take is not "teacher listened".
    assert alice_api.post(f"/api/v1/recordings/{recording.id}/listened").status_code == 200
    db.session.refresh(recording)
    assert recording.listened_by_teacher_at is None

    web = tess_web.post(
        f"/students/{alice.profile.id}/recordings/{recording.id}/listened",
        headers={"X-CSRFToken": tess_web.csrf_token()},
    )
    assert web.status_code == 204
    db.session.refresh(recording)
    first = recording.listened_by_teacher_at
    assert first is not None
    again = tess_api.post(_as_student(alice, f"/api/v1/recordings/{recording.id}/listened"))
    assert again.status_code == 200
    assert again.get_json()["listened_by_teacher_at"] is not None
    db.session.refresh(recording)
    assert recording.listened_by_teacher_at == first

    page = alice_web.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "Your teacher listened to this take" in page
    assert "teacher listened" in alice_web.get("/recordings").get_data(as_text=True)


def test_the_join_page_says_the_teacher_will_listen_to_recordings(app, tess, tess_api, alice):
    invite = tess_api.post("/api/v1/studio/invites", json={}).get_json()
    assert "recordings:read" in invite["scopes"]
    assert "recordings:comment" in invite["scopes"]
    web = app.test_client()
    web.sign_in(alice)
    text = web.get(f"/join/{invite['code']}").get_data(as_text=True)
    assert "listen to your recordings" in text
    assert "comment on your recordings" in text
    only = tess_api.post(
        "/api/v1/studio/invites", json={"scopes": ["sessions:read", "recordings:comment"]}
    )
    assert only.status_code == 422


def test_a_teacher_who_comments_taps_bar_marks_one_who_only_listens_cannot(alice, tess, tess_api):
    link = make_link(tess, alice)
    recording = _ready(alice.profile)
    url = _as_student(alice, f"/api/v1/recordings/{recording.id}/sync-points")
    body = {"points": [{"bar": 30, "at_seconds": 1.0}, {"bar": 31, "at_seconds": 3.0}]}

    assert tess_api.put(url, json=body).status_code == 200
    db.session.refresh(recording)
    assert [p["bar"] for p in recording.sync_points] == [30, 31]

    link.scopes = list(READ_ONLY)
    db.session.flush()
    refused = tess_api.put(url, json={"points": []})
    assert refused.status_code == 403
    db.session.refresh(recording)
    assert len(recording.sync_points) == 2


def test_the_teachers_player_taps_bar_marks_on_the_students_take(alice, tess, tess_web):
    import html as markup

    make_link(tess, alice)
    recording = _ready(alice.profile)
    page = tess_web.get(f"/students/{alice.profile.id}/recordings/{recording.id}")
    sync_url = markup.unescape(
        page.get_data(as_text=True).split('data-sync-url="')[1].split('"')[0]
    )
    assert sync_url.startswith(f"/students/{alice.profile.id}/api/v1/recordings/")
    body = {"points": [{"bar": 9, "at_seconds": 0.5}]}
    tapped = tess_web.put(sync_url, json=body, headers={"X-CSRFToken": tess_web.csrf_token()})
    assert tapped.status_code == 200
    db.session.refresh(recording)
    assert recording.sync_points == [{"bar": 9, "at_seconds": 0.5}]
