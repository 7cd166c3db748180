"""PERF-QUERIES: the journal list and the sessions API cost the same few statements for 2
sessions as for 30, each with items, tags, goals and evidence."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from tests.factories import log_session, make_instrument, make_piece
from tests.journal import builders
from woodshed.journal import services


@pytest.fixture
def db_connection(request):
    """The connection every request of this test runs on (to count its statements)."""
    return request.getfixturevalue("_connection")


START = datetime(2026, 1, 1, 18, 0, tzinfo=UTC)


@contextmanager
def counting(connection):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def log_rich_sessions(profile, n: int) -> None:
    piano = make_instrument(profile, "Piano")
    piece = make_piece(profile, "Nocturne", sections=[("A", 1, 8), ("B", 9, 16)])
    skill = builders.skill(profile)
    goals = [builders.goal(profile, f"Goal {i}") for i in range(2)]
    for i in range(n):
        session = log_session(
            profile,
            started_at=START + timedelta(days=i),
            instrument_id=piano.id,
            items=[
                {"section_id": piece.sections[i % 2].id, "bars": "1-4", "tempo_bpm": 60},
                {"piece_id": piece.id, "minutes": 5},
                {"skill_id": skill.id, "minutes": 10},
            ],
            tags=["scales", f"tag {i}"],
            notes=f"note {i}",
            next_time="start slow",
            mood=3,
            goal_ids=[g.id for g in goals],
            evidence=[
                {"kind": "link", "url": "https://example.org/x"},
                {"kind": "note", "text": "n"},
            ],
        )
        if i % 3 == 0:  # some have history too
            services.update_session(profile, session, {"duration_minutes": 40})


def statements_for(request, persona, url: str, n: int, db_connection) -> int:
    log_rich_sessions(persona.profile, n)
    with counting(db_connection) as statements:
        response = request(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(statements)


@pytest.mark.parametrize(
    ("url", "budget"),
    # The dashboard also shows the plans, statistics and pick-up panels.
    [("/journal", 20), ("/journal?q=note", 20), ("/", 40)],
)
def test_the_journal_page_costs_the_same_for_2_or_30_sessions(
    make_app, alice, bob, db_connection, url, budget
):
    counts = []
    for persona, n in ((alice, 2), (bob, 30)):
        web = make_app().test_client()
        web.sign_in(persona)
        counts.append(statements_for(web.get, persona, url, n, db_connection))
    assert counts[0] == counts[1], counts
    assert counts[1] <= budget


def test_the_sessions_api_costs_the_same_for_2_or_30_sessions(app, alice, bob, db_connection):
    from tests.clients import ApiClient

    counts = []
    for persona, n in ((alice, 2), (bob, 30)):
        api = ApiClient.for_user(app, persona.user)
        counts.append(statements_for(api.get, persona, "/api/v1/sessions", n, db_connection))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20


def test_an_entry_page_costs_the_same_with_many_items_and_edits(alice, alice_web, db_connection):
    piece = make_piece(alice.profile, "Etude", sections=[(f"S{i}", i, i) for i in range(1, 21)])
    counts = []
    for n in (1, 20):
        session = log_session(
            alice.profile,
            items=[{"section_id": s.id} for s in piece.sections[:n]],
            evidence=[{"kind": "note", "text": str(i)} for i in range(n)],
            tags=[f"t{i}" for i in range(n)],
        )
        for minutes in range(31, 31 + n):
            services.update_session(alice.profile, session, {"duration_minutes": minutes})
        with counting(db_connection) as statements:
            assert alice_web.get(f"/journal/{session.id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
