"""Shapes of pieces, sections and skills for the forms, the API and the OpenAPI document."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from woodshed.api.pagination import ListQuery
from woodshed.validation import Schema, line_rules, partial, text_rules

PieceStatus = Literal["wishlist", "learning", "polishing", "performance_ready", "archived"]
SectionStatus = Literal["not_started", "learning", "polishing", "performance_ready", "archived"]
SkillCategory = Literal[
    "technique", "scale", "theory", "ear_training", "sight_reading", "rhythm", "other"
]

PIECE_STATUS_LABELS = {
    "wishlist": "Wishlist",
    "learning": "Learning",
    "polishing": "Polishing",
    "performance_ready": "Performance-ready",
    "archived": "Archived",
}
SECTION_STATUS_LABELS = {
    "not_started": "Not started",
    "learning": "Learning",
    "polishing": "Polishing",
    "performance_ready": "Performance-ready",
    "archived": "Archived",
}
SKILL_CATEGORY_LABELS = {
    "technique": "Technique",
    "scale": "Scales",
    "theory": "Theory",
    "ear_training": "Ear training",
    "sight_reading": "Sight-reading",
    "rhythm": "Rhythm",
    "other": "Other",
}

Title = Annotated[str, *line_rules(200, required=True)]
ShortText = Annotated[str, *line_rules(200)]
Notes = Annotated[str, *text_rules(20000)]
SearchText = Annotated[str, *line_rules(200)]
Tempo = Annotated[int, Field(ge=1, le=400, description="Beats per minute.")]
Bar = Annotated[int, Field(ge=1, le=9999, description="Bar number, from 1.")]
Difficulty = Annotated[int, Field(ge=1, le=10, description="1 (easy) to 10 (hardest).")]
BarCount = Annotated[
    int, Field(ge=1, le=9999, description="How many bars the piece has (the bar strip's length).")
]


#: A calendar date, YYYY-MM-DD (any year the calendar has: the API takes what its schema
#: says it takes).
SaneDate = date


class PieceFields(Schema):
    title: Title
    composer: ShortText = ""
    arranger: ShortText = ""
    instrument_id: uuid.UUID | None = Field(None, description="One of your instruments.")
    difficulty: Difficulty | None = None
    status: PieceStatus = "learning"
    started_on: SaneDate | None = None
    target_date: SaneDate | None = None
    current_tempo_bpm: Tempo | None = None
    target_tempo_bpm: Tempo | None = None
    length_bars: BarCount | None = None
    notes: Notes = Field("", description="Markdown; rendered sanitised.")

    @field_validator("target_date")
    @classmethod
    def _after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("started_on")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError("date_order", "The target date is before the start date.")
        return value


class PieceIn(PieceFields):
    id: uuid.UUID | None = Field(
        None, description="Optional client-chosen id: re-sending it returns the same piece."
    )


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    PieceUpdate = PieceFields
else:
    PieceUpdate = partial(PieceFields, "PieceUpdate")


class StatusChangeOut(Schema):
    from_status: PieceStatus | None
    to_status: PieceStatus
    changed_at: datetime


class PieceOut(Schema):
    id: uuid.UUID
    title: str
    composer: str
    arranger: str
    instrument_id: uuid.UUID | None
    difficulty: int | None
    status: PieceStatus
    status_changed_at: datetime
    status_history: list[StatusChangeOut] = Field(
        validation_alias="status_changes", description="Every status change, oldest first."
    )
    started_on: date | None
    target_date: date | None
    current_tempo_bpm: int | None
    target_tempo_bpm: int | None
    length_bars: int | None
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime


class PieceQuery(ListQuery):
    """Filters for the repertoire; the HTML page puts the same names in its URL."""

    status: PieceStatus | None = None
    instrument_id: uuid.UUID | None = None
    q: SearchText | None = Field(None, description="Words in the title or composer.")


class SectionFields(Schema):
    name: ShortText = Field("", description="Optional; an unnamed section is shown by its bars.")
    bar_start: Bar
    bar_end: Bar
    status: SectionStatus = "learning"
    target_tempo_bpm: Tempo | None = None
    notes: Notes = Field("", description="Markdown; rendered sanitised.")

    @field_validator("bar_end")
    @classmethod
    def _range(cls, value: int | None, info: ValidationInfo) -> int | None:
        start = info.data.get("bar_start")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError(
                "bar_range",
                "The last bar ({end}) comes before the first ({start}).",
                {"start": start, "end": value},
            )
        return value


class SectionIn(SectionFields):
    id: uuid.UUID | None = Field(
        None, description="Optional client-chosen id: re-sending it returns the same section."
    )


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    SectionUpdate = SectionFields
else:
    SectionUpdate = partial(SectionFields, "SectionUpdate")


class SectionOut(Schema):
    id: uuid.UUID
    piece_id: uuid.UUID
    name: str
    bar_start: int
    bar_end: int
    status: SectionStatus
    target_tempo_bpm: int | None
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime


class SectionQuery(ListQuery):
    status: SectionStatus | None = None


class SkillFields(Schema):
    name: Title
    category: SkillCategory = "technique"
    description: Notes = Field("", description="Markdown; rendered sanitised.")


class SkillIn(SkillFields):
    id: uuid.UUID | None = Field(
        None, description="Optional client-chosen id: re-sending it returns the same skill."
    )


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    SkillUpdate = SkillFields
else:
    SkillUpdate = partial(SkillFields, "SkillUpdate")


class SkillOut(Schema):
    id: uuid.UUID
    name: str
    category: SkillCategory
    description: str
    version: int
    created_at: datetime
    updated_at: datetime


class SkillQuery(ListQuery):
    category: SkillCategory | None = None
    q: SearchText | None = Field(None, description="Words in the name.")
