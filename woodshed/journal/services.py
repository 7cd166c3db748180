"""Writing the journal: create, edit (with revision history) and delete practice sessions.

Every path that writes sessions — the form, the API, quick log, the timer, plan check-in,
imports and the demo — goes through these functions, so practice dates, tags, search text
and history are always kept the same way.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from woodshed import search
from woodshed.api.pagination import decode_cursor, page_of
from woodshed.db import db, utcnow
from woodshed.errors import DomainError
from woodshed.goals.models import Goal
from woodshed.journal.models import (
    SCALAR_FIELDS,
    Evidence,
    PracticeSession,
    SessionItem,
    SessionRevision,
    Tag,
    session_goals,
    session_tags,
)
from woodshed.journal.schemas import (
    EvidenceIn,
    ItemIn,
    QuickLogIn,
    SessionFields,
    SessionIn,
    SessionQuery,
)
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.timeutil import practice_date

SEARCH_KIND = "session"


def load_options():
    """Eager loads for showing sessions: a list of any length costs a fixed few queries."""
    return (
        selectinload(PracticeSession.items),
        selectinload(PracticeSession.tags),
        selectinload(PracticeSession.goals),
        selectinload(PracticeSession.evidence),
    )


# --- references -----------------------------------------------------------------------------


def _owned(
    model,
    obj_id: uuid.UUID | None,
    profile: MusicianProfile,
    field: str,
    label: str,
    errors: dict[str, str],
):
    """The profile's object with this id; another person's reads as missing."""
    if obj_id is None:
        return None
    obj = db.session.get(model, obj_id)
    if obj is None or obj.profile_id != profile.id:
        errors[field] = f"There is no such {label} in your journal."
        return None
    return obj


def _resolve_items(
    profile: MusicianProfile, items: list[ItemIn], errors: dict[str, str]
) -> list[SessionItem]:
    rows = []
    for i, item in enumerate(items):
        where = f"items.{i}"
        piece = _owned(Piece, item.piece_id, profile, f"{where}.piece_id", "piece", errors)
        section = _owned(
            Section, item.section_id, profile, f"{where}.section_id", "section", errors
        )
        skill = _owned(Skill, item.skill_id, profile, f"{where}.skill_id", "skill", errors)
        if section is not None:
            if piece is not None and section.piece_id != piece.id:
                errors[f"{where}.section_id"] = "This section belongs to another piece."
            piece = piece or section.piece
        bar_start, bar_end = item.bar_range
        rows.append(
            SessionItem(
                position=i,
                piece_id=piece.id if piece else None,
                section_id=section.id if section else None,
                skill_id=skill.id if skill else None,
                bar_start=bar_start,
                bar_end=bar_end,
                minutes=item.minutes,
                tempo_bpm=item.tempo_bpm,
                target_tempo_bpm=item.target_tempo_bpm,
                run_through=item.run_through,
            )
        )
    return rows


def _resolve_goals(
    profile: MusicianProfile, goal_ids: list[uuid.UUID], errors: dict[str, str]
) -> list[Goal]:
    goals = []
    for i, goal_id in enumerate(goal_ids):
        goal = _owned(Goal, goal_id, profile, f"goal_ids.{i}", "goal", errors)
        if goal is not None:
            goals.append(goal)
    return goals


def tags_for(profile: MusicianProfile, names: list[str]) -> list[Tag]:
    """Existing tags matched ignoring case; new ones created with the spelling given."""
    if not names:
        return []
    keys = {name.casefold(): name for name in names}
    existing = {
        t.key: t
        for t in db.session.scalars(
            sa.select(Tag).where(Tag.profile_id == profile.id, Tag.key.in_(keys))
        )
    }
    tags = []
    for key, name in keys.items():
        tag = existing.get(key)
        if tag is None:
            tag = Tag(profile_id=profile.id, name=name, key=key)
            db.session.add(tag)
        tags.append(tag)
    return tags


def _evidence_rows(evidence: list[EvidenceIn]) -> list[Evidence]:
    return [
        Evidence(kind=e.kind, url=e.url, text=e.text, position=i) for i, e in enumerate(evidence)
    ]


# --- writing ----------------------------------------------------------------------------


def search_texts(session: PracticeSession) -> list[str]:
    """The words a session is found by: every text field, evidence and tags. Imports and
    `woodshed.search.rebuild` call it with plain namespaces read in bulk."""
    return [
        session.notes,
        session.next_time,
        session.struggles,
        session.achievements,
        " ".join(t.name for t in session.tags),
        *(f"{e.url or ''} {e.text}" for e in session.evidence),
    ]


def search_document(session: PracticeSession) -> search.Doc:
    """What search knows of a session (shown by its date; private ones only to those who
    may see them)."""
    return search.Doc(
        SEARCH_KIND,
        session.id,
        session.profile_id,
        "",
        search_texts(session),
        dated=session.practice_date,
        private=session.private,
    )


def _reindex(session: PracticeSession) -> None:
    search.index(search_document(session))


def _check_instrument(profile: MusicianProfile, instrument_id, errors: dict[str, str]) -> None:
    _owned(Instrument, instrument_id, profile, "instrument_id", "instrument", errors)


def create_session(
    profile: MusicianProfile, data: SessionIn, editor_id: uuid.UUID | None = None
) -> tuple[PracticeSession, bool]:
    """Log a session; a client-chosen id that exists already returns that session."""
    if data.id is not None:
        existing = db.session.get(PracticeSession, data.id)
        if existing is not None:
            if existing.profile_id != profile.id:
                raise DomainError({"id": "This id is already in use."})
            return existing, False
    errors: dict[str, str] = {}
    _check_instrument(profile, data.instrument_id, errors)
    items = _resolve_items(profile, data.items, errors)
    goals = _resolve_goals(profile, data.goal_ids, errors)
    if errors:
        raise DomainError(errors)
    session = PracticeSession(
        profile_id=profile.id,
        timezone=profile.timezone,
        practice_date=practice_date(data.started_at, profile.timezone, profile.day_rollover_hour),
        **{f: getattr(data, f) for f in SCALAR_FIELDS},
    )
    if data.id is not None:
        session.id = data.id
    session.items = items
    session.tags = tags_for(profile, data.tags)
    session.goals = goals
    session.evidence = _evidence_rows(data.evidence)
    db.session.add(session)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two identical requests raced; the other one stored the session first.
        existing = db.session.get(PracticeSession, data.id) if data.id else None
        if existing is not None and existing.profile_id == profile.id:
            return existing, False
        raise
    _reindex(session)
    db.session.flush()
    return session, True


def _summary(session: PracticeSession) -> dict[str, Any]:
    """The comparable state of a session, for revision history."""
    state: dict[str, Any] = {f: getattr(session, f) for f in SCALAR_FIELDS}
    state["started_at"] = session.started_at.isoformat()
    state["instrument_id"] = str(session.instrument_id) if session.instrument_id else None
    state["tags"] = sorted(t.name for t in session.tags)
    state["goal_ids"] = sorted(str(g.id) for g in session.goals)
    state["items"] = [item_label(i) for i in session.items]
    state["evidence"] = [f"{e.kind}: {e.url or e.text}" for e in session.evidence]
    return state


def item_label(item: SessionItem) -> str:
    """`Nocturne op. 9/2 › A section, bars 33-40, 10 min @ 72/80 bpm, run-through`."""
    if item.skill is not None:
        name = item.skill.name
    else:
        name = item.piece.title if item.piece else "(deleted piece)"
        if item.section is not None:
            name += f" › {item.section.name}"
    parts = [name]
    if item.bars:
        parts.append(f"bars {item.bars}")
    if item.minutes:
        parts.append(f"{item.minutes} min")
    if item.tempo_bpm:
        target = f"/{item.target_tempo_bpm}" if item.target_tempo_bpm else ""
        parts.append(f"@ {item.tempo_bpm}{target} bpm")
    if item.run_through:
        parts.append("run-through")
    return ", ".join(parts)


def update_session(
    profile: MusicianProfile,
    session: PracticeSession,
    changes: dict,
    editor_id: uuid.UUID | None = None,
) -> PracticeSession:
    """Apply changed fields (validated by SessionUpdate/SessionFields) and record a revision."""
    before = _summary(session)
    version_before = session.version
    errors: dict[str, str] = {}
    if "instrument_id" in changes:
        _check_instrument(profile, changes["instrument_id"], errors)
    items = goals = None
    if "items" in changes:
        items = _resolve_items(
            profile, [ItemIn.model_validate(i) for i in changes["items"]], errors
        )
    if "goal_ids" in changes:
        goals = _resolve_goals(profile, changes["goal_ids"], errors)
    if errors:
        raise DomainError(errors)
    for field in SCALAR_FIELDS:
        if field in changes:
            setattr(session, field, changes[field])
    if "started_at" in changes and before["started_at"] != session.started_at.isoformat():
        # Filed again in the zone it was logged in, with today's rollover hour.
        session.practice_date = practice_date(
            session.started_at, session.timezone, profile.day_rollover_hour
        )
    if items is not None:
        session.items = items
    if "tags" in changes:
        session.tags = tags_for(profile, changes["tags"])
    if goals is not None:
        session.goals = goals
    if "evidence" in changes:
        session.evidence = _evidence_rows(
            [EvidenceIn.model_validate(e) for e in changes["evidence"]]
        )
    db.session.flush()
    after = _summary(session)
    diff = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if diff:
        if session.version == version_before:
            # Only lists (items, tags, goals, evidence) changed, which leaves the session's
            # own row alone; touch it so the version (the ETag) still moves on.
            session.updated_at = utcnow()
        db.session.add(
            SessionRevision(
                session_id=session.id, changes=diff, editor_id=editor_id, changed_at=utcnow()
            )
        )
        _reindex(session)
        db.session.flush()
    return session


def delete_session(session: PracticeSession) -> None:
    """Delete a session with its items, evidence and history."""
    search.unindex(SEARCH_KIND, [session.id])
    db.session.delete(session)
    db.session.flush()


def full_fields(session: PracticeSession) -> dict[str, Any]:
    """A session as SessionFields input (used to prefill forms and compare edits)."""
    return SessionFields.model_validate(
        {
            **{f: getattr(session, f) for f in SCALAR_FIELDS},
            "items": [
                {
                    "piece_id": i.piece_id,
                    "section_id": i.section_id,
                    "skill_id": i.skill_id,
                    "bars": i.bars,
                    "minutes": i.minutes,
                    "tempo_bpm": i.tempo_bpm,
                    "target_tempo_bpm": i.target_tempo_bpm,
                    "run_through": i.run_through,
                }
                for i in session.items
                if i.piece_id or i.section_id or i.skill_id
            ],
            "tags": session.tag_names,
            "goal_ids": session.goal_ids,
            "evidence": [{"kind": e.kind, "url": e.url, "text": e.text} for e in session.evidence],
        }
    ).model_dump()


# --- reading ----------------------------------------------------------------------------


def filtered(profile: MusicianProfile, query: SessionQuery) -> sa.Select:
    """The profile's sessions matching the journal filters (no ordering, no paging)."""
    stmt = sa.select(PracticeSession).where(PracticeSession.profile_id == profile.id)
    if query.from_:
        stmt = stmt.where(PracticeSession.practice_date >= query.from_)
    if query.to:
        stmt = stmt.where(PracticeSession.practice_date <= query.to)
    if query.instrument_id:
        stmt = stmt.where(PracticeSession.instrument_id == query.instrument_id)
    for column, value in (
        (SessionItem.piece_id, query.piece_id),
        (SessionItem.section_id, query.section_id),
        (SessionItem.skill_id, query.skill_id),
    ):
        if value:
            stmt = stmt.where(
                PracticeSession.id.in_(sa.select(SessionItem.session_id).where(column == value))
            )
    if query.goal_id:
        stmt = stmt.where(
            PracticeSession.id.in_(
                sa.select(session_goals.c.session_id).where(
                    session_goals.c.goal_id == query.goal_id
                )
            )
        )
    if query.tag:
        stmt = stmt.where(
            PracticeSession.id.in_(
                sa.select(session_tags.c.session_id)
                .join(Tag, Tag.id == session_tags.c.tag_id)
                .where(Tag.profile_id == profile.id, Tag.key == query.tag.casefold())
            )
        )
    if query.exam_prep is not None:
        stmt = stmt.where(PracticeSession.exam_prep == query.exam_prep)
    if query.performance_prep is not None:
        stmt = stmt.where(PracticeSession.performance_prep == query.performance_prep)
    if query.rating and query.min_rating:
        stmt = stmt.where(getattr(PracticeSession, query.rating) >= query.min_rating)
    if query.q:
        ids = search.matching_ids(profile.id, SEARCH_KIND, query.q)
        if ids is not None:
            stmt = stmt.where(PracticeSession.id.in_(ids))
    return stmt


def list_sessions(
    profile: MusicianProfile, query: SessionQuery, include_private: bool = True
) -> tuple[list[PracticeSession], str | None]:
    """One page of sessions, newest first, and the cursor of the next page."""
    stmt = filtered(profile, query)
    if not include_private:
        stmt = stmt.where(PracticeSession.private.is_(False))
    after = decode_cursor(query.cursor, 2)
    if after is not None:
        try:
            started, last_id = _parse_instant(after[0]), uuid.UUID(after[1])
        except (ValueError, TypeError):
            raise DomainError({"cursor": "This cursor is not valid; start again."}) from None
        stmt = stmt.where(
            sa.or_(
                PracticeSession.started_at < started,
                sa.and_(PracticeSession.started_at == started, PracticeSession.id < last_id),
            )
        )
    stmt = stmt.order_by(PracticeSession.started_at.desc(), PracticeSession.id.desc())
    rows = list(db.session.scalars(stmt.options(*load_options()).limit(query.limit + 1)))
    return page_of(rows, query.limit, lambda s: [s.started_at.isoformat(), str(s.id)])


def _parse_instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive")
    return parsed


def tag_usage(profile: MusicianProfile) -> list[dict]:
    """The profile's tags with how often each is used, most used first (for suggestions)."""
    count = sa.func.count(session_tags.c.session_id)
    rows = db.session.execute(
        sa.select(Tag.name, count.label("sessions"))
        .outerjoin(session_tags, session_tags.c.tag_id == Tag.id)
        .where(Tag.profile_id == profile.id)
        .group_by(Tag.id, Tag.name)
        .order_by(count.desc(), Tag.name)
    )
    return [{"name": name, "sessions": n} for name, n in rows]


def quick_log(
    profile: MusicianProfile, data: QuickLogIn, editor_id: uuid.UUID | None = None
) -> tuple[PracticeSession, bool]:
    """Log a session that just ended: it started `duration` minutes ago (to the minute)."""
    now = utcnow()
    ended = now - timedelta(seconds=now.second, microseconds=now.microsecond)
    session_in = SessionIn(
        started_at=ended - timedelta(minutes=data.duration_minutes),
        duration_minutes=data.duration_minutes,
        instrument_id=data.instrument_id,
        items=[ItemIn(piece_id=data.piece_id)] if data.piece_id else [],
    )
    return create_session(profile, session_in, editor_id=editor_id)
