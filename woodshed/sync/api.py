"""`/sessions/{id}/merge` (an offline edit) and `/conflicts` in the JSON API."""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply
from woodshed.api.pagination import Page
from woodshed.journal import merge
from woodshed.journal.models import PracticeSession
from woodshed.sync import services
from woodshed.sync.models import SyncConflict
from woodshed.sync.schemas import ConflictOut, ConflictQuery, MergeOut, ResolveIn, SessionMerge

api = ApiBlueprint("sync_api", __name__, tag="Offline sync")


@api.operation(
    "POST",
    "/sessions/<uuid:session_id>/merge",
    summary="Merge an edit made offline into the session as it is now",
    body=SessionMerge,
    response=MergeOut,
    etag=True,
    description="For a client that edited offline: send the version the edit started "
    "from, each changed field's value then (`base`) and now (`changes`). Fields only "
    "this edit changed apply; fields changed on both sides keep the later write live "
    "and the other in `GET /conflicts`. Nothing is dropped.",
)
def merge_session(user, profile, session_id: uuid.UUID, body: SessionMerge):
    session = policy.owned_or_404(PracticeSession, session_id, profile, lock=True)
    conflicts = merge.merge_session(
        profile,
        session,
        base_version=body.base_version,
        base=body.base,
        changes=body.changes.model_dump(exclude_unset=True),
        edited_at=body.edited_at,
        source=body.source,
        editor_id=user.id,
    )
    return Reply({"session": session, "conflicts": conflicts}, version=session.version)


@api.operation(
    "GET",
    "/conflicts",
    summary="Values that lost a merge, waiting for you to choose",
    query=ConflictQuery,
    response=Page[ConflictOut],
)
def list_conflicts(profile, query: ConflictQuery):
    items, cursor = services.list_conflicts(profile, query)
    return Page(items=items, next_cursor=cursor)


@api.operation(
    "POST",
    "/conflicts/<uuid:conflict_id>/resolve",
    summary="Keep the live value, or put the other one back",
    body=ResolveIn,
    response=ConflictOut,
)
def resolve_conflict(user, profile, conflict_id: uuid.UUID, body: ResolveIn):
    conflict = policy.owned_or_404(SyncConflict, conflict_id, profile, lock=True)
    return services.resolve(profile, conflict, body.keep, editor_id=user.id)
