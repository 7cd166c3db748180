"""Changing the repertoire: pieces (with their status history), sections and skills.

The HTML pages and the API both call these functions. Each returns after `flush()`; the
request commits.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from woodshed import policy, search
from woodshed.api.keyset import keyset_page
from woodshed.db import db, new_id, utcnow
from woodshed.errors import DomainError
from woodshed.library.models import Resource
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire.models import Piece, PieceStatusChange, Section, Skill
from woodshed.repertoire.schemas import (
    PieceFields,
    PieceIn,
    PieceQuery,
    SectionFields,
    SectionIn,
    SectionQuery,
    SkillFields,
    SkillIn,
    SkillQuery,
)
from woodshed.validation import merged

RESOURCE_KIND = "resource"  # the search-index kind of library resources


# --- search ---------------------------------------------------------------------------------


def piece_document(piece: Piece) -> search.Doc:
    """A piece is found by its title, composer, arranger and notes."""
    return search.Doc(
        "piece",
        piece.id,
        piece.profile_id,
        piece.title,
        [piece.composer, piece.arranger, piece.notes],
        dated=piece.created_at.date(),
    )


def section_label(section: Section) -> str:
    return section.label


def section_document(section: Section, piece_title: str) -> search.Doc:
    """A section is found by its piece's title, its name, its bars and its notes."""
    return search.Doc(
        "section",
        section.id,
        section.profile_id,
        f"{piece_title} › {section_label(section)}",
        [f"bars {section.bars}", section.notes],
        dated=section.created_at.date(),
        parent_id=section.piece_id,
    )


def skill_document(skill: Skill) -> search.Doc:
    return search.Doc(
        "skill",
        skill.id,
        skill.profile_id,
        skill.name,
        [skill.category, skill.description],
        dated=skill.created_at.date(),
    )


def _fields(obj, schema) -> dict:
    return {name: getattr(obj, name) for name in schema.model_fields if name != "id"}


def _unindex_resources(condition) -> None:
    """Resources go with the piece/section/skill they belong to (FK cascade); so do their
    search entries, which no foreign key reaches."""
    ids = list(db.session.scalars(sa.select(Resource.id).where(condition)))
    search.unindex(RESOURCE_KIND, ids)


# --- pieces ---------------------------------------------------------------------------------


def _check_piece_refs(profile: MusicianProfile, instrument_id) -> None:
    policy.referenced(Instrument, instrument_id, profile, field="instrument_id")


def create_piece(profile: MusicianProfile, data: PieceIn) -> tuple[Piece, bool]:
    """Add a piece; its first status is the first entry of its status history."""
    existing = policy.existing_for_client_id(Piece, data.id, profile)
    if existing is not None:
        return existing, False
    _check_piece_refs(profile, data.instrument_id)
    now = utcnow()
    piece = Piece(
        id=data.id or new_id(),
        profile_id=profile.id,
        status_changed_at=now,
        created_at=now,
        updated_at=now,
        **data.model_dump(exclude={"id"}),
    )
    piece.status_changes = [
        PieceStatusChange(from_status=None, to_status=data.status, changed_at=now)
    ]
    piece, created = policy.insert_or_existing(piece, profile)
    if created:
        search.index(piece_document(piece))
    return piece, created


def update_piece(profile: MusicianProfile, piece: Piece, changes: dict) -> Piece:
    """Apply changed fields; a status change is recorded with its time."""
    data = merged(PieceFields, _fields(piece, PieceFields), changes)
    if data.instrument_id != piece.instrument_id:
        _check_piece_refs(profile, data.instrument_id)
    before, title = piece.status, piece.title
    for name, value in data.model_dump().items():
        if getattr(piece, name) != value:
            setattr(piece, name, value)
    if data.status != before:
        record_status_change(piece, before, data.status)
    db.session.flush()
    docs = [piece_document(piece)]
    if piece.title != title:  # the sections' titles name the piece
        docs += [section_document(s, piece.title) for s in piece.sections]
    search.index_many(docs)
    return piece


def record_status_change(piece: Piece, before: str | None, after: str) -> None:
    now = utcnow()
    piece.status_changed_at = now
    piece.status_changes.append(
        PieceStatusChange(from_status=before, to_status=after, changed_at=now)
    )


def delete_piece(piece: Piece) -> None:
    """Delete a piece with its sections, status history and resources; sessions keep their
    minutes (their items lose the link)."""
    _unindex_resources(Resource.piece_id == piece.id)
    sections = db.session.scalars(sa.select(Section.id).where(Section.piece_id == piece.id))
    search.unindex("section", list(sections))
    search.unindex("piece", [piece.id])
    db.session.delete(piece)
    db.session.flush()


def filtered_pieces(profile: MusicianProfile, query: PieceQuery) -> sa.Select:
    stmt = sa.select(Piece).where(Piece.profile_id == profile.id)
    if query.status:
        stmt = stmt.where(Piece.status == query.status)
    if query.instrument_id:
        stmt = stmt.where(Piece.instrument_id == query.instrument_id)
    for word in (query.q or "").split():
        stmt = stmt.where(
            sa.or_(
                Piece.title.icontains(word, autoescape=True),
                Piece.composer.icontains(word, autoescape=True),
                Piece.arranger.icontains(word, autoescape=True),
            )
        )
    return stmt


PIECE_ORDER = ((sa.func.lower(Piece.title), False), (Piece.id, False))


def list_pieces(profile: MusicianProfile, query: PieceQuery) -> tuple[list[Piece], str | None]:
    """One page of pieces by title, and the cursor of the next page."""
    return keyset_page(
        filtered_pieces(profile, query),
        PIECE_ORDER,
        query,
        options=(selectinload(Piece.status_changes),),
    )


def piece_named(
    profile: MusicianProfile,
    title: str,
    bars: tuple[int, int] | tuple[None, None],
    new_ids: tuple[uuid.UUID, uuid.UUID],
    instrument_id: uuid.UUID | None = None,
) -> tuple[Piece, Section | None]:
    """A piece named by its title where it is logged (issue 12): the musician's piece with
    that title, ignoring case, or a new one; with bars, its section with exactly those bars,
    or a new unnamed one ("bars 33–40").

    New rows take the ids given, which the caller derives from the entry's own id: the same
    entry sent twice at once then creates them once (`policy.insert_or_existing`)."""
    folded = title.casefold()
    titles = db.session.execute(
        sa.select(Piece.id, Piece.title)
        .where(Piece.profile_id == profile.id)
        .order_by(Piece.created_at, Piece.id)
    )
    found = next((pid for pid, t in titles if t.casefold() == folded), None)
    if found is not None:
        piece = db.session.get_one(Piece, found)
    else:
        piece, _ = create_piece(
            profile, PieceIn(id=new_ids[0], title=title, instrument_id=instrument_id)
        )
    start, end = bars
    if start is None or end is None:
        return piece, None
    section = db.session.scalars(
        sa.select(Section)
        .where(
            Section.profile_id == profile.id,
            Section.piece_id == piece.id,
            Section.bar_start == start,
            Section.bar_end == end,
        )
        .order_by(Section.name, Section.id)
        .limit(1)
    ).first()
    if section is None:
        section, _ = create_section(
            profile, piece, SectionIn(id=new_ids[1], bar_start=start, bar_end=end)
        )
    return piece, section


# --- sections -------------------------------------------------------------------------------


def create_section(profile: MusicianProfile, piece: Piece, data: SectionIn) -> tuple[Section, bool]:
    """Add a passage to a piece; ranges may nest or overlap other sections."""
    section = policy.existing_for_client_id(Section, data.id, profile)
    created = False
    if section is None:
        stored, created = policy.insert_or_existing(
            Section(
                id=data.id or new_id(),
                profile_id=profile.id,
                piece_id=piece.id,
                **data.model_dump(exclude={"id"}),
            ),
            profile,
        )
        section = stored
    if section.piece_id != piece.id:
        raise DomainError(policy.ID_IN_USE)  # the id of a section of another piece
    if created:
        search.index(section_document(section, piece.title))
    return section, created


def update_section(section: Section, changes: dict) -> Section:
    data = merged(SectionFields, _fields(section, SectionFields), changes)
    for name, value in data.model_dump().items():
        if getattr(section, name) != value:
            setattr(section, name, value)
    db.session.flush()
    search.index(section_document(section, section.piece.title))
    return section


def delete_section(section: Section) -> None:
    """Delete a passage and its resources; sessions keep the piece and the bars worked."""
    _unindex_resources(Resource.section_id == section.id)
    search.unindex("section", [section.id])
    db.session.delete(section)
    db.session.flush()


SECTION_ORDER = ((Section.bar_start, False), (Section.bar_end, True), (Section.id, False))


def list_sections(piece: Piece, query: SectionQuery) -> tuple[list[Section], str | None]:
    stmt = sa.select(Section).where(Section.piece_id == piece.id)
    if query.status:
        stmt = stmt.where(Section.status == query.status)
    return keyset_page(stmt, SECTION_ORDER, query)


# --- skills ---------------------------------------------------------------------------------


def _skill_named(profile: MusicianProfile, name: str) -> Skill | None:
    return db.session.scalar(
        sa.select(Skill).where(Skill.profile_id == profile.id, Skill.key == name.casefold())
    )


def _skill_name_taken(profile: MusicianProfile, name: str, skill_id: uuid.UUID | None) -> bool:
    found = _skill_named(profile, name)
    return found is not None and found.id != skill_id


SKILL_TAKEN = {"name": "You already have a skill with this name."}


def create_skill(profile: MusicianProfile, data: SkillIn) -> tuple[Skill, bool]:
    """Add a skill or technique; names are unique per musician, ignoring case."""
    existing = policy.existing_for_client_id(Skill, data.id, profile)
    if existing is not None:
        return existing, False
    # The same client id sent twice at once: the other request's skill is not a clash.
    if _skill_name_taken(profile, data.name, data.id):
        raise DomainError(SKILL_TAKEN)
    skill = Skill(id=data.id or new_id(), profile_id=profile.id, **data.model_dump(exclude={"id"}))
    skill, created = policy.insert_or_existing(skill, profile, taken=SKILL_TAKEN)
    if created:
        search.index(skill_document(skill))
    return skill, created


def skill_by_name(profile: MusicianProfile, name: str, **fields) -> Skill:
    """The musician's skill called `name` (ignoring case), created with `fields` if new."""
    found = _skill_named(profile, name)
    if found is None:
        stored, created = policy.insert_or_existing(
            Skill(profile_id=profile.id, name=name, **fields), profile, key=("profile_id", "key")
        )
        if created:
            search.index(skill_document(stored))
        return stored
    return found


def update_skill(profile: MusicianProfile, skill: Skill, changes: dict) -> Skill:
    data = merged(SkillFields, _fields(skill, SkillFields), changes)
    if data.name != skill.name and _skill_name_taken(profile, data.name, skill.id):
        raise DomainError(SKILL_TAKEN)
    for name, value in data.model_dump().items():
        if getattr(skill, name) != value:
            setattr(skill, name, value)
    db.session.flush()
    search.index(skill_document(skill))
    return skill


def delete_skill(skill: Skill) -> None:
    """Delete a skill and its resources; sessions keep their minutes."""
    _unindex_resources(Resource.skill_id == skill.id)
    search.unindex("skill", [skill.id])
    db.session.delete(skill)
    db.session.flush()


def filtered_skills(profile: MusicianProfile, query: SkillQuery) -> sa.Select:
    stmt = sa.select(Skill).where(Skill.profile_id == profile.id)
    if query.category:
        stmt = stmt.where(Skill.category == query.category)
    for word in (query.q or "").split():
        stmt = stmt.where(Skill.name.icontains(word, autoescape=True))
    return stmt


SKILL_ORDER = ((sa.func.lower(Skill.name), False), (Skill.id, False))


def list_skills(profile: MusicianProfile, query: SkillQuery) -> tuple[list[Skill], str | None]:
    return keyset_page(filtered_skills(profile, query), SKILL_ORDER, query)
