"""The progress engine: honest about thin data, bulk, and the documented formula."""

from datetime import UTC, datetime, timedelta

from tests.factories import log_session
from woodshed.db import db
from woodshed.repertoire.models import Piece, Section
from woodshed.stats import progress
from woodshed.stats.progress import progress_for

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _pieces(profile, n):
    pieces = [
        Piece(profile_id=profile.id, title=f"Piece {i}", target_tempo_bpm=100) for i in range(n)
    ]
    db.session.add_all(pieces)
    db.session.flush()
    return pieces


def test_fewer_than_three_sessions_say_not_enough_data_yet(alice, frozen_clock):
    frozen_clock(NOW)
    (piece, never) = _pieces(alice.profile, 2)
    for day in (1, 2):
        log_session(alice.profile, NOW - timedelta(days=day), 30, items=[{"piece_id": piece.id}])
    found = progress_for(alice.profile, "piece", [piece.id, never.id])
    for info in found.values():
        assert info["percentage"] is None
        assert info["stage"] is None
        assert info["trend"] is None
        assert info["message"] == "Not enough data yet"
    assert found[piece.id]["sessions"] == 2
    assert found[never.id]["sessions"] == 0


def test_the_percentage_follows_the_documented_formula(alice, frozen_clock):
    frozen_clock(NOW)
    (piece,) = _pieces(alice.profile, 1)
    # 6 sessions of 100 minutes on the last 6 days, quality 4 and confidence 3, tempo 80/100.
    for day in range(1, 7):
        log_session(
            alice.profile,
            NOW - timedelta(days=day),
            100,
            quality=4,
            confidence=3,
            items=[{"piece_id": piece.id, "tempo_bpm": 80}],
        )
    info = progress_for(alice.profile, "piece", [piece.id])[piece.id]
    time, frequency, recency, ratings, tempo = 600 / 1200, 6 / 12, 1.0, (3.5 - 1) / 4, 0.8
    expected = round(
        100 * (0.3 * time + 0.15 * frequency + 0.15 * recency + 0.15 * ratings + 0.25 * tempo)
    )
    assert info["percentage"] == expected == 67
    assert info["stage"] == "intermediate"
    assert info["trend"] == "improving"  # nothing was logged four weeks ago
    assert progress.stage_of(39) == "beginner"
    assert progress.stage_of(75) == "advanced"


def test_a_passage_left_alone_declines(alice, frozen_clock):
    frozen_clock(NOW)
    (piece,) = _pieces(alice.profile, 1)
    section = Section(
        piece_id=piece.id, profile_id=alice.profile.id, name="A", bar_start=1, bar_end=4
    )
    db.session.add(section)
    db.session.flush()
    for day in range(30, 50):
        log_session(
            alice.profile, NOW - timedelta(days=day), 30, items=[{"section_id": section.id}]
        )
    info = progress_for(alice.profile, "section", [section.id])[section.id]
    assert info["trend"] == "declining"


def test_progress_of_many_pieces_costs_a_fixed_number_of_queries(alice, frozen_clock, app):
    import sqlalchemy as sa

    frozen_clock(NOW)
    pieces = _pieces(alice.profile, 12)
    for i, piece in enumerate(pieces):
        for day in range(3):
            log_session(
                alice.profile, NOW - timedelta(days=day + i), 20, items=[{"piece_id": piece.id}]
            )
    db.session.flush()
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    engine = app.extensions["woodshed.engine"]
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        found = progress_for(alice.profile, "piece", [p.id for p in pieces])
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    assert len(found) == 12
    assert all(i["percentage"] is not None for i in found.values())
    assert count <= 4  # monthly and daily rollup, the detail rows, maybe exact last dates


def test_the_last_practice_date_is_exact_even_months_ago(alice, frozen_clock):
    frozen_clock(NOW)
    (piece, other) = _pieces(alice.profile, 2)
    for day in (130, 120, 101):
        log_session(alice.profile, NOW - timedelta(days=day), 30, items=[{"piece_id": piece.id}])
    for day in (400, 3):
        log_session(alice.profile, NOW - timedelta(days=day), 30, items=[{"piece_id": other.id}])
    found = progress_for(alice.profile, "piece", [piece.id, other.id])
    assert found[piece.id]["last_practised"] == (NOW - timedelta(days=101)).date()
    assert found[piece.id]["minutes"] == 90
    assert found[piece.id]["trend"] == "steady"  # recency was already 0 four weeks ago
    assert found[other.id]["last_practised"] == (NOW - timedelta(days=3)).date()
    assert found[other.id]["percentage"] is None
