"""Building the search index again from the objects themselves.

`woodshed search rebuild` (every profile), a restored export (one profile) and
`woodshed db upgrade` (profiles that have no rows, e.g. after a migration emptied the
index) use it. Every document comes from the same function its feature indexes with on
each write; sessions are read in bulk (plain rows, not ORM objects) because there are
many of them.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from woodshed import search
from woodshed.data.registry import chunked
from woodshed.db import db
from woodshed.goals import services as goals
from woodshed.goals.models import Goal
from woodshed.journal import services as journal
from woodshed.journal.models import Evidence, PracticeSession, SessionItem, Tag, session_tags
from woodshed.library import services as library
from woodshed.library.models import Resource
from woodshed.plans import services as plans
from woodshed.plans.models import Plan
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire import services as repertoire
from woodshed.repertoire.models import Piece, Skill

SESSION_BATCH = 1000


def _session_documents(profile_ids: list[uuid.UUID]) -> Iterator[search.Doc]:
    """Sessions as plain namespaces with every column, their items, tags and evidence."""
    ids = db.session.scalars(
        sa.select(PracticeSession.id).where(PracticeSession.profile_id.in_(profile_ids))
    ).all()
    for chunk in chunked(ids, SESSION_BATCH):
        children: dict[str, dict] = {"items": defaultdict(list), "evidence": defaultdict(list)}
        for key, table, order in (
            ("items", SessionItem.__table__, SessionItem.position),
            ("evidence", Evidence.__table__, Evidence.position),
        ):
            for row in db.session.execute(
                sa.select(table).where(table.c.session_id.in_(chunk)).order_by(order)
            ):
                children[key][row.session_id].append(row)
        tags = defaultdict(list)
        for session_id, name in db.session.execute(
            sa.select(session_tags.c.session_id, Tag.name)
            .join(Tag, Tag.id == session_tags.c.tag_id)
            .where(session_tags.c.session_id.in_(chunk))
            .order_by(Tag.key)
        ):
            tags[session_id].append(SimpleNamespace(name=name))
        table = PracticeSession.__table__
        for row in db.session.execute(sa.select(table).where(table.c.id.in_(chunk))):
            yield journal.search_document(
                SimpleNamespace(  # type: ignore[arg-type]  # a session's columns and children
                    **row._mapping,
                    items=children["items"][row.id],
                    evidence=children["evidence"][row.id],
                    tags=tags[row.id],
                )
            )


def documents(profile_ids: list[uuid.UUID]) -> Iterator[search.Doc]:
    """Every searchable object of these profiles, as its feature describes it."""

    def owned(model, *options):
        return db.session.scalars(
            sa.select(model).where(model.profile_id.in_(profile_ids)).options(*options)
        )

    for piece in owned(Piece, selectinload(Piece.sections)):
        yield repertoire.piece_document(piece)
        for section in piece.sections:
            yield repertoire.section_document(section, piece.title)
    yield from map(repertoire.skill_document, owned(Skill))
    yield from map(goals.search_document, owned(Goal, selectinload(Goal.checklist)))
    yield from map(library.search_document, owned(Resource))
    yield from map(plans.search_document, owned(Plan))
    yield from _session_documents(profile_ids)


def rebuild(profile_ids: list[uuid.UUID]) -> int:
    """Replace the index of these profiles with documents made from their objects."""
    return search.replace(profile_ids, documents(profile_ids)) if profile_ids else 0


def rebuild_all(batch: int = 50) -> int:
    """Rebuild every profile's index, a batch of profiles per statement set."""
    ids = db.session.scalars(sa.select(MusicianProfile.id).order_by(MusicianProfile.id)).all()
    return sum(rebuild(chunk) for chunk in chunked(ids, batch))


def fill_missing(batch: int = 50) -> int:
    """Index the profiles that have no search rows at all (after a migration emptied the
    index, or data written around the services); cheap when there are none."""
    ids = db.session.scalars(
        sa.select(MusicianProfile.id)
        .where(~sa.exists().where(search.SearchDocument.profile_id == MusicianProfile.id))
        .order_by(MusicianProfile.id)
    ).all()
    return sum(rebuild(chunk) for chunk in chunked(ids, batch))
