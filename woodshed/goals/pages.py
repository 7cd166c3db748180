"""What the goal pages show, gathered in a fixed number of statements per page."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from woodshed.db import db
from woodshed.goals import services
from woodshed.goals.models import Goal
from woodshed.goals.progress import Progress, progress_for
from woodshed.goals.schemas import GoalQuery
from woodshed.journal.models import PracticeSession, session_goals
from woodshed.profiles.models import MusicianProfile

LIST_LIMIT = 500


@dataclass
class GoalView:
    goal: Goal
    progress: Progress | None


@dataclass
class GoalList:
    active: list[GoalView]
    completed: list[GoalView]
    archived: list[GoalView]
    truncated: bool

    @property
    def empty(self) -> bool:
        return not (self.active or self.completed or self.archived)


PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


def goal_list(profile: MusicianProfile, query: GoalQuery) -> GoalList:
    """Active goals (soonest deadline, then priority), completed and archived ones."""
    stmt = services.filtered(profile, query).order_by(Goal.created_at.desc(), Goal.id.desc())
    rows = list(
        db.session.scalars(stmt.options(*services.load_options()).limit(LIST_LIMIT + 1)).unique()
    )
    truncated = len(rows) > LIST_LIMIT
    rows = rows[:LIST_LIMIT]
    progress = progress_for(profile, rows, profile.today())
    views = [GoalView(g, progress.get(g.id)) for g in rows]
    active = sorted(
        (v for v in views if v.goal.status in services.ACTIVE),
        key=lambda v: (
            v.goal.target_date is None,
            v.goal.target_date or profile.today(),
            PRIORITY_RANK[v.goal.priority],
        ),
    )
    return GoalList(
        active=active,
        completed=[v for v in views if v.goal.status == "completed"],
        archived=[v for v in views if v.goal.status == "archived"],
        truncated=truncated,
    )


@dataclass
class GoalOverview:
    goal: Goal
    progress: Progress | None
    sessions: list[PracticeSession]


def goal_overview(profile: MusicianProfile, goal: Goal, sessions: int = 10) -> GoalOverview:
    progress = progress_for(profile, [goal], profile.today()).get(goal.id)
    linked = list(
        db.session.scalars(
            sa.select(PracticeSession)
            .join(session_goals, session_goals.c.session_id == PracticeSession.id)
            .where(session_goals.c.goal_id == goal.id, PracticeSession.profile_id == profile.id)
            .order_by(PracticeSession.started_at.desc())
            .limit(sessions)
        )
    )
    return GoalOverview(goal, progress, linked)
