"""`/pieces`, `/pieces/{id}/sections` and `/skills` in the JSON API."""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply, if_match_version
from woodshed.api.pagination import Page
from woodshed.db import check_version
from woodshed.errors import NotFound
from woodshed.repertoire import services
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.repertoire.schemas import (
    PieceIn,
    PieceOut,
    PieceQuery,
    PieceUpdate,
    SectionIn,
    SectionOut,
    SectionQuery,
    SectionUpdate,
    SkillIn,
    SkillOut,
    SkillQuery,
    SkillUpdate,
)

api = ApiBlueprint("repertoire_api", __name__, tag="Repertoire")

CLIENT_ID = "Re-sending the same client `id` returns the stored object with 200."


@api.operation(
    "GET",
    "/pieces",
    summary="Your pieces, by title",
    query=PieceQuery,
    response=Page[PieceOut],
)
def list_pieces(profile, query: PieceQuery):
    rows, cursor = services.list_pieces(profile, query)
    return Page(items=rows, next_cursor=cursor)


@api.operation(
    "POST",
    "/pieces",
    summary="Add a piece to your repertoire",
    body=PieceIn,
    response=PieceOut,
    status=201,
    etag=True,
    idempotent_create=True,
    description="Only `title` is required. " + CLIENT_ID,
)
def create_piece(profile, body: PieceIn):
    piece, created = services.create_piece(profile, body)
    return Reply(piece, status=201 if created else 200, version=piece.version)


@api.operation("GET", "/pieces/<uuid:piece_id>", summary="One piece", response=PieceOut, etag=True)
def get_piece(profile, piece_id: uuid.UUID):
    piece = policy.owned_or_404(Piece, piece_id, profile)
    return Reply(piece, version=piece.version)


@api.operation(
    "PATCH",
    "/pieces/<uuid:piece_id>",
    summary="Change a piece",
    body=PieceUpdate,
    response=PieceOut,
    etag=True,
    description="Fields left out keep their value. A new `status` is added to "
    "`status_history` with the time of the change.",
)
def patch_piece(profile, piece_id: uuid.UUID, body: PieceUpdate):
    piece = policy.owned_or_404(Piece, piece_id, profile)
    check_version(piece, if_match_version())
    services.update_piece(profile, piece, body.model_dump(exclude_unset=True))
    return Reply(piece, version=piece.version)


@api.operation(
    "DELETE",
    "/pieces/<uuid:piece_id>",
    summary="Delete a piece with its sections and resources",
    status=204,
    etag=True,
    description="Sessions that practised it keep their minutes.",
)
def delete_piece(profile, piece_id: uuid.UUID):
    piece = policy.owned_or_404(Piece, piece_id, profile)
    check_version(piece, if_match_version())
    services.delete_piece(piece)


# --- sections -------------------------------------------------------------------------------


def _section(profile, piece_id: uuid.UUID, section_id: uuid.UUID) -> Section:
    section = policy.owned_or_404(Section, section_id, profile)
    if section.piece_id != piece_id:
        raise NotFound()
    return section


@api.operation(
    "GET",
    "/pieces/<uuid:piece_id>/sections",
    summary="The sections of a piece, by first bar",
    query=SectionQuery,
    response=Page[SectionOut],
)
def list_sections(profile, piece_id: uuid.UUID, query: SectionQuery):
    piece = policy.owned_or_404(Piece, piece_id, profile)
    rows, cursor = services.list_sections(piece, query)
    return Page(items=rows, next_cursor=cursor)


@api.operation(
    "POST",
    "/pieces/<uuid:piece_id>/sections",
    summary="Add a section (passage) to a piece",
    body=SectionIn,
    response=SectionOut,
    status=201,
    etag=True,
    idempotent_create=True,
    description="`bar_start` ≤ `bar_end`; ranges may overlap or contain each other. " + CLIENT_ID,
)
def create_section(profile, piece_id: uuid.UUID, body: SectionIn):
    piece = policy.owned_or_404(Piece, piece_id, profile)
    section, created = services.create_section(profile, piece, body)
    return Reply(section, status=201 if created else 200, version=section.version)


@api.operation(
    "GET",
    "/pieces/<uuid:piece_id>/sections/<uuid:section_id>",
    summary="One section",
    response=SectionOut,
    etag=True,
)
def get_section(profile, piece_id: uuid.UUID, section_id: uuid.UUID):
    section = _section(profile, piece_id, section_id)
    return Reply(section, version=section.version)


@api.operation(
    "PATCH",
    "/pieces/<uuid:piece_id>/sections/<uuid:section_id>",
    summary="Change a section",
    body=SectionUpdate,
    response=SectionOut,
    etag=True,
    description="Fields left out keep their value; the resulting range must still have "
    "`bar_start` ≤ `bar_end`.",
)
def patch_section(profile, piece_id: uuid.UUID, section_id: uuid.UUID, body: SectionUpdate):
    section = _section(profile, piece_id, section_id)
    check_version(section, if_match_version())
    services.update_section(section, body.model_dump(exclude_unset=True))
    return Reply(section, version=section.version)


@api.operation(
    "DELETE",
    "/pieces/<uuid:piece_id>/sections/<uuid:section_id>",
    summary="Delete a section",
    status=204,
    etag=True,
)
def delete_section(profile, piece_id: uuid.UUID, section_id: uuid.UUID):
    section = _section(profile, piece_id, section_id)
    check_version(section, if_match_version())
    services.delete_section(section)


# --- skills ---------------------------------------------------------------------------------


@api.operation(
    "GET",
    "/skills",
    summary="Your skills and techniques, by name",
    query=SkillQuery,
    response=Page[SkillOut],
)
def list_skills(profile, query: SkillQuery):
    rows, cursor = services.list_skills(profile, query)
    return Page(items=rows, next_cursor=cursor)


@api.operation(
    "POST",
    "/skills",
    summary="Add a skill or technique",
    body=SkillIn,
    response=SkillOut,
    status=201,
    etag=True,
    idempotent_create=True,
    description="Names are unique per musician, ignoring case. " + CLIENT_ID,
)
def create_skill(profile, body: SkillIn):
    skill, created = services.create_skill(profile, body)
    return Reply(skill, status=201 if created else 200, version=skill.version)


@api.operation("GET", "/skills/<uuid:skill_id>", summary="One skill", response=SkillOut, etag=True)
def get_skill(profile, skill_id: uuid.UUID):
    skill = policy.owned_or_404(Skill, skill_id, profile)
    return Reply(skill, version=skill.version)


@api.operation(
    "PATCH",
    "/skills/<uuid:skill_id>",
    summary="Change a skill",
    body=SkillUpdate,
    response=SkillOut,
    etag=True,
)
def patch_skill(profile, skill_id: uuid.UUID, body: SkillUpdate):
    skill = policy.owned_or_404(Skill, skill_id, profile)
    check_version(skill, if_match_version())
    services.update_skill(profile, skill, body.model_dump(exclude_unset=True))
    return Reply(skill, version=skill.version)


@api.operation("DELETE", "/skills/<uuid:skill_id>", summary="Delete a skill", status=204, etag=True)
def delete_skill(profile, skill_id: uuid.UUID):
    skill = policy.owned_or_404(Skill, skill_id, profile)
    check_version(skill, if_match_version())
    services.delete_skill(skill)
