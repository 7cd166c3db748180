"""The tempo estimate saved as the session item's tempo reached (issue 16)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.clients import field_errors
from tests.factories import log_session, make_piece
from tests.recordings import media
from tests.recordings.media import make_recording
from woodshed.db import db
from woodshed.journal.models import SessionRevision
from woodshed.recordings import services, worker


def _processed(profile, bpm=None, **fields):
    data = media.wav_bytes(media.click_track(bpm, 10.0) if bpm else media.sine(2.0))
    recording = make_recording(profile, data, **fields)
    worker.run_once("tempo-reached")
    db.session.refresh(recording)
    assert recording.status == "ready"
    return recording


@pytest.fixture
def passage_session(alice):
    piece = make_piece(alice.profile, "Ballade", sections=[("Intro", 1, 8), ("Coda", 33, 40)])
    intro, coda = sorted(piece.sections, key=lambda s: s.bar_start)
    session = log_session(
        alice.profile,
        items=[
            {"piece_id": str(piece.id), "section_id": str(intro.id), "tempo_bpm": 60},
            {"piece_id": str(piece.id), "section_id": str(coda.id), "minutes": 5},
        ],
    )
    return piece, intro, coda, session


def test_one_click_saves_the_estimate_on_the_passages_item(alice, alice_web, passage_session):
    _piece, intro, coda, session = passage_session
    recording = _processed(alice.profile, 96, session_id=session.id, section_id=coda.id)
    page = alice_web.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "as the tempo reached on Coda" in page

    response = alice_web.submit(f"/recordings/{recording.id}/tempo-reached")

    assert response.status_code == 302
    db.session.expire_all()
    tempos = {i.section_id: i.tempo_bpm for i in session.items}
    assert abs(tempos[coda.id] - 96) <= 2
    assert tempos[intro.id] == 60  # the other item is left as it was
    revision = db.session.scalars(
        sa.select(SessionRevision).where(SessionRevision.session_id == session.id)
    ).one()
    assert revision.editor_id == alice.user.id  # an edit of the session, in its history


def test_the_api_saves_it_too_and_answers_the_tempo(alice, alice_api, passage_session):
    _piece, _intro, coda, session = passage_session
    recording = _processed(alice.profile, 120, session_id=session.id, section_id=coda.id)
    response = alice_api.post(f"/api/v1/recordings/{recording.id}/tempo-reached")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["session_id"] == str(session.id)
    assert abs(body["tempo_bpm"] - 120) <= 2
    db.session.expire_all()
    assert {i.section_id: i.tempo_bpm for i in session.items}[coda.id] == body["tempo_bpm"]


def test_no_steady_pulse_or_no_item_is_a_422_on_tempo(alice, alice_api, alice_web, passage_session):
    _piece, _intro, coda, session = passage_session
    no_pulse = _processed(alice.profile, None, session_id=session.id, section_id=coda.id)
    no_session = _processed(alice.profile, 100, section_id=coda.id)
    other = make_piece(alice.profile, "Étude", sections=[("A", 1, 4)])
    wrong_passage = _processed(
        alice.profile, 100, session_id=session.id, section_id=other.sections[0].id
    )
    for recording in (no_pulse, no_session, wrong_passage):
        assert services.tempo_item(recording) is None
        response = alice_api.post(f"/api/v1/recordings/{recording.id}/tempo-reached")
        assert response.status_code == 422
        assert "tempo" in field_errors(response)
    page = alice_web.submit(f"/recordings/{wrong_passage.id}/tempo-reached")
    assert page.status_code == 422
    assert "no item of its session" in page.get_data(as_text=True)
    db.session.expire_all()
    assert [i.tempo_bpm for i in session.items] == [60, None]


def test_a_take_of_no_passage_goes_to_the_sessions_only_piece_item(alice, alice_api):
    piece = make_piece(alice.profile, "Étude")
    session = log_session(alice.profile, items=[{"piece_id": str(piece.id), "minutes": 10}])
    recording = _processed(alice.profile, 80, session_id=session.id)
    assert alice_api.post(f"/api/v1/recordings/{recording.id}/tempo-reached").status_code == 200
    db.session.expire_all()
    assert abs(session.items[0].tempo_bpm - 80) <= 2


def test_another_persons_take_is_a_404(alice, bob_api, passage_session):
    _piece, _intro, coda, session = passage_session
    recording = _processed(alice.profile, 100, session_id=session.id, section_id=coda.id)
    assert bob_api.post(f"/api/v1/recordings/{recording.id}/tempo-reached").status_code == 404
