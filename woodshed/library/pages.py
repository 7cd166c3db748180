"""What the library page shows: one page of resources with what each one is attached to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from woodshed.db import db
from woodshed.library.models import Resource
from woodshed.library.schemas import ResourceQuery
from woodshed.library.services import list_resources
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill


@dataclass
class ResourceRow:
    resource: Resource
    piece: Piece | None
    section: Section | None
    skill: Skill | None


@dataclass
class ResourceList:
    rows: list[ResourceRow]
    next_cursor: str | None


def _by_id(model, ids: set[uuid.UUID], profile: MusicianProfile) -> dict:
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(model).where(model.profile_id == profile.id, model.id.in_(ids))
    )
    return {row.id: row for row in rows}


def resource_list(profile: MusicianProfile, query: ResourceQuery) -> ResourceList:
    """A page of resources (newest first) and their pieces, sections and skills (≤ 4 statements)."""
    resources, cursor = list_resources(profile, query)
    pieces = _by_id(Piece, {r.piece_id for r in resources if r.piece_id}, profile)
    sections = _by_id(Section, {r.section_id for r in resources if r.section_id}, profile)
    skills = _by_id(Skill, {r.skill_id for r in resources if r.skill_id}, profile)
    rows = [
        ResourceRow(r, pieces.get(r.piece_id), sections.get(r.section_id), skills.get(r.skill_id))
        for r in resources
    ]
    return ResourceList(rows, cursor)
