"""`/sessions` and `/tags` in the JSON API."""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply, if_match_version
from woodshed.api.pagination import ListQuery, Page
from woodshed.db import check_version
from woodshed.journal import history, services
from woodshed.journal.models import PracticeSession
from woodshed.journal.schemas import (
    RevisionSummaryOut,
    SessionIn,
    SessionOut,
    SessionQuery,
    SessionUpdate,
    TagOut,
)

api = ApiBlueprint("journal_api", __name__, tag="Journal")


@api.operation(
    "GET",
    "/sessions",
    summary="Your practice sessions, newest first",
    query=SessionQuery,
    response=Page[SessionOut],
)
def list_sessions(profile, query: SessionQuery):
    rows, cursor = services.list_sessions(profile, query)
    return Page(items=rows, next_cursor=cursor)


@api.operation(
    "POST",
    "/sessions",
    summary="Log a practice session",
    body=SessionIn,
    response=SessionOut,
    status=201,
    etag=True,
    idempotent_create=True,
    description="Only `started_at` and `duration_minutes` are required. Re-sending "
    "the same client `id` returns the stored session with 200.",
)
def create_session(user, profile, body: SessionIn):
    session, created = services.create_session(profile, body, editor_id=user.id)
    return Reply(session, status=201 if created else 200, version=session.version)


@api.operation(
    "GET",
    "/sessions/<uuid:session_id>",
    summary="One practice session",
    response=SessionOut,
    etag=True,
)
def get_session(profile, session_id: uuid.UUID):
    session = policy.owned_or_404(PracticeSession, session_id, profile)
    return Reply(session, version=session.version)


@api.operation(
    "PATCH",
    "/sessions/<uuid:session_id>",
    summary="Edit a practice session",
    body=SessionUpdate,
    response=SessionOut,
    etag=True,
    description="Fields left out keep their value; `items`, `tags`, `goal_ids` and "
    "`evidence` replace the whole list. Each edit is kept in the revision history.",
)
def patch_session(user, profile, session_id: uuid.UUID, body: SessionUpdate):
    session = policy.owned_or_404(PracticeSession, session_id, profile)
    check_version(session, if_match_version())
    services.update_session(
        profile, session, body.model_dump(exclude_unset=True), editor_id=user.id
    )
    return Reply(session, version=session.version)


@api.operation(
    "DELETE",
    "/sessions/<uuid:session_id>",
    summary="Delete a practice session",
    status=204,
    etag=True,
)
def delete_session(profile, session_id: uuid.UUID):
    session = policy.owned_or_404(PracticeSession, session_id, profile)
    check_version(session, if_match_version())
    services.delete_session(session)


@api.operation(
    "GET",
    "/sessions/<uuid:session_id>/revisions",
    summary="What each edit of a session changed",
    response=list[RevisionSummaryOut],
    description="Newest first. `changes` is `{field: [before, after]}`; `summary` says the "
    "same in words, as the entry page shows it.",
)
def session_revisions(profile, session_id: uuid.UUID):
    session = policy.owned_or_404(PracticeSession, session_id, profile)
    names = {str(i.id): i.name for i in profile.instruments}
    return [
        {
            "id": revision.id,
            "changed_at": revision.changed_at,
            "changes": revision.changes,
            "summary": line.summary,
            "delay": line.delay,
        }
        for revision, line in zip(
            session.revisions, history.revision_lines(session, names), strict=True
        )
    ]


@api.operation(
    "GET",
    "/tags",
    summary="Your focus tags, most used first",
    query=ListQuery,
    response=Page[TagOut],
)
def list_tags(profile, query: ListQuery):
    items, cursor = services.list_tags(profile, query)
    return Page(items=items, next_cursor=cursor)
