"""Shapes of invitations, links and students in the JSON API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from woodshed.family.schemas import ConsentIn
from woodshed.validation import Schema, text_rules

Scope = Literal[
    "sessions:read",
    "sessions:comment",
    "assignments:write",
    "reports:read",
    "recordings:read",
    "recordings:comment",
]


class InviteIn(Schema):
    scopes: list[Scope] | None = Field(
        None, max_length=4, description="What the link will allow (default: all of them)."
    )
    note: Annotated[str, *text_rules(300)] = ""


class InviteOut(Schema):
    id: uuid.UUID
    code: str | None = Field(None, description="Only in the answer that created it.")
    url: str | None = Field(None, description="The join link (only when the code is known).")
    scopes: list[Scope]
    note: str
    created_at: datetime
    expires_at: datetime


class JoinIn(Schema):
    code: Annotated[str, *text_rules(40, required=True)] = Field(
        description="The code; dashes and spaces optional."
    )
    profile_id: uuid.UUID | None = Field(None, description="Default: your own profile.")
    consent: ConsentIn | None = Field(
        None, description="A guardian linking a child: needed, or a 403 naming consent."
    )


class Person(Schema):
    id: uuid.UUID
    display_name: str


class LinkOut(Schema):
    id: uuid.UUID
    kind: Literal["teacher", "guardian"]
    status: Literal["active", "ended"]
    teacher: Person
    profile: Person
    scopes: list[Scope]
    created_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None


class Flag(Schema):
    code: str = Field(
        description="Why the student needs attention: no_practice, struggle, "
        "assignment_behind (under half the weekly minutes with the week half gone), "
        "assignment_due (due within two days with an item not met), student_replied."
    )
    message: str
    url: str = Field(description="The evidence: the journal, a session, an assignment, a reply.")


class StudentOut(Schema):
    profile_id: uuid.UUID
    display_name: str
    link_id: uuid.UUID
    last_practice_date: date | None
    week_minutes: int
    current_streak: int | None = Field(None, description="None when the student uses quiet mode.")
    flags: list[Flag]
