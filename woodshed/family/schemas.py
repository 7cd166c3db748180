"""Shapes of children, consents and sign-offs in the JSON API (SPEC §5 Teaching and family)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from woodshed.accounts.schemas import Email, NewPassword
from woodshed.family.models import (
    NOTICE_VERSION,
    SIGNOFF_ANSWER_MAX_CHARS,
    SIGNOFF_NOTE_MAX_CHARS,
)
from woodshed.validation import Schema, line_rules, max_length, text_rules


class ConsentIn(Schema):
    # The document names the one version accepted; `family.services.check_consent` is the
    # rule (for the form and the API alike) and answers another with a 422.
    notice_version: Annotated[str, *line_rules(20)] = Field(
        NOTICE_VERSION,
        description="The notice that was shown: the current one.",
        json_schema_extra={"enum": [NOTICE_VERSION]},
    )
    accepted: bool = Field(False, description="The guardian's explicit agreement.")


class ChildIn(Schema):
    display_name: Annotated[str, *line_rules(100, required=True)] = Field(
        description="A nickname is enough."
    )
    birth_year: int | None = Field(None, ge=1900, le=2200)
    instruments: list[Annotated[str, *line_rules(100)]] = Field(default_factory=list, max_length=10)
    consent: ConsentIn | None = Field(
        None, description="Without `accepted: true` the answer is a 403 naming consent."
    )


class InstrumentOut(Schema):
    id: uuid.UUID
    name: str


class ChildOut(Schema):
    id: uuid.UUID
    display_name: str
    birth_year: int | None
    timezone: str
    day_rollover_hour: int
    instruments: list[InstrumentOut]
    created_at: datetime


class ConsentOut(Schema):
    id: uuid.UUID
    kind: Literal["child_profile", "teacher_link", "child_email"]
    guardian_id: uuid.UUID | None
    profile_id: uuid.UUID
    notice_version: str
    scopes: list[str]
    created_at: datetime


class ConsentList(Schema):
    items: list[ConsentOut]


class SignoffIn(Schema):
    item_index: int | None = Field(
        None, ge=0, le=1000, description="The item signed off (from 0); none: a note."
    )
    # The lengths are add_signoff's rule (family.models); the schema documents them.
    note: Annotated[str, *text_rules(SIGNOFF_NOTE_MAX_CHARS, length_by_service=True)] = ""
    answer: Annotated[str, *text_rules(SIGNOFF_ANSWER_MAX_CHARS, length_by_service=True)] = Field(
        "", description="The answer to the teacher's question."
    )


class GuardianOut(Schema):
    id: uuid.UUID | None
    display_name: str


class SignoffOut(Schema):
    id: uuid.UUID
    guardian: GuardianOut
    item_index: int | None
    note: str
    answer: str
    question: str = Field("", description="The teacher's question the answer is for.")
    created_at: datetime


class SignoffList(Schema):
    items: list[SignoffOut]


class MoveIn(Schema):
    """A guardian's invitation to move a child's profile to the child's own account."""

    email: Email = Field(
        description="The child's own address; it must not have an account on this server."
    )


class MoveOut(Schema):
    id: uuid.UUID
    profile_id: uuid.UUID
    email: str
    created_at: datetime
    expires_at: datetime


class MoveAccept(Schema):
    """The emailed link's token and the password of the new account."""

    token: Annotated[str, *max_length(100, min_length=1)]
    password: NewPassword


class MovedOut(Schema):
    """The new account and the profile that is now its own."""

    id: uuid.UUID
    email: str
    profile_id: uuid.UUID
    display_name: str
