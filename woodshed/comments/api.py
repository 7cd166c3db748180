"""Comments in the JSON API: `sessions/{id}/comments` and `sections/{id}/comments`."""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.api import ApiBlueprint
from woodshed.api.pagination import ListQuery, Page
from woodshed.comments import services
from woodshed.comments.schemas import CommentIn, CommentOut, SectionCommentIn
from woodshed.journal.models import PracticeSession
from woodshed.repertoire.models import Section

api = ApiBlueprint("comments_api", __name__, tag="Comments")


@api.operation(
    "GET",
    "/sessions/<uuid:session_id>/comments",
    summary="Comments on a session, oldest first",
    query=ListQuery,
    response=Page[CommentOut],
)
def list_session_comments(user, profile, session_id: uuid.UUID, query: ListQuery):
    session = policy.owned_or_404(PracticeSession, session_id, profile)
    rows, cursor = services.session_page(session, profile, user, query)
    return Page(items=[services.comment_out(c, profile) for c in rows], next_cursor=cursor)


@api.operation(
    "POST",
    "/sessions/<uuid:session_id>/comments",
    summary="Comment on a session, one of its items or a passage it worked on",
    body=CommentIn,
    response=CommentOut,
    status=201,
    description="A reply (`parent_id`) joins that comment's thread and keeps its item and "
    "passage. `item_index` counts the session's items from 0; with it alone, the comment is "
    "about that item's passage too.",
)
def comment_on_session(user, profile, session_id: uuid.UUID, body: CommentIn):
    session = policy.owned_or_404(PracticeSession, session_id, profile)
    return services.comment_out(services.add_to_session(user, profile, session, body), profile)


@api.operation(
    "GET",
    "/sections/<uuid:section_id>/comments",
    summary="Comments on a passage (on it directly or in sessions), oldest first",
    query=ListQuery,
    response=Page[CommentOut],
)
def list_section_comments(user, profile, section_id: uuid.UUID, query: ListQuery):
    section = policy.owned_or_404(Section, section_id, profile)
    rows, cursor = services.section_page(section, profile, user, query)
    return Page(items=[services.comment_out(c, profile) for c in rows], next_cursor=cursor)


@api.operation(
    "POST",
    "/sections/<uuid:section_id>/comments",
    summary="Comment on a passage",
    body=SectionCommentIn,
    response=CommentOut,
    status=201,
)
def comment_on_section(user, profile, section_id: uuid.UUID, body: SectionCommentIn):
    section = policy.owned_or_404(Section, section_id, profile)
    return services.comment_out(services.add_to_section(user, profile, section, body), profile)
