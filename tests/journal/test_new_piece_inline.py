"""Logging in one place (issue 12, item 8): an entry may name a new piece and the bars
worked; the piece and an unnamed passage "bars 33–40" are created with the entry, in its
transaction — from the service, the API and the log form (with or without JavaScript)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from tests.clients import field_errors, page_text
from tests.factories import make_piece, make_section
from tests.journal.html import read
from woodshed.db import db
from woodshed.journal.models import PracticeSession
from woodshed.journal.schemas import SessionIn
from woodshed.journal.services import create_session
from woodshed.repertoire.models import Piece, Section
from woodshed.search import SearchDocument

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _pieces(profile) -> list[Piece]:
    return list(
        db.session.scalars(
            sa.select(Piece).where(Piece.profile_id == profile.id).order_by(Piece.title)
        )
    )


def _entry(**fields) -> SessionIn:
    return SessionIn.model_validate(
        {"started_at": "2026-03-09T18:00:00+01:00", "duration_minutes": 30} | fields
    )


# --- service ----------------------------------------------------------------------------


def test_a_new_piece_and_its_bars_are_created_with_the_entry(alice, frozen_clock):
    frozen_clock(NOW)
    session, created = create_session(
        alice.profile,
        _entry(items=[{"piece_title": "Ballade no. 1", "bars": "33-40", "minutes": 20}]),
    )
    assert created
    [piece] = _pieces(alice.profile)
    [section] = piece.sections
    assert (piece.title, piece.status) == ("Ballade no. 1", "learning")
    assert (section.name, section.bar_start, section.bar_end) == ("", 33, 40)
    assert section.label == "bars 33–40"
    [item] = session.items
    assert (item.piece_id, item.section_id, item.bars) == (piece.id, section.id, "33-40")
    # In the search index like any piece and passage.
    indexed = sa.select(SearchDocument.kind).where(
        SearchDocument.object_id.in_([piece.id, section.id])
    )
    assert sorted(db.session.scalars(indexed)) == ["piece", "section"]


def test_a_title_without_bars_creates_only_the_piece(alice):
    session, _ = create_session(alice.profile, _entry(items=[{"piece_title": "Blackbird"}]))
    [piece] = _pieces(alice.profile)
    assert piece.sections == []
    assert (session.items[0].piece_id, session.items[0].section_id) == (piece.id, None)


def test_a_title_the_musician_has_already_names_that_piece_and_its_passage(alice):
    piece = make_piece(alice.profile, "Clair de lune")
    passage = make_section(piece, "Più mosso", bars=(27, 42))
    session, _ = create_session(
        alice.profile, _entry(items=[{"piece_title": "CLAIR DE LUNE", "bars": "27-42"}])
    )
    assert _pieces(alice.profile) == [piece]
    assert (session.items[0].piece_id, session.items[0].section_id) == (piece.id, passage.id)
    # Other bars of a piece it has: a new unnamed passage of that piece.
    again, _ = create_session(
        alice.profile, _entry(items=[{"piece_title": "Clair de lune", "bars": "1-8"}])
    )
    db.session.refresh(piece)
    assert [(s.label, s.bar_start) for s in piece.sections] == [
        ("bars 1–8", 1),
        ("Più mosso", 27),
    ]
    assert again.items[0].section_id == piece.sections[0].id


def test_another_musicians_piece_of_that_title_is_never_used(alice, bob):
    bobs = make_piece(bob.profile, "Nocturne")
    session, _ = create_session(alice.profile, _entry(items=[{"piece_title": "Nocturne"}]))
    [mine] = _pieces(alice.profile)
    assert mine.id != bobs.id
    assert session.items[0].piece_id == mine.id
    assert _pieces(bob.profile) == [bobs]


def test_the_same_entry_sent_again_creates_its_piece_once(alice):
    entry_id = uuid.uuid4()
    data = _entry(id=entry_id, items=[{"piece_title": "Etude op. 10/3", "bars": "1-21"}])
    first, created = create_session(alice.profile, data)
    again, created_again = create_session(alice.profile, data)
    assert (created, created_again) == (True, False)
    assert again.id == first.id == entry_id
    [piece] = _pieces(alice.profile)
    assert len(piece.sections) == 1


def test_the_new_piece_is_played_on_the_entrys_instrument(alice):
    from tests.factories import make_instrument

    guitar = make_instrument(alice.profile, "Guitar")
    create_session(
        alice.profile, _entry(instrument_id=guitar.id, items=[{"piece_title": "Lágrima"}])
    )
    assert _pieces(alice.profile)[0].instrument_id == guitar.id


# --- API --------------------------------------------------------------------------------


def test_the_api_creates_the_piece_and_passage_named_in_a_session(alice, alice_api, frozen_clock):
    frozen_clock(NOW)
    response = alice_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-03-09T18:00:00+01:00",
            "duration_minutes": 30,
            "items": [{"piece_title": "Spanish Romance", "bars": "17-32", "tempo_bpm": 60}],
        },
    )
    assert response.status_code == 201, response.get_json()
    [item] = response.get_json()["items"]
    piece = alice_api.get(f"/api/v1/pieces/{item['piece_id']}").get_json()
    assert (piece["title"], piece["length_bars"]) == ("Spanish Romance", None)
    section = alice_api.get(
        f"/api/v1/pieces/{item['piece_id']}/sections/{item['section_id']}"
    ).get_json()
    assert (section["name"], section["bar_start"], section["bar_end"]) == ("", 17, 32)
    assert (item["bars"], item["tempo_bpm"]) == ("17-32", 60)


def test_a_refused_session_creates_no_piece(alice, bob, alice_api, frozen_clock):
    frozen_clock(NOW)
    bobs = make_piece(bob.profile, "Bob's etude")
    response = alice_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-03-09T18:00:00+01:00",
            "duration_minutes": 30,
            "items": [{"piece_title": "Fantaisie", "bars": "1-16"}, {"piece_id": str(bobs.id)}],
        },
    )
    assert response.status_code == 422
    assert field_errors(response) == {"items.1.piece_id": "There is no such piece in your journal."}
    assert _pieces(alice.profile) == []


def test_naming_a_new_piece_and_choosing_one_is_refused(alice, alice_api, frozen_clock):
    frozen_clock(NOW)
    piece = make_piece(alice.profile)
    response = alice_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-03-09T18:00:00+01:00",
            "duration_minutes": 30,
            "items": [{"piece_id": str(piece.id), "piece_title": "Another"}],
        },
    )
    assert response.status_code == 422
    assert field_errors(response) == {
        "items.0": "Choose one of your pieces or name a new one, not both."
    }
    long_title = alice_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-03-09T18:00:00+01:00",
            "duration_minutes": 30,
            "items": [{"piece_title": "x" * 201}],
        },
    )
    assert field_errors(long_title) == {
        "items.0.piece_title": "Keep this to 200 characters or fewer."
    }


# --- the log form -----------------------------------------------------------------------


def test_the_log_form_without_pieces_offers_to_name_one(alice, alice_web):
    form = read(alice_web.get("/journal/new"))
    assert "items-0-piece_title" in form.names
    assert "items-0-piece_id" not in form.names
    assert "No pieces yet: name one here" in page_text(alice_web.get("/journal/new"))


def test_the_log_form_creates_the_named_piece_and_passage(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    response = alice_web.submit(
        "/journal/new",
        {
            "started_at": "2026-03-09T18:00",
            "duration_minutes": "30",
            "items-0-piece_title": "Gymnopédie No. 1",
            "items-0-bars": "33-40",
            "items-0-minutes": "15",
        },
    )
    assert response.status_code == 302, page_text(response)[:400]
    [piece] = _pieces(alice.profile)
    assert piece.title == "Gymnopédie No. 1"
    assert [s.label for s in piece.sections] == ["bars 33–40"]
    entry = page_text(alice_web.get(response.headers["Location"]))
    assert "Gymnopédie No. 1 › bars 33–40" in entry
    # The piece page shows the unnamed passage by its bars.
    assert "bars 33–40" in page_text(alice_web.get(f"/repertoire/{piece.id}"))


def test_the_log_form_keeps_a_typed_new_piece_on_an_error(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    make_piece(alice.profile, "Etude")
    response = alice_web.submit(
        "/journal/new",
        {
            "started_at": "2026-03-09T18:00",
            "duration_minutes": "0",
            "items-0-piece_title": "Träumerei",
            "items-0-bars": "9-16",
        },
    )
    assert response.status_code == 422
    form = read(response)
    assert form.error("duration_minutes") == "Enter a number of at least 1."
    assert form.value("items-0-piece_title") == "Träumerei"
    assert form.value("items-0-bars") == "9-16"
    assert [p.title for p in _pieces(alice.profile)] == ["Etude"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeSession)) == 0


def test_the_log_form_says_where_a_piece_is_both_chosen_and_named(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    piece = make_piece(alice.profile, "Etude")
    response = alice_web.submit(
        "/journal/new",
        {
            "started_at": "2026-03-09T18:00",
            "duration_minutes": "20",
            "items-0-piece_id": str(piece.id),
            "items-0-piece_title": "Another etude",
        },
    )
    assert response.status_code == 422
    form = read(response)
    assert (
        form.error("items-0-piece_id") == "Choose one of your pieces or name a new one, not both."
    )
    assert form.value("items-0-piece_title") == "Another etude"


def test_an_unnamed_section_is_stored_and_listed_by_its_bars(alice, alice_api):
    piece = make_piece(alice.profile, "Fugue")
    response = alice_api.post(
        f"/api/v1/pieces/{piece.id}/sections", json={"bar_start": 9, "bar_end": 16}
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == ""
    assert db.session.get(Section, uuid.UUID(response.get_json()["id"])).label == "bars 9–16"


def test_an_edit_that_names_a_new_piece_creates_it_once_even_sent_twice(alice, alice_web):
    from tests.factories import log_session

    session = log_session(alice.profile, duration_minutes=30)
    form = read(alice_web.get(f"/journal/{session.id}/edit"))
    values = {name: vals[0] for name, vals in form.values.items() if vals}
    values |= {"items-0-piece_title": "Prelude in C", "items-0-bars": "1-4"}
    first = alice_web.submit(f"/journal/{session.id}/edit", values)
    assert first.status_code == 302, page_text(first)[:400]
    [piece] = _pieces(alice.profile)
    assert [(i.piece_id, i.section_id) for i in session.items] == [(piece.id, piece.sections[0].id)]
    # The same edit again (a re-sent form): the piece and passage it named are found.
    values["version"] = str(session.version)
    assert alice_web.submit(f"/journal/{session.id}/edit", values).status_code == 302
    assert _pieces(alice.profile) == [piece]
    assert len(piece.sections) == 1
