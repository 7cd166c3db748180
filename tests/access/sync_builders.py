"""Objects of alice's for the sync routes: a practice entry and a conflict kept on it."""

from datetime import UTC, datetime

from tests.factories import log_session
from woodshed.db import db, utcnow
from woodshed.sync.models import SyncConflict


def _session(alice):
    return log_session(
        alice.profile,
        started_at=datetime(2025, 1, 5, 17, 0, tzinfo=UTC),
        duration_minutes=30,
        notes="alice's notes",
    )


def _conflict(alice) -> SyncConflict:
    session = _session(alice)
    conflict = SyncConflict(
        profile_id=alice.profile.id,
        object_type="session",
        object_id=session.id,
        field="duration_minutes",
        live_value=30,
        other_value=45,
        other_source="phone, offline",
        created_at=utcnow(),
    )
    db.session.add(conflict)
    db.session.flush()
    return conflict


BUILDERS = {"session_id": _session, "conflict_id": _conflict}
