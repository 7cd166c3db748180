"""Shapes of assignments for the form, the API and the OpenAPI document."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from woodshed.api.pagination import ListQuery
from woodshed.validation import Schema, text_rules

ItemKind = Literal["piece", "passage", "skill", "text"]
KIND_LABELS = {"piece": "Piece", "passage": "Passage", "skill": "Skill", "text": "Other"}
Title = Annotated[str, *text_rules(200, required=True)]
Description = Annotated[str, *text_rules(20000)]
ItemText = Annotated[str, *text_rules(300)]
TARGETS = ("minutes_per_week", "tempo_bpm", "repetitions", "run_throughs")


class AssignmentItemIn(Schema):
    kind: ItemKind
    piece_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = Field(None, description="For a passage: one of its sections.")
    skill_id: uuid.UUID | None = None
    bars: str | None = Field(None, description="For a passage: bars like `33-40`.")
    text: ItemText = Field("", description="What to do, in words (required for `text`).")
    minutes_per_week: int | None = Field(None, ge=1, le=7 * 24 * 60)
    tempo_bpm: int | None = Field(None, ge=1, le=400)
    repetitions: int | None = Field(None, ge=1, le=1000)
    run_throughs: int | None = Field(None, ge=1, le=1000)
    question: ItemText = Field(
        "", description="A question for the guardian who signs the item off (optional)."
    )


class AssignmentFields(Schema):
    title: Title
    description: Description = Field("", description="Markdown; rendered sanitised.")
    starts_on: date | None = Field(
        None, description="When progress starts counting; the student's today if left out."
    )
    due_on: date


class AssignmentIn(AssignmentFields):
    id: uuid.UUID | None = Field(
        None, description="Optional client-chosen id: re-sending it returns the same assignment."
    )
    items: list[AssignmentItemIn] = Field(min_length=1, max_length=30)


class AssignmentUpdate(Schema):
    title: Title | None = None
    description: Description | None = None
    due_on: date | None = None


class ItemDoneIn(Schema):
    done: bool = True


class ItemProgressOut(Schema):
    """Computed from the student's log since the assignment began; never typed in."""

    minutes_this_week: int
    best_tempo: int | None
    run_throughs: int
    last_practised: date | None
    met: bool


class AssignmentItemOut(Schema):
    id: uuid.UUID
    kind: ItemKind
    label: str = Field(description="The item in words, e.g. `Clair de lune, bars 33–40`.")
    piece_id: uuid.UUID | None
    section_id: uuid.UUID | None
    skill_id: uuid.UUID | None
    bar_start: int | None
    bar_end: int | None
    text: str
    minutes_per_week: int | None
    tempo_bpm: int | None
    repetitions: int | None
    run_throughs: int | None
    question: str = ""
    done_at: datetime | None
    progress: ItemProgressOut


class TeacherOut(Schema):
    id: uuid.UUID | None
    display_name: str = Field(description='The teacher\'s name, or "Former teacher".')
    current: bool = Field(description="Whether the teacher's link is still active.")


class AssignmentOut(Schema):
    id: uuid.UUID
    profile_id: uuid.UUID
    title: str
    description: str
    starts_on: date
    due_on: date
    set_by: TeacherOut
    items: list[AssignmentItemOut]
    version: int
    created_at: datetime
    updated_at: datetime


class AssignmentQuery(ListQuery):
    open: bool | None = Field(
        None, description="Only assignments not yet due (due today or later)."
    )


def target_words(item) -> list[str]:
    """The item's targets in words: `40 min a week`, `96 bpm`, `5 run-throughs`."""
    words = []
    if item.minutes_per_week:
        words.append(f"{item.minutes_per_week} min a week")
    if item.tempo_bpm:
        words.append(f"{item.tempo_bpm} bpm")
    if item.repetitions:
        words.append(f"{item.repetitions} repetitions")
    if item.run_throughs:
        words.append(f"{item.run_throughs} run-throughs")
    return words
