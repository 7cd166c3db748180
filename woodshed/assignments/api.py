"""`/assignments` in the JSON API (SPEC §5 Teaching and family).

A teacher names the student with `?profile_id=`; the student reads their own without it.
"""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply, if_match_version
from woodshed.api.pagination import Page
from woodshed.assignments import services
from woodshed.assignments.models import Assignment
from woodshed.assignments.schemas import (
    AssignmentIn,
    AssignmentItemOut,
    AssignmentOut,
    AssignmentQuery,
    AssignmentUpdate,
    ItemDoneIn,
)
from woodshed.db import check_version

api = ApiBlueprint("assignments_api", __name__, tag="Teaching")


def _one(profile, assignment: Assignment, status: int | None = None) -> Reply:
    out = services.present(profile, [assignment])[0]
    return Reply(out, status=status, version=assignment.version)


@api.operation(
    "GET",
    "/assignments",
    summary="Assignments with their progress, latest due first",
    query=AssignmentQuery,
    response=Page[AssignmentOut],
)
def list_assignments(profile, query: AssignmentQuery):
    rows, cursor = services.list_assignments(profile, query)
    return Page(items=services.present(profile, rows), next_cursor=cursor)


@api.operation(
    "POST",
    "/assignments",
    summary="Set a student an assignment (teachers)",
    body=AssignmentIn,
    response=AssignmentOut,
    status=201,
    etag=True,
    idempotent_create=True,
    extra_responses={403: "Only a linked teacher whose link allows assignments sets them."},
    description="`profile_id` names the student. Each item is a `piece` (`piece_id`), a "
    "`passage` (`piece_id` with `bars` like `33-40`, or `section_id`), a `skill` "
    "(`skill_id`) or `text`, with any of the targets. Progress is derived from the "
    "student's log. Re-sending the same client `id` returns the stored assignment.",
)
def create_assignment(user, profile, body: AssignmentIn):
    assignment, created = services.create_assignment(user, profile, body)
    return _one(profile, assignment, 201 if created else 200)


@api.operation(
    "GET",
    "/assignments/<uuid:assignment_id>",
    summary="One assignment",
    response=AssignmentOut,
    etag=True,
)
def get_assignment(profile, assignment_id: uuid.UUID):
    return _one(profile, policy.owned_or_404(Assignment, assignment_id, profile))


@api.operation(
    "PATCH",
    "/assignments/<uuid:assignment_id>",
    summary="Change an assignment's title, description or due date (its teacher)",
    body=AssignmentUpdate,
    response=AssignmentOut,
    etag=True,
)
def patch_assignment(user, profile, assignment_id: uuid.UUID, body: AssignmentUpdate):
    assignment = policy.owned_or_404(Assignment, assignment_id, profile)
    check_version(assignment, if_match_version())
    services.update_assignment(user, profile, assignment, body.model_dump(exclude_unset=True))
    return _one(profile, assignment)


@api.operation(
    "DELETE",
    "/assignments/<uuid:assignment_id>",
    summary="Delete an assignment (its teacher, or the student)",
    status=204,
    etag=True,
)
def delete_assignment(user, profile, assignment_id: uuid.UUID):
    assignment = policy.owned_or_404(Assignment, assignment_id, profile)
    check_version(assignment, if_match_version())
    services.delete_assignment(user, profile, assignment)


@api.operation(
    "PUT",
    "/assignments/<uuid:assignment_id>/items/<uuid:assignment_item_id>/done",
    summary="Mark an item done or not done (the student)",
    body=ItemDoneIn,
    response=AssignmentItemOut,
)
def set_item_done(
    profile, assignment_id: uuid.UUID, assignment_item_id: uuid.UUID, body: ItemDoneIn
):
    item = services.item_of(profile, assignment_id, assignment_item_id)
    services.set_done(item, body.done)
    assignment = policy.owned_or_404(Assignment, assignment_id, profile)
    out = services.present(profile, [assignment])[0]
    return next(i for i in out["items"] if i["id"] == item.id)
