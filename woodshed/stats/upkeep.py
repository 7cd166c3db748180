"""Keeping the rollups current, inside the transaction that changes the journal.

The statistics' one consequence kept at the ORM level, because only there does it hold
whatever code path writes (services, imports, restore, the demo, plan check-ins):

- every flush that touches a practice session passes through `_before_flush` and
  `_after_flush`: the stored contribution of each touched session is read before the flush
  and again after it, and the difference is added to the rollups (`rollup.apply`);
- bulk ORM statements on the journal tables (`session.execute(delete(PracticeSession)…)`)
  and writers outside the ORM (`rebuild_at_commit`, the imports' COPY) have their profiles
  rebuilt just before the transaction commits;
- then, once per commit, it sends `events.journal_changed` with every profile whose
  journal changed; what follows (badges, and their notifications) subscribes to that.

Raw SQL on another connection bypasses all this; run `woodshed stats rebuild` afterwards.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Session, scoped_session

from woodshed import events
from woodshed.db import Base, new_id
from woodshed.goals.models import Goal
from woodshed.journal.models import (
    PracticeSession,
    SessionItem,
    Tag,
    session_goals,
    session_tags,
)
from woodshed.profiles.models import Instrument
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.stats.rollup import CHUNK, Contributions, apply, contributions, rebuild

_S = PracticeSession.__table__
_I = SessionItem.__table__

OLD = "woodshed.stats.old"
TOUCHED = "woodshed.stats.touched"
PENDING_REBUILD = "woodshed.stats.rebuild"
#: profile id → True when something may have been taken away, for `journal_changed`.
CHANGED = "woodshed.stats.changed"


#: Session fields the statistics count: a change to one may take something away.
COUNTED_FIELDS = (
    "items",
    "practice_date",
    "duration_minutes",
    "mode",
    "exam_prep",
    "performance_prep",
    "quality",
)


def _state(obj: Base) -> InstanceState[Base]:
    """`inspect(obj)` for a model of several classes (mypy types it `object` for a union)."""
    return inspect(obj)


def _scan(session: Session) -> tuple[set, set, dict]:
    """Sessions this flush changes, those of them already stored, and the profiles whose
    journal it changes.

    The profiles map to True when something may have been taken away (an entry deleted or
    edited, a piece's or goal's status changed), False when only something was added.
    """
    touched: set[uuid.UUID] = set()
    stored: set[uuid.UUID] = set()
    changed: dict[uuid.UUID, bool] = {}

    def check(profile_id, taken: bool) -> None:
        if profile_id is not None:
            changed[profile_id] = changed.get(profile_id, False) or taken

    # New sessions of a profile rebuilt at commit anyway (an import) are not added twice.
    rebuilding = session.info.get(PENDING_REBUILD, ())
    for obj in session.new:
        if isinstance(obj, PracticeSession) and obj.profile_id in rebuilding:
            check(obj.profile_id, False)
        elif (
            isinstance(obj, SessionItem)
            and obj.session is not None
            and (obj.session.profile_id in rebuilding)
        ):
            continue
        elif isinstance(obj, PracticeSession):
            if obj.id is None:
                # The id default fires at INSERT; the after-flush read needs it now.
                obj.id = new_id()
            touched.add(obj.id)
            check(obj.profile_id, False)
        elif isinstance(obj, SessionItem) and obj.session is not None:
            if obj.session.id is None:
                obj.session.id = new_id()
            touched.add(obj.session.id)
            if inspect(obj.session).has_identity:
                stored.add(obj.session.id)
        elif isinstance(obj, SessionItem) and obj.session_id is not None:
            touched.add(obj.session_id)
            stored.add(obj.session_id)
    for obj in (*session.dirty, *session.deleted):
        deleted = obj in session.deleted
        if isinstance(obj, PracticeSession):
            touched.add(obj.id)
            stored.add(obj.id)
            state = inspect(obj)
            taken = deleted or any(state.attrs[f].history.deleted for f in COUNTED_FIELDS)
            check(obj.profile_id, taken)
        elif isinstance(obj, SessionItem):
            ids = {obj.session_id, *(inspect(obj).attrs.session_id.history.deleted or ())}
            ids.discard(None)
            touched.update(ids)
            stored.update(ids)
            if obj.session is not None:
                check(obj.session.profile_id, True)
        elif isinstance(obj, (Piece, Goal)) and (
            deleted or _state(obj).attrs.status.history.has_changes()
        ):
            check(obj.profile_id, True)
        retargeted = isinstance(obj, (Piece, Section)) and (
            _state(obj).attrs.target_tempo_bpm.history.has_changes()
        )
        if (deleted or retargeted) and isinstance(obj, REFERENCED) and _state(obj).has_identity:
            # The database sets the references to NULL (or drops tag and goal links) by itself;
            # re-read the sessions that pointed here so their rollup rows move too.
            ids = set(session.connection().execute(_referring(obj)).scalars())
            touched.update(ids)
            stored.update(ids)
    for obj in session.new:
        if isinstance(obj, (Piece, Goal)):
            check(obj.profile_id, False)
    return touched, stored, changed


def _referring(obj) -> sa.Select:
    """The ids of stored sessions that refer to an instrument, piece, section, skill, tag
    or goal."""
    if isinstance(obj, Instrument):
        return sa.select(_S.c.id).where(_S.c.instrument_id == obj.id)
    if isinstance(obj, Tag):
        return sa.select(session_tags.c.session_id).where(session_tags.c.tag_id == obj.id)
    if isinstance(obj, Goal):
        return sa.select(session_goals.c.session_id).where(session_goals.c.goal_id == obj.id)
    column = {Piece: _I.c.piece_id, Section: _I.c.section_id, Skill: _I.c.skill_id}[type(obj)]
    return sa.select(_I.c.session_id).distinct().where(column == obj.id)


def _before_flush(session: Session, _context, _instances) -> None:
    touched, stored, changed = _scan(session)
    for profile_id, taken in changed.items():
        announce_at_commit(session, profile_id, taken=taken)
    if not touched:
        session.info.pop(TOUCHED, None)
        return
    session.info[TOUCHED] = touched
    session.info[OLD] = contributions(session.connection(), stored) if stored else Contributions()


def _after_flush(session: Session, _context) -> None:
    touched = session.info.pop(TOUCHED, None)
    if not touched:
        return
    delta = contributions(session.connection(), touched)
    delta.subtract(session.info.pop(OLD, Contributions()))
    apply(session.connection(), delta)


REFERENCED = (Instrument, Piece, Section, Skill, Tag, Goal)
JOURNAL_TABLES = {"practice_sessions", "session_items", "session_tags", "session_goals"}


def _bulk_statement(state) -> None:
    """Bulk INSERT/UPDATE/DELETE on journal tables: rebuild the profiles at commit."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if not isinstance(table, sa.Table) or table.name not in JOURNAL_TABLES:
        return
    name = table.name
    conn = state.session.connection()
    profiles = state.session.info.setdefault(PENDING_REBUILD, set())
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params or {}]
        if name == "practice_sessions":
            profiles.update(r["profile_id"] for r in rows if r.get("profile_id"))
            return
        ids = {r.get("session_id") for r in rows} - {None}
        profiles.update(_profiles_of(conn, ids))
        return
    where = state.statement.whereclause
    if name == "practice_sessions":
        stmt = sa.select(_S.c.profile_id).distinct()
    else:
        stmt = sa.select(_S.c.profile_id).distinct().join(table, table.c.session_id == _S.c.id)
    if where is not None:
        stmt = stmt.where(where)
    profiles.update(conn.execute(stmt).scalars())


def rebuild_at_commit(session: Session | scoped_session[Session], profile_ids) -> None:
    """Bulk writers outside the ORM (imports' COPY) ask for these profiles to be rebuilt
    when the transaction commits; the flush hooks cannot see such rows."""
    session.info.setdefault(PENDING_REBUILD, set()).update(profile_ids)


def _profiles_of(conn, session_ids: set) -> set:
    found: set = set()
    ids = list(session_ids)
    for start in range(0, len(ids), CHUNK):
        found.update(
            conn.execute(
                sa.select(_S.c.profile_id).distinct().where(_S.c.id.in_(ids[start : start + CHUNK]))
            ).scalars()
        )
    return found


def announce_at_commit(session: Session, profile_id: uuid.UUID, *, taken: bool) -> None:
    """Name this profile in the `journal_changed` event sent when the transaction commits
    (the flush does it for every journal write; days off are changed without sessions)."""
    changed = session.info.setdefault(CHANGED, {})
    changed[profile_id] = changed.get(profile_id, False) or taken


def _before_commit(session: Session) -> None:
    """Finish the rollups (rebuilds asked for by bulk writers), then announce the change:
    `events.journal_changed` goes out here, once per transaction, with every profile whose
    journal changed, so its subscribers (badges) read complete rollups."""
    if session.in_nested_transaction():
        return  # releasing a savepoint: the work waits for the real commit
    pending = session.info.pop(PENDING_REBUILD, None)
    if pending:
        session.flush()
        rebuild(session.connection(), pending)
        for profile_id in pending:
            announce_at_commit(session, profile_id, taken=True)
    changed = session.info.pop(CHANGED, None)
    if changed:
        events.journal_changed.send(session, profiles=changed)


def register() -> None:
    """Listen on every ORM session (once per process, however many apps are created)."""
    for name, fn in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_soft_rollback", _after_soft_rollback),
        ("do_orm_execute", _bulk_statement),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


def _after_soft_rollback(session: Session, previous) -> None:
    """A rolled-back transaction takes its pending work with it (a savepoint does not)."""
    if not previous.nested:
        for key in (OLD, TOUCHED, PENDING_REBUILD, CHANGED):
            session.info.pop(key, None)
