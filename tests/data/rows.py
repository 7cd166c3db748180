"""Rows built directly with the models, for data tests that need exact stored values
(a goal's raw target columns, a piece without a first status change)."""

from __future__ import annotations

from woodshed.db import db
from woodshed.profiles.models import MusicianProfile


def make_piece(profile: MusicianProfile, title: str = "Nocturne op. 9/2", **fields):
    from woodshed.repertoire.models import Piece

    piece = Piece(profile_id=profile.id, title=title, **fields)
    db.session.add(piece)
    db.session.flush()
    return piece


def make_section(piece, name: str = "A section", bar_start: int = 1, bar_end: int = 8, **fields):
    from woodshed.repertoire.models import Section

    section = Section(
        piece_id=piece.id,
        profile_id=piece.profile_id,
        name=name,
        bar_start=bar_start,
        bar_end=bar_end,
        **fields,
    )
    db.session.add(section)
    db.session.flush()
    return section


def make_skill(profile: MusicianProfile, name: str = "Scales", **fields):
    from woodshed.repertoire.models import Skill

    skill = Skill(profile_id=profile.id, name=name, **fields)
    db.session.add(skill)
    db.session.flush()
    return skill


def make_goal(profile: MusicianProfile, title: str = "Play the nocturne at 72 bpm", **fields):
    from woodshed.goals.models import Goal

    goal = Goal(profile_id=profile.id, title=title, **fields)
    db.session.add(goal)
    db.session.flush()
    return goal
