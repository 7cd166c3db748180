"""The merge request of an offline edit, and conflicts as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from woodshed.api.pagination import ListQuery
from woodshed.journal.schemas import SessionOut, SessionUpdate
from woodshed.validation import Schema, text_rules


class SessionMerge(Schema):
    """An edit made offline: the fields changed, and what they were when it was made."""

    base_version: int = Field(ge=1, description="The session's version the edit started from.")
    base: dict[str, Any] = Field(
        description="Each changed field's value as it was read then (as `GET` answered it)."
    )
    changes: SessionUpdate = Field(description="The changed fields, as for `PATCH`.")
    edited_at: AwareDatetime = Field(description="When the edit was made on the device.")
    source: Annotated[str, *text_rules(80)] = Field(
        "another device", description="Where the edit was made, in words, e.g. `phone`."
    )


class ConflictOut(Schema):
    id: uuid.UUID
    object_type: Literal["session"]
    object_id: uuid.UUID
    field: str
    live_value: Any
    other_value: Any
    other_source: str
    created_at: datetime


class MergeOut(Schema):
    session: SessionOut
    conflicts: list[ConflictOut] = Field(
        description="The fields that both sides changed, each kept in the conflicts inbox."
    )


class ResolveIn(Schema):
    keep: Literal["live", "other"]


class ConflictQuery(ListQuery):
    pass
