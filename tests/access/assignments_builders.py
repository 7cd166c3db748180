"""alice's assignment (from a teacher whose link has ended) for the assignment routes."""

from datetime import timedelta

import sqlalchemy as sa

from woodshed.assignments.models import Assignment, AssignmentItem
from woodshed.db import db


def assignment(alice) -> Assignment:
    found = db.session.scalar(
        sa.select(Assignment).where(Assignment.profile_id == alice.profile.id)
    )
    if found is not None:
        return found
    today = alice.profile.today()
    found = Assignment(
        profile_id=alice.profile.id,
        set_by=None,
        title="Matrix",
        starts_on=today,
        due_on=today + timedelta(days=7),
        items=[AssignmentItem(kind="text", text="Scales in thirds")],
    )
    db.session.add(found)
    db.session.flush()
    return found


def item(alice) -> AssignmentItem:
    return assignment(alice).items[0]


BUILDERS = {"assignment_id": assignment, "assignment_item_id": item}
