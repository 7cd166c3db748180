"""`/studio/invites`, `/links` and `/students` in the JSON API (SPEC §5 Teaching and family)."""

from __future__ import annotations

import uuid

from flask import url_for

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply
from woodshed.api.pagination import ListQuery, Page
from woodshed.teaching import dashboard, services
from woodshed.teaching.models import Invite, Link
from woodshed.teaching.schemas import InviteIn, InviteOut, JoinIn, LinkOut, StudentOut

api = ApiBlueprint("teaching_api", __name__, tag="Teaching")


def invite_out(invite: Invite, code: str | None = None) -> dict:
    return {
        "id": invite.id,
        "code": services.shown_code(code) if code else None,
        "url": url_for("teaching.join", code=code, _external=True) if code else None,
        "scopes": invite.scopes,
        "note": invite.note,
        "created_at": invite.created_at,
        "expires_at": invite.expires_at,
    }


def link_out(link: Link) -> dict:
    return {
        "id": link.id,
        "kind": link.kind,
        "status": link.status,
        "teacher": {"id": link.user_id, "display_name": link.user.profile.display_name},
        "profile": {"id": link.profile_id, "display_name": link.profile.display_name},
        "scopes": link.scopes,
        "created_at": link.created_at,
        "accepted_at": link.accepted_at,
        "ended_at": link.ended_at,
    }


@api.operation(
    "POST",
    "/studio/invites",
    summary="Invite a student (teachers)",
    body=InviteIn,
    response=InviteOut,
    status=201,
    extra_responses={403: "Only teachers invite students."},
    description="The code is in this answer only (it is stored hashed); it is used once and "
    "expires after 14 days.",
)
def create_invite(user, body: InviteIn):
    invite, code = services.create_invite(user, body.scopes, body.note)
    return Reply(invite_out(invite, code), status=201)


@api.operation(
    "GET",
    "/studio/invites",
    summary="Your open invitations (teachers)",
    query=ListQuery,
    response=Page[InviteOut],
    extra_responses={403: "Only teachers invite students."},
)
def list_invites(user, query: ListQuery):
    invites, cursor = services.list_invites(user, query)
    return Page(items=[invite_out(i) for i in invites], next_cursor=cursor)


@api.operation(
    "DELETE",
    "/studio/invites/<uuid:invite_id>",
    summary="Withdraw an invitation",
    status=204,
)
def delete_invite(user, invite_id: uuid.UUID):
    services.revoke_invite(user, invite_id)
    return Reply(None, status=204)


@api.operation(
    "POST",
    "/links/join",
    summary="Accept a teacher's invitation",
    body=JoinIn,
    response=LinkOut,
    status=201,
    extra_responses={429: "Too many wrong codes; see Retry-After."},
    description="Wrong, used and expired codes are a 422 on `code`; 10 wrong codes in 15 "
    "minutes are refused with 429.",
)
def join(user, body: JoinIn):
    profile = policy.acting_profile(user, body.profile_id, for_edit=True)
    link = services.join(user, body.code, profile, body.consent)
    return Reply(link_out(link), status=201)


@api.operation(
    "GET",
    "/links",
    summary="Your links: your teachers, your children's teachers, and as a teacher your students",
    query=ListQuery,
    response=Page[LinkOut],
)
def list_links(user, query: ListQuery):
    links, cursor = services.list_links(user, query)
    return Page(items=[link_out(link) for link in links], next_cursor=cursor)


@api.operation("DELETE", "/links/<uuid:link_id>", summary="End a link (either side)", status=204)
def end_link(user, link_id: uuid.UUID):
    services.end_link(user, link_id)
    return Reply(None, status=204)


@api.operation(
    "GET",
    "/students",
    summary="Your students (teachers)",
    query=ListQuery,
    response=Page[StudentOut],
    extra_responses={403: "Only teachers have students."},
)
def list_students(user, query: ListQuery):
    rows, cursor = dashboard.student_page(user, query)
    return Page(items=[row.as_api() for row in rows], next_cursor=cursor)
