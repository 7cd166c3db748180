"""`/goals` in the JSON API."""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply, if_match_version
from woodshed.api.pagination import Page
from woodshed.db import check_version
from woodshed.goals import services
from woodshed.goals.models import Goal
from woodshed.goals.schemas import GoalIn, GoalOut, GoalQuery, GoalUpdate

api = ApiBlueprint("goals_api", __name__, tag="Goals")


def _one(profile, goal: Goal, status: int | None = None) -> Reply:
    return Reply(services.present(profile, [goal])[0], status=status, version=goal.version)


@api.operation(
    "GET",
    "/goals",
    summary="Your goals with their progress, newest first",
    query=GoalQuery,
    response=Page[GoalOut],
)
def list_goals(profile, query: GoalQuery):
    rows, cursor = services.list_goals(profile, query)
    return Page(items=services.present(profile, rows), next_cursor=cursor)


@api.operation(
    "POST",
    "/goals",
    summary="Set a goal",
    body=GoalIn,
    response=GoalOut,
    status=201,
    etag=True,
    idempotent_create=True,
    description="`kind` names what the goal is about: a `piece` goal needs `piece_id`, a "
    "`section` goal `section_id`, a `skill` goal `skill_id`, a `habit` none. `target` is "
    '`{type, value}` (minutes_per_week, days_per_week, tempo) or `{type: "checklist", '
    "items: [{text, done}]}`. Re-sending the same client `id` returns the stored goal.",
)
def create_goal(profile, body: GoalIn):
    goal, created = services.create_goal(profile, body)
    return _one(profile, goal, 201 if created else 200)


@api.operation("GET", "/goals/<uuid:goal_id>", summary="One goal", response=GoalOut, etag=True)
def get_goal(profile, goal_id: uuid.UUID):
    return _one(profile, policy.owned_or_404(Goal, goal_id, profile))


@api.operation(
    "PATCH",
    "/goals/<uuid:goal_id>",
    summary="Change, complete or archive a goal",
    body=GoalUpdate,
    response=GoalOut,
    etag=True,
    description="Fields left out keep their value; `target` replaces the whole target "
    "(checklist items keep their done state when they name their `id` and leave out "
    "`done`). Setting `status` to `completed` records `completed_at`.",
)
def patch_goal(profile, goal_id: uuid.UUID, body: GoalUpdate):
    goal = policy.owned_or_404(Goal, goal_id, profile)
    check_version(goal, if_match_version())
    services.update_goal(profile, goal, body.model_dump(exclude_unset=True))
    return _one(profile, goal)


@api.operation("DELETE", "/goals/<uuid:goal_id>", summary="Delete a goal", status=204, etag=True)
def delete_goal(profile, goal_id: uuid.UUID):
    goal = policy.owned_or_404(Goal, goal_id, profile)
    check_version(goal, if_match_version())
    services.delete_goal(goal)
