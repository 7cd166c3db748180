"""Objects of alice's for the goal routes' path parameters (see goals.toml).

`item_id` is a checklist item of the goal in the same URL: both builders find alice's
matrix goal before making one.
"""

import sqlalchemy as sa

from tests.factories import make_goal
from woodshed.db import db
from woodshed.goals.models import Goal, GoalChecklistItem


def goal(alice) -> Goal:
    found = db.session.scalar(
        sa.select(Goal).where(Goal.profile_id == alice.profile.id, Goal.title == "Matrix")
    )
    return found or make_goal(
        alice.profile,
        "Matrix",
        target={"type": "checklist", "items": [{"text": "Memorise"}, {"text": "Record"}]},
    )


def item(alice) -> GoalChecklistItem:
    return goal(alice).checklist[0]


BUILDERS = {"goal_id": goal, "item_id": item}
