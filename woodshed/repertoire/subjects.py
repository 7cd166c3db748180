"""What a session item, a plan item, a goal or a library resource is about: one of the
musician's pieces, sections or skills, named by id in the input."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from woodshed import policy
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill


@dataclass(frozen=True)
class Subject:
    piece: Piece | None
    section: Section | None
    skill: Skill | None

    @property
    def piece_id(self) -> uuid.UUID | None:
        """The piece, or the section's piece: a section stands for its piece too."""
        if self.piece is not None:
            return self.piece.id
        return self.section.piece_id if self.section is not None else None

    @property
    def section_id(self) -> uuid.UUID | None:
        return self.section.id if self.section is not None else None

    @property
    def skill_id(self) -> uuid.UUID | None:
        return self.skill.id if self.skill is not None else None


def resolve(
    profile: MusicianProfile,
    piece_id: uuid.UUID | None,
    section_id: uuid.UUID | None,
    skill_id: uuid.UUID | None,
    errors: dict[str, str],
    where: str = "",
) -> Subject:
    """The profile's piece, section and skill with these ids, checked by the policy.

    Problems are added to `errors` under `<where>.piece_id` (…): an id that is not the
    musician's, or a section of another piece than the one named.
    """
    prefix = f"{where}." if where else ""
    piece = policy.referenced(Piece, piece_id, profile, field=f"{prefix}piece_id", errors=errors)
    section = policy.referenced(
        Section, section_id, profile, field=f"{prefix}section_id", errors=errors
    )
    skill = policy.referenced(Skill, skill_id, profile, field=f"{prefix}skill_id", errors=errors)
    if section is not None and piece is not None and section.piece_id != piece.id:
        errors[f"{prefix}section_id"] = "This section belongs to another piece."
    return Subject(piece, section, skill)
