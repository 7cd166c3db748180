"""`children` (and moving one to an account of its own), `consents` and
`sessions/{id}/signoffs` in the JSON API."""

from __future__ import annotations

import uuid

from woodshed import policy, ratelimit
from woodshed.api import ApiBlueprint, Reply
from woodshed.api.pagination import ListQuery, Page
from woodshed.family import services
from woodshed.family.schemas import (
    ChildIn,
    ChildOut,
    ConsentList,
    MoveAccept,
    MovedOut,
    MoveIn,
    MoveOut,
    SignoffIn,
    SignoffList,
    SignoffOut,
)
from woodshed.journal.models import PracticeSession

#: The guardian's own: their children (account level, never under a child's profile_id).
api = ApiBlueprint("family_api", __name__, tag="Family")
#: What acts on a child's data (`?profile_id=<child>`), through the gate like any journal.
guardian_api = ApiBlueprint("guardian_api", __name__, tag="Family")


def child_out(child) -> dict:
    return {
        "id": child.id,
        "display_name": child.display_name,
        "birth_year": child.birth_year,
        "timezone": child.timezone,
        "day_rollover_hour": child.day_rollover_hour,
        "instruments": [{"id": i.id, "name": i.name} for i in child.instruments],
        "created_at": child.created_at,
    }


@api.operation(
    "POST",
    "/children",
    summary="Create a child's profile (guardians)",
    body=ChildIn,
    response=ChildOut,
    status=201,
    extra_responses={403: "No consent: the problem's type ends in `consent-required`."},
    description="The child gets the guardian's time zone and day rollover; no email, no "
    "password. The consent is stored with who, when and the notice version.",
)
def create_child(user, body: ChildIn):
    child = services.create_child(
        user, body.display_name, body.birth_year, body.instruments, body.consent
    )
    return Reply(child_out(child), status=201)


@api.operation(
    "GET", "/children", summary="Your children", query=ListQuery, response=Page[ChildOut]
)
def list_children(user, query: ListQuery):
    children, cursor = services.list_children(user, query)
    return Page(items=[child_out(c) for c in children], next_cursor=cursor)


@api.operation(
    "DELETE",
    "/children/<uuid:child_id>",
    summary="Erase a child's profile and everything in it",
    status=204,
)
def delete_child(user, child_id: uuid.UUID):
    services.erase_child(user, services.child_of(user, child_id))
    return Reply(None, status=204)


@api.operation(
    "POST",
    "/children/<uuid:child_id>/move",
    summary="Invite a child to take their profile to an account of their own",
    body=MoveIn,
    response=MoveOut,
    status=201,
    description="Emails a single-use link (valid 14 days) to `email`. Opening it and "
    "choosing a password creates an account whose own profile is this child's — the same "
    "profile, with its journal, teacher links, assignments, badges, recordings and plans; "
    "the guardians' links end. A new invitation replaces an open one. An address that has "
    "an account already is a 422 on `email`, and nothing changes; such refusals count "
    "against the caller's address like failed sign-ins (429 past the limit).",
    extra_responses={429: "Too many refused invitations from this address; see Retry-After."},
)
def invite_move(user, child_id: uuid.UUID, body: MoveIn):
    child = services.child_of(user, child_id)
    attempt = ratelimit.attempt_from_address()  # refusals tell whether an address is known
    move, _raw = services.invite_move(user, child, str(body.email))
    attempt.succeeded()
    return Reply(
        {
            "id": move.id,
            "profile_id": move.profile_id,
            "email": move.email,
            "created_at": move.created_at,
            "expires_at": move.expires_at,
        },
        status=201,
    )


@api.operation(
    "POST",
    "/profile-moves/accept",
    summary="Create the child's own account from a guardian's invitation",
    body=MoveAccept,
    response=MovedOut,
    status=201,
    auth=False,
    description="`token` is the one in the emailed link; `password` the new account's. The "
    "account's address is the one the invitation was sent to. A link that is unknown, used "
    "or expired is a 422 on `token` saying which. Sign in afterwards (`POST /auth/token`).",
)
def accept_move(body: MoveAccept):
    attempt = ratelimit.attempt(None)
    user, profile = services.accept_move(body.token, body.password)
    attempt.succeeded()
    return Reply(
        {
            "id": user.id,
            "email": user.email,
            "profile_id": profile.id,
            "display_name": profile.display_name,
        },
        status=201,
    )


@guardian_api.operation(
    "GET",
    "/consents",
    summary="The consents on record for a child (`profile_id`)",
    response=ConsentList,
)
def list_consents(user, profile):
    rows = services.consents(user, profile)
    return {
        "items": [
            {
                "id": c.id,
                "kind": c.kind,
                "guardian_id": c.guardian_id,
                "profile_id": c.profile_id,
                "notice_version": c.notice_version,
                "scopes": c.scopes,
                "created_at": c.created_at,
            }
            for c in rows
        ]
    }


def signoff_out(row, question: str = "") -> dict:
    guardian = row.guardian
    return {
        "id": row.id,
        "guardian": {
            "id": row.guardian_id,
            "display_name": guardian.profile.display_name if guardian else "Former guardian",
        },
        "item_index": row.item_index,
        "note": row.note,
        "answer": row.answer,
        "question": question,
        "created_at": row.created_at,
    }


@guardian_api.operation(
    "GET",
    "/sessions/<uuid:session_id>/signoffs",
    summary="A guardian's notes and sign-offs on a session",
    response=SignoffList,
)
def list_signoffs(user, profile, session_id: uuid.UUID):
    session = policy.owned_or_404(PracticeSession, session_id, profile)
    return {"items": [signoff_out(r) for r in services.signoffs(profile, session)]}


@guardian_api.operation(
    "POST",
    "/sessions/<uuid:session_id>/signoffs",
    summary="Note on a child's session, or sign off one item (guardians)",
    body=SignoffIn,
    response=SignoffOut,
    status=201,
    extra_responses={403: "Only the child's guardian signs off."},
    description="With `item_index` the item is signed off; `answer` answers the question a "
    "teacher attached to the assignment item it works on.",
)
def create_signoff(user, profile, session_id: uuid.UUID, body: SignoffIn):
    session = policy.owned_or_404(PracticeSession, session_id, profile, lock=True)
    row = services.add_signoff(user, profile, session, body.item_index, body.note, body.answer)
    # An answer is to the question on a signed-off item (add_signoff refuses it otherwise).
    question = ""
    if row.answer and row.item_index is not None:
        question = services.question_of(profile, session, row.item_index)
    return Reply(signoff_out(row, question), status=201)
