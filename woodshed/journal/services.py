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
from sqlalchemy.orm import selectinload

from woodshed import events, policy, search
from woodshed.api.keyset import Order, keyset_page
from woodshed.api.pagination import ListQuery
from woodshed.db import db, new_id, utcnow
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
from woodshed.repertoire import services as repertoire
from woodshed.repertoire import subjects
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


def _resolve_items(
    profile: MusicianProfile,
    items: list[ItemIn],
    errors: dict[str, str],
    entry_id: uuid.UUID | None = None,
    instrument_id: uuid.UUID | None = None,
) -> list[SessionItem]:
    """The items as rows; a piece named by title (and its bars) is found or created here,
    in the entry's transaction — with ids derived from `entry_id` when there is one, so
    the same entry sent twice at once creates them once."""
    rows = []
    for i, item in enumerate(items):
        bar_start, bar_end = item.bar_range
        if item.piece_title:
            if errors:  # something else is wrong: nothing is created for an entry refused
                continue
            ids = (
                (uuid.uuid5(entry_id, f"items.{i}.piece"), uuid.uuid5(entry_id, f"items.{i}.bars"))
                if entry_id is not None
                else (new_id(), new_id())
            )
            piece, section = repertoire.piece_named(
                profile, item.piece_title, item.bar_range, ids, instrument_id
            )
            subject = subjects.Subject(piece, section, None)
        else:
            subject = subjects.resolve(
                profile, item.piece_id, item.section_id, item.skill_id, errors, f"items.{i}"
            )
        rows.append(
            SessionItem(
                position=i,
                piece_id=subject.piece_id,
                section_id=subject.section_id,
                skill_id=subject.skill_id,
                bar_start=bar_start,
                bar_end=bar_end,
                minutes=item.minutes,
                tempo_bpm=item.tempo_bpm,
                target_tempo_bpm=item.target_tempo_bpm,
                run_through=item.run_through,
                note=item.note,
            )
        )
    return rows


def _resolve_goals(
    profile: MusicianProfile, goal_ids: list[uuid.UUID], errors: dict[str, str]
) -> list[Goal]:
    goals = []
    for i, goal_id in enumerate(goal_ids):
        goal = policy.referenced(Goal, goal_id, profile, field=f"goal_ids.{i}", errors=errors)
        if goal is not None:
            goals.append(goal)
    return goals


def tags_for(profile: MusicianProfile, names: list[str]) -> list[Tag]:
    """Existing tags matched ignoring case; new ones created with the spelling given. In
    key order, as a stored session lists them.

    Call it before the session that gets the tags is added to the database session: a new
    tag is stored on its own (in a savepoint), so that sessions logged at the same moment
    with the same new tag share one row instead of failing on its unique key.
    """
    if not names:
        return []
    keys = {name.casefold(): name for name in names}
    existing = {
        t.key: t
        for t in db.session.scalars(
            sa.select(Tag).where(Tag.profile_id == profile.id, Tag.key.in_(keys))
        )
    }
    # Created in key order, so that two writers never wait for each other's tags in turn.
    for key in sorted(keys.keys() - existing.keys()):
        existing[key], _ = policy.insert_or_existing(
            Tag(profile_id=profile.id, name=keys[key], key=key),
            profile,
            key=("profile_id", "key"),
        )
    return [existing[key] for key in sorted(keys)]


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
        *(item.note for item in session.items if getattr(item, "note", "")),
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
    policy.referenced(Instrument, instrument_id, profile, field="instrument_id", errors=errors)


def create_session(
    profile: MusicianProfile, data: SessionIn, editor_id: uuid.UUID | None = None
) -> tuple[PracticeSession, bool]:
    """Log a session; a client-chosen id that exists already returns that session."""
    existing = policy.existing_for_client_id(PracticeSession, data.id, profile)
    if existing is not None:
        return existing, False
    errors: dict[str, str] = {}
    session_id = data.id or new_id()
    _check_instrument(profile, data.instrument_id, errors)
    goals = _resolve_goals(profile, data.goal_ids, errors)
    items = _resolve_items(profile, data.items, errors, session_id, data.instrument_id)
    if errors:
        raise DomainError(errors)
    session = PracticeSession(
        id=session_id,
        profile_id=profile.id,
        timezone=profile.timezone,
        practice_date=practice_date(data.started_at, profile.timezone, profile.day_rollover_hour),
        **{f: getattr(data, f) for f in SCALAR_FIELDS},
    )
    session.items = items
    session.tags = tags_for(profile, data.tags)
    session.goals = goals
    session.evidence = _evidence_rows(data.evidence)
    session, created = policy.insert_or_existing(session, profile)
    if created:
        _reindex(session)
        db.session.flush()
    return session, created


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
    """`Nocturne op. 9/2 › A section, bars 33–40, 10 min @ 72/80 bpm, run-through, “note”`.

    Bars are in words (`bar_range`); an unnamed passage's label is its bars already, so
    they are not said twice ("› bars 1–8", never "› bars 1–8, bars 1-8")."""
    if item.skill is not None:
        name = item.skill.name
    else:
        name = item.piece.title if item.piece else "(deleted piece)"
        if item.section is not None:
            name += f" › {item.section.label}"
    parts = [name]
    if item.bars_shown:
        parts.append(f"bars {item.bars_shown}")
    if item.minutes:
        parts.append(f"{item.minutes} min")
    if item.tempo_bpm:
        target = f"/{item.target_tempo_bpm}" if item.target_tempo_bpm else ""
        parts.append(f"@ {item.tempo_bpm}{target} bpm")
    if item.run_through:
        parts.append("run-through")
    if item.note:
        parts.append(f"“{item.note}”")
    return ", ".join(parts)


def update_session(
    profile: MusicianProfile,
    session: PracticeSession,
    changes: dict,
    editor_id: uuid.UUID | None = None,
    edited_at: datetime | None = None,
) -> PracticeSession:
    """Apply changed fields (validated by SessionUpdate/SessionFields) and record a revision.

    `edited_at` is when the edit was made, for one made offline and sent later (never
    after now); the revision is dated then, so merges know which write came later."""
    before = _summary(session)
    version_before = session.version
    errors: dict[str, str] = {}
    if "instrument_id" in changes:
        _check_instrument(profile, changes["instrument_id"], errors)
    items = goals = None
    if "goal_ids" in changes:
        goals = _resolve_goals(profile, changes["goal_ids"], errors)
    if "items" in changes:
        items = _resolve_items(
            profile,
            [ItemIn.model_validate(i) for i in changes["items"]],
            errors,
            instrument_id=changes.get("instrument_id", session.instrument_id),
        )
    if errors:
        raise DomainError(errors)
    tags = tags_for(profile, changes["tags"]) if "tags" in changes else None
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
    if tags is not None:
        session.tags = tags
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
                session_id=session.id,
                changes=diff,
                editor_id=editor_id,
                changed_at=min(edited_at or utcnow(), utcnow()),
            )
        )
        _reindex(session)
        db.session.flush()
    return session


def delete_session(session: PracticeSession) -> None:
    """Delete a session with its items, evidence and history."""
    events.session_deleting.send(session)
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
                    "note": i.note,
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
    """The profile's sessions matching the journal filters (no ordering, no paging), of
    those this request may see (`policy.owned`: no private entries for a teacher)."""
    stmt = policy.owned(PracticeSession, profile)
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


SESSION_ORDER = ((PracticeSession.started_at, True), (PracticeSession.id, True))


def list_sessions(
    profile: MusicianProfile, query: SessionQuery, include_private: bool = True
) -> tuple[list[PracticeSession], str | None]:
    """One page of sessions, newest first, and the cursor of the next page."""
    stmt = filtered(profile, query)
    if not include_private:
        stmt = stmt.where(PracticeSession.private.is_(False))
    return keyset_page(stmt, SESSION_ORDER, query, options=load_options())


def _tag_usage(profile: MusicianProfile) -> tuple[sa.Select, Order]:
    """The profile's tags with how many sessions carry each, and their order: most used
    first, then by name."""
    usage = (
        sa.select(Tag.id, Tag.name, sa.func.count(session_tags.c.session_id).label("sessions"))
        .outerjoin(session_tags, session_tags.c.tag_id == Tag.id)
        .where(Tag.profile_id == profile.id)
        .group_by(Tag.id, Tag.name)
        .subquery()
    )
    order = ((usage.c.sessions, True), (usage.c.name, False), (usage.c.id, False))
    return sa.select(usage.c.name, usage.c.sessions), order


def tag_usage(profile: MusicianProfile) -> list[dict]:
    """Every tag of the profile with its use, most used first (the form suggests them)."""
    stmt, order = _tag_usage(profile)
    stmt = stmt.order_by(*(e.desc() if desc else e for e, desc in order))
    return [dict(row._mapping) for row in db.session.execute(stmt)]


def list_tags(profile: MusicianProfile, query: ListQuery) -> tuple[list[dict], str | None]:
    """One page of the profile's tags with their use, most used first."""
    return keyset_page(*_tag_usage(profile), query)


def quick_log(
    profile: MusicianProfile, data: QuickLogIn, editor_id: uuid.UUID | None = None
) -> tuple[PracticeSession, bool]:
    """Log a session that just ended: it started `duration` minutes ago (to the minute)."""
    now = utcnow()
    ended = min(data.ended_at or now, now)
    ended = ended - timedelta(seconds=ended.second, microseconds=ended.microsecond)
    session_in = SessionIn(
        id=data.id,
        started_at=ended - timedelta(minutes=data.duration_minutes),
        duration_minutes=data.duration_minutes,
        instrument_id=data.instrument_id,
        items=[ItemIn(piece_id=data.piece_id)] if data.piece_id else [],
    )
    return create_session(profile, session_in, editor_id=editor_id)
