"""Objects of alice's for the repertoire routes' path parameters (see repertoire.toml).

A section must belong to the piece in the same URL, so each builder finds alice's matrix
piece (or section) before making one: whichever parameter is built first, they match.
"""

import sqlalchemy as sa

from tests.factories import make_piece, make_section, make_skill
from woodshed.db import db
from woodshed.repertoire.models import Piece, Section, Skill


def piece(alice) -> Piece:
    found = db.session.scalar(
        sa.select(Piece).where(Piece.profile_id == alice.profile.id, Piece.title == "Matrix")
    )
    return found or make_piece(alice.profile, "Matrix")


def section(alice) -> Section:
    parent = piece(alice)
    found = db.session.scalar(sa.select(Section).where(Section.piece_id == parent.id))
    return found or make_section(parent, "Matrix A", (1, 4))


def skill(alice) -> Skill:
    return make_skill(alice.profile, "Matrix scales")


BUILDERS = {"piece_id": piece, "section_id": section, "skill_id": skill}
