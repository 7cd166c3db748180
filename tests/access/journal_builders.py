"""Objects alice owns, for the journal's cells of the route access matrix."""

from datetime import UTC, datetime

from tests.factories import log_session, make_piece


def _session(alice):
    piece = make_piece(alice.profile, "Matrix etude", sections=[("A", 1, 8)])
    return log_session(
        alice.profile,
        started_at=datetime(2025, 1, 5, 17, 0, tzinfo=UTC),
        duration_minutes=30,
        notes="alice's notes",
        tags=["scales"],
        items=[{"section_id": piece.sections[0].id, "bars": "1-4"}],
        evidence=[{"kind": "note", "text": "evidence"}],
    )


BUILDERS = {"session_id": _session}
