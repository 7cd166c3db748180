"""Takes shown where they belong: the session, the passage and the piece (issue 16)."""

from __future__ import annotations

from tests.factories import log_session, make_piece
from tests.recordings import media
from tests.recordings.media import make_recording
from woodshed.db import db
from woodshed.recordings import services, worker


def _piece_with_passages(profile):
    piece = make_piece(profile, "Ballade", sections=[("Intro", 1, 8), ("Coda", 33, 40)])
    intro, coda = sorted(piece.sections, key=lambda s: s.bar_start)
    return piece, intro, coda


def test_a_take_shows_on_its_session_with_status_length_and_tempo(alice, alice_web):
    session = log_session(alice.profile)
    other = log_session(alice.profile)
    recording = make_recording(
        alice.profile,
        media.wav_bytes(media.click_track(100, 8.0)),
        session_id=session.id,
        title="Slow run",
    )
    make_recording(alice.profile, session_id=other.id, title="Another day")
    worker.run_once("takes-test")
    db.session.refresh(recording)
    assert recording.status == "ready"

    html = alice_web.get(f"/journal/{session.id}").get_data(as_text=True)

    assert "Slow run" in html
    assert f"/recordings/{recording.id}" in html
    assert "Another day" not in html
    assert "0:08" in html  # its length
    assert "Ready" in html
    assert "BPM" in html


def test_a_session_without_takes_shows_no_takes_panel(alice, alice_web):
    session = log_session(alice.profile)
    assert 'id="takes"' not in alice_web.get(f"/journal/{session.id}").get_data(as_text=True)


def test_a_take_of_a_passage_shows_on_that_passage_and_on_the_piece(alice, alice_web):
    piece, intro, coda = _piece_with_passages(alice.profile)
    on_coda = make_recording(alice.profile, section_id=coda.id, title="Coda take")
    session = log_session(alice.profile, items=[{"piece_id": str(piece.id), "minutes": 10}])
    in_session = make_recording(alice.profile, session_id=session.id, title="Whole run")
    elsewhere = make_piece(alice.profile, "Étude")
    make_recording(alice.profile, section_id=None, title="Unrelated")

    html = alice_web.get(f"/repertoire/{piece.id}").get_data(as_text=True)

    assert "Coda take" in html
    assert "Whole run" in html
    assert "Unrelated" not in html
    coda_card = html.split(f'id="section-{coda.id}"')[1].split("</article>")[0]
    intro_card = html.split(f'id="section-{intro.id}"')[1].split("</article>")[0]
    assert f"/recordings/{on_coda.id}" in coda_card
    assert f"/recordings/{on_coda.id}" not in intro_card
    assert f"/recordings/{in_session.id}" not in coda_card  # on the piece, not a passage
    assert services.takes_of_piece(alice.profile, elsewhere.id) == []


def test_a_comment_on_bars_shows_on_the_passage_it_overlaps(alice, alice_web):
    from woodshed.recordings.schemas import CommentIn

    piece, intro, coda = _piece_with_passages(alice.profile)
    recording = make_recording(alice.profile, section_id=coda.id, title="Coda take")
    services.add_comment(
        alice.user,
        alice.profile,
        recording,
        CommentIn.model_validate(
            {"at_seconds": 0.5, "bar_start": 35, "bar_end": 36, "body": "Rushed the turn"}
        ),
    )

    html = alice_web.get(f"/repertoire/{piece.id}").get_data(as_text=True)

    coda_card = html.split(f'id="section-{coda.id}"')[1].split("</article>")[0]
    intro_card = html.split(f'id="section-{intro.id}"')[1].split("</article>")[0]
    assert "Rushed the turn" in coda_card
    assert "Rushed the turn" not in intro_card


def test_another_persons_takes_never_show_on_my_pages(alice, bob, alice_web):
    piece, _intro, _coda = _piece_with_passages(alice.profile)
    bobs_piece = make_piece(bob.profile, "Ballade")
    make_recording(bob.profile, title="Bob's take")
    assert services.takes_of_piece(bob.profile, piece.id) == []
    assert "Bob's take" not in alice_web.get(f"/repertoire/{piece.id}").get_data(as_text=True)
    assert services.takes_of_piece(alice.profile, bobs_piece.id) == []
