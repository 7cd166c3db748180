"""Pieces: status history, references to instruments, deletion."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from tests.factories import make_instrument, make_piece, make_resource, make_section
from woodshed import search
from woodshed.db import db
from woodshed.errors import DomainError
from woodshed.repertoire import services
from woodshed.repertoire.models import Piece, PieceStatusChange, Section


def test_a_new_piece_starts_its_status_history(alice, frozen_clock):
    added = frozen_clock(datetime(2026, 1, 5, 18, tzinfo=UTC))
    piece = make_piece(alice.profile, status="wishlist")
    assert piece.status_changed_at == added
    assert [(c.from_status, c.to_status, c.changed_at) for c in piece.status_changes] == [
        (None, "wishlist", added)
    ]


def test_each_status_change_is_recorded_with_its_time(alice, frozen_clock):
    frozen_clock(datetime(2026, 1, 5, tzinfo=UTC))
    piece = make_piece(alice.profile, status="learning")
    polished = frozen_clock(datetime(2026, 2, 1, tzinfo=UTC))
    services.update_piece(alice.profile, piece, {"status": "polishing"})
    ready = frozen_clock(datetime(2026, 3, 1, tzinfo=UTC))
    services.update_piece(alice.profile, piece, {"status": "performance_ready"})
    frozen_clock(datetime(2026, 3, 2, tzinfo=UTC))
    services.update_piece(alice.profile, piece, {"title": "Renamed, same status"})

    history = [
        (c.from_status, c.to_status, c.changed_at)
        for c in db.session.scalars(
            sa.select(PieceStatusChange)
            .where(PieceStatusChange.piece_id == piece.id)
            .order_by(PieceStatusChange.changed_at)
        )
    ]
    assert history[1:] == [
        ("learning", "polishing", polished),
        ("polishing", "performance_ready", ready),
    ]
    assert piece.status_changed_at == ready


def test_another_musicians_instrument_is_refused_like_a_missing_one(alice, bob):
    bobs_guitar = make_instrument(bob.profile, "Guitar")
    with pytest.raises(DomainError) as refused:
        make_piece(alice.profile, instrument_id=bobs_guitar.id)
    assert refused.value.messages == {
        "instrument_id": "There is no such instrument in your journal."
    }


def test_a_target_date_before_the_start_is_refused(alice):
    with pytest.raises(ValidationError) as refused:
        make_piece(alice.profile, started_on="2026-03-01", target_date="2026-02-01")
    assert [(e["loc"], e["msg"]) for e in refused.value.errors()] == [
        (("target_date",), "The target date is before the start date.")
    ]


def test_deleting_a_piece_takes_its_sections_and_their_search_entries(alice):
    piece = make_piece(alice.profile)
    section = make_section(piece, "Coda", (25, 34))
    on_piece = make_resource(alice.profile, piece_id=piece.id, text="pedal markings")
    on_section = make_resource(alice.profile, section_id=section.id, text="pedal in the coda")
    assert db.session.scalars(search.matching_ids(alice.profile.id, "resource", "pedal")).all()

    services.delete_piece(piece)
    db.session.expunge_all()  # the database cascaded; forget the objects loaded before

    assert db.session.get(Section, section.id) is None
    assert db.session.get(Piece, piece.id) is None
    assert (
        db.session.scalars(search.matching_ids(alice.profile.id, "resource", "pedal")).all() == []
    )
    assert {on_piece.id, on_section.id}.isdisjoint(
        db.session.scalars(sa.select(search.SearchDocument.object_id))
    )
