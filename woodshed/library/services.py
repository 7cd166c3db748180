"""Changing the reference library; every resource is kept in the full-text search index."""

from __future__ import annotations

import sqlalchemy as sa

from woodshed import policy, search
from woodshed.api.keyset import keyset_page
from woodshed.db import db, new_id
from woodshed.errors import DomainError
from woodshed.library.models import Resource
from woodshed.library.schemas import ResourceFields, ResourceIn, ResourceQuery
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire import subjects
from woodshed.validation import merged

SEARCH_KIND = "resource"
FIELDS = ("kind", "title", "url", "text")


def search_document(resource: Resource) -> search.Doc:
    """A resource is found by its title, address and text; untitled, by its address or
    the start of its text."""
    title = resource.title or resource.url or " ".join(resource.text.split()[:12])
    return search.Doc(
        SEARCH_KIND,
        resource.id,
        resource.profile_id,
        title,
        [resource.url, resource.text],
        dated=resource.created_at.date(),
    )


def _reindex(resource: Resource) -> None:
    search.index(search_document(resource))


def _apply(profile: MusicianProfile, resource: Resource, data: ResourceFields) -> None:
    errors: dict[str, str] = {}
    subject = subjects.resolve(profile, data.piece_id, data.section_id, data.skill_id, errors)
    if errors:
        raise DomainError(errors)
    for name in FIELDS:
        value = getattr(data, name)
        if getattr(resource, name) != value:
            setattr(resource, name, value)
    # A section's resource also belongs to its piece, so the piece page lists it.
    resource.piece_id = subject.piece_id
    resource.section_id = subject.section_id
    resource.skill_id = subject.skill_id


def create_resource(profile: MusicianProfile, data: ResourceIn) -> tuple[Resource, bool]:
    existing = policy.existing_for_client_id(Resource, data.id, profile)
    if existing is not None:
        return existing, False
    resource = Resource(id=data.id or new_id(), profile_id=profile.id)
    _apply(profile, resource, data)
    resource, created = policy.insert_or_existing(resource, profile)
    if created:
        _reindex(resource)
        db.session.flush()
    return resource, created


def current_fields(resource: Resource) -> dict:
    return {
        **{name: getattr(resource, name) for name in FIELDS},
        "piece_id": None if resource.section_id else resource.piece_id,
        "section_id": resource.section_id,
        "skill_id": resource.skill_id,
    }


def update_resource(profile: MusicianProfile, resource: Resource, changes: dict) -> Resource:
    current = current_fields(resource)
    if "section_id" in changes and "piece_id" not in changes:
        current["piece_id"] = None  # re-derived from the new section
    if "piece_id" in changes and "section_id" not in changes:
        current["section_id"] = None  # a new piece drops the old piece's section
    _apply(profile, resource, merged(ResourceFields, current, changes))
    db.session.flush()
    _reindex(resource)
    db.session.flush()
    return resource


def delete_resource(resource: Resource) -> None:
    search.unindex(SEARCH_KIND, [resource.id])
    db.session.delete(resource)
    db.session.flush()


def filtered(profile: MusicianProfile, query: ResourceQuery) -> sa.Select:
    stmt = sa.select(Resource).where(Resource.profile_id == profile.id)
    for name in ("kind", "piece_id", "section_id", "skill_id"):
        value = getattr(query, name)
        if value:
            stmt = stmt.where(getattr(Resource, name) == value)
    if query.q:
        ids = search.matching_ids(profile.id, SEARCH_KIND, query.q)
        if ids is not None:
            stmt = stmt.where(Resource.id.in_(ids))
    return stmt


RESOURCE_ORDER = ((Resource.created_at, True), (Resource.id, True))


def list_resources(
    profile: MusicianProfile, query: ResourceQuery
) -> tuple[list[Resource], str | None]:
    """One page of resources, newest first."""
    return keyset_page(filtered(profile, query), RESOURCE_ORDER, query)


def attached_to(profile: MusicianProfile, **where) -> list[Resource]:
    """Resources on one piece, section or skill (`piece_id=…`), newest first."""
    stmt = sa.select(Resource).where(Resource.profile_id == profile.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Resource, name) == value)
    return list(db.session.scalars(stmt.order_by(Resource.created_at.desc(), Resource.id.desc())))
