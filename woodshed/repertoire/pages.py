"""What the repertoire pages show, gathered in a fixed number of statements per page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from woodshed.db import db
from woodshed.goals import services as goals
from woodshed.goals.models import Goal
from woodshed.goals.progress import Progress, progress_for
from woodshed.journal.models import SessionItem
from woodshed.library import services as library
from woodshed.library.models import Resource
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire import history
from woodshed.repertoire.models import Piece, Section, Skill
from woodshed.repertoire.schemas import PieceQuery, SkillQuery
from woodshed.repertoire.services import filtered_pieces, filtered_skills
from woodshed.repertoire.strip import Strip, layout

LIST_LIMIT = 500
#: The order of the status groups on the repertoire page: what is being worked on first.
GROUP_ORDER = ("learning", "polishing", "performance_ready", "wishlist", "archived")


@dataclass
class PieceRow:
    piece: Piece
    sections: int
    totals: history.Totals


@dataclass
class PieceList:
    groups: list[tuple[str, list[PieceRow]]]
    count: int
    truncated: bool


def piece_list(profile: MusicianProfile, query: PieceQuery) -> PieceList:
    """The repertoire grouped by status, with section counts and last practice (4 statements)."""
    stmt = filtered_pieces(profile, query).order_by(sa.func.lower(Piece.title), Piece.id)
    pieces = list(db.session.scalars(stmt.limit(LIST_LIMIT + 1)))
    truncated = len(pieces) > LIST_LIMIT
    pieces = pieces[:LIST_LIMIT]
    ids = [p.id for p in pieces]
    counts = history.section_counts(ids)
    totals = history.totals(profile, SessionItem.piece_id, ids)
    by_status: dict[str, list[PieceRow]] = {s: [] for s in GROUP_ORDER}
    for p in pieces:
        row = PieceRow(p, counts.get(p.id, 0), totals.get(p.id, history.Totals()))
        by_status[p.status].append(row)
    groups = [(s, by_status[s]) for s in GROUP_ORDER if by_status[s]]
    return PieceList(groups, len(pieces), truncated)


@dataclass
class SectionView:
    section: Section
    history: history.History
    within: Section | None  # the smallest other section that contains this one


def _within(section: Section, sections: list[Section]) -> Section | None:
    containers = [
        o for o in sections if o is not section and o.contains(section) and not section.contains(o)
    ]
    return min(containers, key=lambda o: o.bar_end - o.bar_start, default=None)


@dataclass
class GoalView:
    goal: Goal
    progress: Progress | None


@dataclass
class PieceOverview:
    piece: Piece
    sections: list[SectionView]
    strip: Strip | None
    whole_piece: history.History
    resources: list[Resource]
    goals: list[GoalView]
    last_practised: date | None = None
    resources_by_section: dict[uuid.UUID, list[Resource]] = field(default_factory=dict)
    goals_by_section: dict[uuid.UUID, list[GoalView]] = field(default_factory=dict)


def goal_views(profile: MusicianProfile, rows: list[Goal]) -> list[GoalView]:
    progress = progress_for(profile, rows, profile.today())
    return [GoalView(g, progress.get(g.id)) for g in rows]


def piece_overview(profile: MusicianProfile, piece: Piece) -> PieceOverview:
    """Everything the piece page shows; the number of statements does not grow with the
    number of sections, sessions, resources or goals."""
    sections = list(piece.sections)
    per_section = history.piece_history(piece)
    resources = library.attached_to(profile, piece_id=piece.id)
    goal_rows = list(
        db.session.scalars(
            sa.select(Goal)
            .where(Goal.profile_id == profile.id, Goal.piece_id == piece.id)
            .order_by(Goal.target_date.is_(None), Goal.target_date, Goal.created_at)
            .options(*goals.load_options())
        ).unique()
    )
    views = goal_views(profile, goal_rows)
    overview = PieceOverview(
        piece=piece,
        sections=[
            SectionView(s, per_section.get(s.id, history.History()), _within(s, sections))
            for s in sections
        ],
        strip=layout(sections, piece.length_bars),
        whole_piece=per_section.get(None, history.History()),
        resources=[r for r in resources if r.section_id is None],
        goals=[g for g in views if g.goal.section_id is None],
    )
    for r in resources:
        if r.section_id is not None:
            overview.resources_by_section.setdefault(r.section_id, []).append(r)
    for g in views:
        if g.goal.section_id is not None:
            overview.goals_by_section.setdefault(g.goal.section_id, []).append(g)
    dates = [h.last_practised for h in per_section.values() if h.last_practised]
    overview.last_practised = max(dates) if dates else None
    return overview


@dataclass
class SkillRow:
    skill: Skill
    totals: history.Totals


def skill_list(profile: MusicianProfile, query: SkillQuery) -> tuple[list[SkillRow], bool]:
    stmt = filtered_skills(profile, query).order_by(sa.func.lower(Skill.name), Skill.id)
    skills = list(db.session.scalars(stmt.limit(LIST_LIMIT + 1)))
    truncated = len(skills) > LIST_LIMIT
    skills = skills[:LIST_LIMIT]
    totals = history.totals(profile, SessionItem.skill_id, [s.id for s in skills])
    return [SkillRow(s, totals.get(s.id, history.Totals())) for s in skills], truncated


@dataclass
class SkillOverview:
    skill: Skill
    totals: history.Totals
    history: history.History
    resources: list[Resource]
    goals: list[GoalView]


def skill_overview(profile: MusicianProfile, skill: Skill) -> SkillOverview:
    goal_rows = list(
        db.session.scalars(
            sa.select(Goal)
            .where(Goal.profile_id == profile.id, Goal.skill_id == skill.id)
            .order_by(Goal.created_at)
            .options(*goals.load_options())
        ).unique()
    )
    return SkillOverview(
        skill=skill,
        totals=history.totals(profile, SessionItem.skill_id, [skill.id]).get(
            skill.id, history.Totals()
        ),
        history=history.skill_history(skill),
        resources=library.attached_to(profile, skill_id=skill.id),
        goals=goal_views(profile, goal_rows),
    )


def form_choices(profile: MusicianProfile) -> dict:
    """Pieces (with sections) and skills for the select lists of goal and resource forms."""
    pieces = list(
        db.session.scalars(
            sa.select(Piece)
            .where(Piece.profile_id == profile.id)
            .order_by(sa.func.lower(Piece.title), Piece.id)
            .options(selectinload(Piece.sections))
        )
    )
    skills = list(
        db.session.scalars(
            sa.select(Skill)
            .where(Skill.profile_id == profile.id)
            .order_by(sa.func.lower(Skill.name), Skill.id)
        )
    )
    return {
        "pieces": pieces,
        "skills": skills,
        "piece_options": {str(p.id): p.title for p in pieces},
        "skill_options": {str(s.id): s.name for s in skills},
    }
