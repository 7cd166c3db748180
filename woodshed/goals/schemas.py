"""Shapes of goals for the form, the API and the OpenAPI document.

A goal's measurable target is `{type, value}`: minutes per week, days per week, a tempo
(bpm) for a piece or section, or a checklist (`{type: "checklist", items: [...]}`).
Progress is computed from the log and is read-only.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from woodshed.api.pagination import ListQuery
from woodshed.repertoire.schemas import Notes, SaneDate, Title
from woodshed.validation import Schema, line_rules, partial

GoalKind = Literal["piece", "section", "skill", "habit"]
GoalStatus = Literal["not_started", "in_progress", "completed", "archived"]
Priority = Literal["low", "medium", "high"]
TargetType = Literal["minutes_per_week", "days_per_week", "tempo", "checklist"]
ItemText = Annotated[str, *line_rules(200, required=True)]

KIND_LABELS = {"piece": "Piece", "section": "Section", "skill": "Skill", "habit": "Habit"}
STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "completed": "Completed",
    "archived": "Archived",
}
PRIORITY_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}
TARGET_LABELS = {
    "minutes_per_week": "Minutes per week",
    "days_per_week": "Days per week",
    "tempo": "Tempo (bpm)",
    "checklist": "Checklist",
}
#: Allowed values per target type, and the words for a missing one.
TARGET_RANGES = {
    "minutes_per_week": (1, 7 * 24 * 60, "minutes per week"),
    "days_per_week": (1, 7, "days per week"),
    "tempo": (1, 400, "a tempo in bpm"),
}
SUBJECT_FIELDS = {"piece": "piece_id", "section": "section_id", "skill": "skill_id"}
SUBJECT_WORDS = {"piece_id": "piece", "section_id": "section", "skill_id": "skill"}


class ChecklistItemIn(Schema):
    id: uuid.UUID | None = Field(None, description="Keep an existing item (and its done state).")
    text: ItemText
    done: bool = False


class TargetIn(Schema):
    type: TargetType
    value: int | None = Field(
        None,
        validate_default=True,
        description="Minutes per week (1–10080), days per week (1–7) or tempo in bpm "
        "(1–400); null for a checklist.",
    )
    items: list[ChecklistItemIn] = Field(
        default_factory=list,
        max_length=50,
        validate_default=True,
        description="The checklist's items (only for `checklist`).",
    )

    @field_validator("value")
    @classmethod
    def _value_fits_type(cls, value: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("type")
        if kind is None:
            return value
        if kind == "checklist":
            if value is not None:
                raise PydanticCustomError("target_value", "A checklist has items, not a value.")
            return None
        low, high, words = TARGET_RANGES[kind]
        if value is None:
            raise PydanticCustomError("target_value", "Enter {words}.", {"words": words})
        if not low <= value <= high:
            raise PydanticCustomError(
                "target_value",
                "Enter a number from {low} to {high}.",
                {"low": low, "high": high},
            )
        return value

    @field_validator("items")
    @classmethod
    def _items_fit_type(cls, value: list, info: ValidationInfo) -> list:
        kind = info.data.get("type")
        if kind == "checklist" and not value:
            raise PydanticCustomError("checklist", "Add at least one checklist item.")
        if kind not in (None, "checklist") and value:
            raise PydanticCustomError("checklist", "Only a checklist target has items.")
        return value


def _subject_fits_kind(value: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
    kind = info.data.get("kind")
    if kind is None:
        return value
    field = info.field_name
    assert field is not None  # a field validator
    word = SUBJECT_WORDS[field]
    needed = SUBJECT_FIELDS.get(kind)
    # A section goal may also name the section's piece.
    allowed = {needed} | ({"piece_id"} if kind == "section" else set())
    if field == needed and value is None:
        raise PydanticCustomError(
            "subject", "Choose the {word} this goal is about.", {"word": word}
        )
    if field not in allowed and value is not None:
        raise PydanticCustomError(
            "subject", "A {kind} goal is not about a {word}.", {"kind": kind, "word": word}
        )
    return value


class GoalFields(Schema):
    title: Title
    kind: GoalKind = Field("habit", description="What the goal is about.")
    description: Notes = ""
    target_date: SaneDate | None = None
    status: GoalStatus = "not_started"
    priority: Priority = "medium"
    piece_id: uuid.UUID | None = Field(None, validate_default=True)
    section_id: uuid.UUID | None = Field(None, validate_default=True)
    skill_id: uuid.UUID | None = Field(None, validate_default=True)
    target: TargetIn | None = Field(None, description="The measurable target, if any.")

    _subjects = field_validator("piece_id", "section_id", "skill_id")(_subject_fits_kind)

    @field_validator("target")
    @classmethod
    def _tempo_needs_music(cls, value: TargetIn | None, info: ValidationInfo):
        kind = info.data.get("kind")
        if value is not None and value.type == "tempo" and kind not in (None, "piece", "section"):
            raise PydanticCustomError(
                "target_type", "A tempo target belongs to a piece or section goal."
            )
        return value


class GoalIn(GoalFields):
    id: uuid.UUID | None = Field(
        None, description="Optional client-chosen id: re-sending it returns the same goal."
    )


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    GoalUpdate = GoalFields
else:
    GoalUpdate = partial(GoalFields, "GoalUpdate")


class ChecklistItemOut(Schema):
    id: uuid.UUID
    text: str
    done: bool


class TargetOut(Schema):
    type: TargetType
    value: int | None
    items: list[ChecklistItemOut]


class ProgressOut(Schema):
    """Computed from the log; never typed in."""

    percent: int = Field(description="0–100.")
    label: str = Field(description="The progress in words, e.g. `95 of 150 min this week`.")
    current: int | None
    target: int | None
    unit: Literal["minutes", "days", "bpm", "items"]
    period_start: date | None = Field(None, description="First day of the week counted.")
    period_end: date | None = Field(None, description="Last day of the week counted.")


class GoalOut(Schema):
    id: uuid.UUID
    title: str
    kind: GoalKind
    description: str
    target_date: date | None
    status: GoalStatus
    priority: Priority
    piece_id: uuid.UUID | None
    section_id: uuid.UUID | None
    skill_id: uuid.UUID | None
    target: TargetOut | None
    progress: ProgressOut | None = Field(description="Read-only, computed from the log.")
    completed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class GoalQuery(ListQuery):
    """Filters for the goal list; the HTML page puts the same names in its URL."""

    status: GoalStatus | None = None
    active: bool | None = Field(None, description="Only goals not completed or archived.")
    kind: GoalKind | None = None
    priority: Priority | None = None
    piece_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    skill_id: uuid.UUID | None = None
