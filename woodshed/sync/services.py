"""The conflicts inbox: values that lost a merge (see journal/merge.py), until the
musician keeps the live one or puts the other back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from woodshed import policy
from woodshed.api.keyset import Order, keyset_page
from woodshed.db import db, utcnow
from woodshed.errors import DomainError, NotFound
from woodshed.journal import services as journal
from woodshed.journal.models import PracticeSession
from woodshed.journal.schemas import SessionUpdate
from woodshed.profiles.models import MusicianProfile
from woodshed.sync.models import SyncConflict
from woodshed.sync.schemas import ConflictQuery

ORDER: Order = ((SyncConflict.created_at, True), (SyncConflict.id, True))


def _open(profile: MusicianProfile) -> sa.Select:
    return policy.owned(SyncConflict, profile).where(SyncConflict.resolved_at.is_(None))


def list_conflicts(profile: MusicianProfile, query: ConflictQuery):
    """One page of the conflicts still open, newest first."""
    return keyset_page(_open(profile), ORDER, query)


def open_conflicts(profile: MusicianProfile) -> list[SyncConflict]:
    """Every open conflict (the inbox page), newest first."""
    return list(db.session.scalars(_open(profile).order_by(*(c.desc() for c, _ in ORDER))))


def count_open(profile: MusicianProfile) -> int:
    stmt = sa.select(sa.func.count()).select_from(_open(profile).subquery())
    return db.session.scalar(stmt) or 0


def resolve(
    profile: MusicianProfile, conflict: SyncConflict, keep: str, editor_id=None
) -> SyncConflict:
    """Keep the live value, or put the other one back (a new revision of the object)."""
    if conflict.resolved_at is not None:
        raise DomainError({"keep": "This conflict was already resolved."})
    if keep == "other":
        try:
            session = policy.owned_or_404(PracticeSession, conflict.object_id, profile, lock=True)
        except NotFound:
            gone = "This entry was deleted; only the live value remains."
            raise DomainError({"keep": gone}) from None
        value = SessionUpdate.model_validate({conflict.field: conflict.other_value})
        journal.update_session(
            profile, session, value.model_dump(exclude_unset=True), editor_id=editor_id
        )
    conflict.resolved_at = utcnow()
    conflict.resolution = keep
    db.session.flush()
    return conflict


#: How far back the journal is kept for offline use, and how many pages at most.
OFFLINE_DAYS = 60
OFFLINE_MAX_SESSIONS = 200
OFFLINE_MAX_PIECES = 100


def offline_pages(profile: MusicianProfile) -> dict[str, list[str]]:
    """The musician's own pages the offline shell keeps beside its fixed ones: the journal
    of the last OFFLINE_DAYS days (the list and each entry), every piece in the
    repertoire with its passages (not the archived ones), and today's plan (each
    occurrence's check-in form)."""
    from flask import url_for

    from woodshed.plans.models import Plan, PlanOccurrence
    from woodshed.repertoire.models import Piece

    today = profile.today()
    since = today - timedelta(days=OFFLINE_DAYS)
    sessions = db.session.scalars(
        policy.owned(PracticeSession, profile)
        .where(PracticeSession.practice_date >= since)
        .order_by(PracticeSession.started_at.desc(), PracticeSession.id.desc())
        .limit(OFFLINE_MAX_SESSIONS)
        .with_only_columns(PracticeSession.id)
    ).all()
    pieces = db.session.scalars(
        policy.owned(Piece, profile)
        .where(Piece.status != "archived")
        .order_by(Piece.title, Piece.id)
        .limit(OFFLINE_MAX_PIECES)
        .with_only_columns(Piece.id)
    ).all()
    occurrences = db.session.execute(
        policy.owned(PlanOccurrence, profile)
        .join(Plan, Plan.id == PlanOccurrence.plan_id)
        .where(
            Plan.status == "active",
            PlanOccurrence.practice_date == today,
            PlanOccurrence.status == "scheduled",
        )
        .order_by(PlanOccurrence.scheduled_start)
        .with_only_columns(PlanOccurrence.id, PlanOccurrence.plan_id)
    ).all()
    plans = dict.fromkeys(o.plan_id for o in occurrences)  # each once, in order
    filters: dict[str, Any] = {"from": since.isoformat(), "limit": OFFLINE_MAX_SESSIONS}
    journal_list = url_for("journal.index", **filters)
    return {
        # Kept as the journal list itself: offline, /journal shows all of them.
        "journal": [journal_list],
        "pages": [url_for("journal.show", session_id=s) for s in sessions]
        + [url_for("repertoire.piece", piece_id=p) for p in pieces]
        + [url_for("plans.detail", plan_id=p) for p in plans]
        + [url_for("plans.check_in", occurrence_id=o.id) for o in occurrences],
    }
