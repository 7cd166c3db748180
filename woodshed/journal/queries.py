"""What the journal pages read besides sessions: choices for selects and matching resources.

Each function is a fixed number of statements, however much the musician has logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from woodshed import policy, search
from woodshed.core.dashboard import shared_by_panels
from woodshed.db import db
from woodshed.goals.models import Goal
from woodshed.journal.models import PracticeSession
from woodshed.journal.schemas import SessionQuery
from woodshed.journal.services import list_sessions, tag_usage
from woodshed.library.models import Resource
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire.models import Piece, Skill

RESOURCE_KIND = "resource"  # the search kind the library indexes resources under
OPEN_GOAL_STATUSES = ("not_started", "in_progress")
ACTIVE_PIECE_STATUSES = ("learning", "polishing", "performance_ready")
RECENT_ENTRIES = 10


@dataclass
class Choices:
    """Options for the journal's selects: the profile's instruments, pieces, skills …"""

    instruments: list[Instrument] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
    skills: list[Skill] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def sections(self):
        return [s for p in self.pieces for s in p.sections]


def pieces(profile: MusicianProfile, statuses: Iterable[str] | None = None) -> list[Piece]:
    """The profile's pieces with their sections, by title (optionally only some statuses)."""
    stmt = policy.owned(Piece, profile).options(selectinload(Piece.sections))
    if statuses is not None:
        stmt = stmt.where(Piece.status.in_(tuple(statuses)))
    return list(db.session.scalars(stmt.order_by(sa.func.lower(Piece.title), Piece.id)))


@shared_by_panels
def active_pieces(profile: MusicianProfile) -> list[Piece]:
    """Pieces being worked on (learning, polishing, performance-ready)."""
    return pieces(profile, ACTIVE_PIECE_STATUSES)


def instruments(profile: MusicianProfile) -> list[Instrument]:
    return list(
        db.session.scalars(
            policy.owned(Instrument, profile).order_by(Instrument.position, Instrument.name)
        )
    )


def choices(profile: MusicianProfile, linked_goal_ids: Iterable[uuid.UUID] = ()) -> Choices:
    """Everything the log form and the filters offer; open goals plus any already linked."""
    linked = tuple(linked_goal_ids)
    goal_filter: sa.ColumnElement[bool] = Goal.status.in_(OPEN_GOAL_STATUSES)
    if linked:
        goal_filter = sa.or_(goal_filter, Goal.id.in_(linked))
    return Choices(
        instruments=instruments(profile),
        pieces=pieces(profile),
        skills=list(
            db.session.scalars(
                policy.owned(Skill, profile).order_by(sa.func.lower(Skill.name), Skill.id)
            )
        ),
        goals=list(
            db.session.scalars(
                policy.owned(Goal, profile)
                .where(goal_filter)
                .order_by(sa.func.lower(Goal.title), Goal.id)
            )
        ),
        tags=[t["name"] for t in tag_usage(profile)],
    )


def matching_resources(profile: MusicianProfile, q: str | None, limit: int = 20) -> list[Resource]:
    """The profile's reference library entries whose words match a journal search."""
    if not q:
        return []
    ids = search.matching_ids(profile.id, RESOURCE_KIND, q)
    if ids is None:
        return []
    return list(
        db.session.scalars(
            policy.owned(Resource, profile)
            .where(Resource.id.in_(ids))
            .order_by(Resource.created_at.desc(), Resource.id)
            .limit(limit)
        )
    )


@dataclass
class JournalPage:
    """One page of the journal list: sessions, the next cursor, matching resources, options."""

    sessions: list[PracticeSession]
    next_cursor: str | None
    resources: list[Resource]
    choices: Choices
    query: SessionQuery | None


def journal_page(profile: MusicianProfile, query: SessionQuery | None) -> JournalPage:
    """The journal list for these filters (none: only the filter options, for an error page)."""
    sessions, cursor = list_sessions(profile, query) if query is not None else ([], None)
    resources = matching_resources(profile, query.q) if query is not None else []
    return JournalPage(sessions, cursor, resources, choices(profile), query)


def default_instrument_id(profile: MusicianProfile) -> uuid.UUID | None:
    """The instrument a new entry starts with: the only one, or the latest entry's.

    One statement on the (profile, started_at) index; an entry that named no instrument is
    passed over, so a quick log without a choice does not make the next one forget it.
    """
    # The latest entries by start (the index), then the one logged last among them: ids
    # are UUIDv7, in the order they were made (a 30-minute quick log starts earlier than
    # the 15-minute one logged just before it).
    recent = (
        sa.select(PracticeSession.id, PracticeSession.instrument_id)
        .where(
            PracticeSession.profile_id == profile.id,
            PracticeSession.instrument_id.is_not(None),
        )
        .order_by(PracticeSession.started_at.desc())
        .limit(RECENT_ENTRIES)
        .subquery()
    )
    last = db.session.scalar(
        sa.select(recent.c.instrument_id).order_by(recent.c.id.desc()).limit(1)
    )
    owned = list(profile.instruments)
    if last is None and len(owned) == 1:
        return owned[0].id
    return last


def quick_log_context(profile: MusicianProfile) -> dict:
    """What the quick-log panel and the timer offer: instruments and active pieces, and
    the instrument chosen unless the musician picks another."""
    return {
        "instruments": list(profile.instruments),
        "pieces": active_pieces(profile),
        "instrument_id": default_instrument_id(profile),
    }
