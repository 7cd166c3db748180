"""The conflicts inbox: values that lost a merge (see journal/merge.py), until the
musician keeps the live one or puts the other back."""

from __future__ import annotations

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
