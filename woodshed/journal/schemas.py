"""Shapes of a practice session for the form, the API and the OpenAPI document.

Forms validate with `context={"form": True, "timezone": <profile zone>}`: then a duration
may be typed as `1:30` or `1h30m`, and a start time without offset is read in the
musician's zone. The JSON API is strict: integers are integers, times carry an offset.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from woodshed.api.pagination import ListQuery
from woodshed.db import utcnow
from woodshed.timeutil import local_to_utc
from woodshed.validation import (
    Rating,
    Schema,
    line_rules,
    parse_bars,
    parse_duration,
    partial,
    text_rules,
)

CLOCK_SKEW = timedelta(minutes=5)
Mode = Literal["normal", "slow", "performance"]
Tempo = Annotated[int, Field(ge=1, le=400, description="Beats per minute.")]
TagName = Annotated[str, *line_rules(50, required=True)]
TagFilter = Annotated[str, *line_rules(50)]
Body = Annotated[str, *text_rules(20000)]
BarsText = Annotated[str, *line_rules(20)]
PieceTitle = Annotated[str, *line_rules(200)]
UrlText = Annotated[str, *line_rules(2000)]
NoteText = Annotated[str, *text_rules(2000)]
ItemNote = Annotated[str, *text_rules(1000)]
SearchText = Annotated[str, *line_rules(200)]


def _form_duration(value, info: ValidationInfo):
    if info.context and info.context.get("form") and isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise PydanticCustomError("duration", str(exc)) from None
    return value


_AWARE = TypeAdapter(AwareDatetime)


def _form_local_time(value, info: ValidationInfo):
    """A form's `2026-03-05T18:30` (no offset) is wall-clock time in the musician's zone.

    JSON strings are parsed here by pydantic's own RFC 3339 parser, because a function
    validator hands the inner type a Python string, which strict mode would refuse.
    """
    context = info.context or {}
    if isinstance(value, str) and not context.get("form"):
        try:
            return _AWARE.validate_json(json.dumps(value))
        except ValidationError:
            raise PydanticCustomError(
                "datetime", "Enter a date and time with offset, e.g. 2026-03-05T18:30:00+01:00."
            ) from None
    if context.get("form") and isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime", "Enter a date and time, e.g. 2026-03-05 18:30."
            ) from None
        if parsed.tzinfo is None:
            return local_to_utc(parsed, context.get("timezone", "UTC"))
        return parsed
    return value


Duration = Annotated[
    int,
    Field(ge=1, le=600, description="Minutes, 1–600."),
    BeforeValidator(_form_duration),
]
StartTime = Annotated[AwareDatetime, BeforeValidator(_form_local_time)]


class ItemIn(Schema):
    """A piece or section (bars, minutes, tempo) or a skill practised in the session."""

    piece_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    skill_id: uuid.UUID | None = None
    piece_title: PieceTitle | None = Field(
        None,
        description="A piece named here instead of `piece_id`: one of yours with this title "
        "(ignoring case), or a new piece created with the session. With `bars`, the passage "
        "is one of its sections with those bars, or a new unnamed one.",
    )
    bars: BarsText | None = Field(None, description="Bars worked, e.g. `33-40`.")
    minutes: Annotated[int, Field(ge=0, le=600)] | None = None
    tempo_bpm: Tempo | None = None
    target_tempo_bpm: Tempo | None = None
    run_through: bool = False
    note: ItemNote = Field(
        "",
        description="What was said about this item alone; a passage shows only its own notes.",
    )

    @field_validator("bars")
    @classmethod
    def _bars(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            start, end = parse_bars(value)
        except ValueError as exc:
            raise PydanticCustomError("bars", str(exc)) from None
        return f"{start}-{end}" if start != end else str(start)

    @field_validator("piece_title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _one_subject(self) -> ItemIn:
        if self.piece_title and (self.piece_id is not None or self.section_id is not None):
            raise PydanticCustomError(
                "item_new_piece", "Choose one of your pieces or name a new one, not both."
            )
        has_music = (
            self.piece_id is not None or self.section_id is not None or bool(self.piece_title)
        )
        if has_music and self.skill_id is not None:
            raise PydanticCustomError(
                "item_subject", "An item is either a piece/section or a skill, not both."
            )
        if not has_music and self.skill_id is None:
            raise PydanticCustomError("item_subject", "Choose a piece, section or skill.")
        if self.skill_id is not None and (self.bars or self.tempo_bpm or self.target_tempo_bpm):
            raise PydanticCustomError(
                "item_subject", "Bars and tempo belong to a piece or section, not a skill."
            )
        return self

    @property
    def bar_range(self) -> tuple[int, int] | tuple[None, None]:
        return parse_bars(self.bars) if self.bars else (None, None)


class EvidenceIn(Schema):
    kind: Literal["link", "note"]
    url: UrlText | None = Field(None, validate_default=True)
    text: NoteText = Field("", validate_default=True)

    @field_validator("url")
    @classmethod
    def _link_has_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        is_web = bool(value and value.lower().startswith(("https://", "http://")))
        if (value or info.data.get("kind") == "link") and not is_web:
            raise PydanticCustomError(
                "url", "Enter a full web address starting with https:// or http://."
            )
        return value or None

    @field_validator("text")
    @classmethod
    def _note_has_text(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("kind") == "note" and not value:
            raise PydanticCustomError("evidence_text", "Write the note.")
        return value


class SessionFields(Schema):
    started_at: StartTime = Field(description="When the session started (RFC 3339, with offset).")
    duration_minutes: Duration
    instrument_id: uuid.UUID | None = None
    items: list[ItemIn] = Field(default_factory=list, max_length=50)
    tags: list[TagName] = Field(
        default_factory=list,
        max_length=20,
        description="Focus tags, free text; matched ignoring case.",
    )
    notes: Body = Field("", description="Markdown; rendered sanitised.")
    next_time: Body = Field("", description="What to start with next session.")
    struggles: Body = ""
    achievements: Body = ""
    mood: Rating | None = None
    quality: Rating | None = None
    enjoyment: Rating | None = None
    difficulty: Rating | None = None
    confidence: Rating | None = None
    mode: Mode = "normal"
    exam_prep: bool = False
    performance_prep: bool = False
    private: bool = False
    goal_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=20)

    @field_validator("started_at")
    @classmethod
    def _not_in_future(cls, value: datetime) -> datetime:
        if value > utcnow() + CLOCK_SKEW:
            raise PydanticCustomError("future", "The start time is in the future.")
        if value.year < 1900:
            raise PydanticCustomError("past", "Enter a start time after 1900.")
        return value

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, value: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for tag in value:
            seen.setdefault(tag.casefold(), tag)
        return list(seen.values())

    @field_validator("goal_ids")
    @classmethod
    def _distinct_goals(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        return list(dict.fromkeys(value))


class SessionIn(SessionFields):
    id: uuid.UUID | None = Field(
        None, description="Optional client-chosen id: re-sending it returns the same session."
    )


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    SessionUpdate = SessionFields
else:
    SessionUpdate = partial(SessionFields, "SessionUpdate")


class ItemOut(Schema):
    id: uuid.UUID
    piece_id: uuid.UUID | None
    section_id: uuid.UUID | None
    skill_id: uuid.UUID | None
    bars: str | None
    minutes: int | None
    tempo_bpm: int | None
    target_tempo_bpm: int | None
    run_through: bool
    note: str


class EvidenceOut(Schema):
    id: uuid.UUID
    kind: Literal["link", "note"]
    url: str | None
    text: str


class SessionOut(Schema):
    id: uuid.UUID
    started_at: datetime
    practice_date: date = Field(description="The musician's day this session counts for.")
    timezone: str = Field(description="The musician's time zone when it was logged.")
    duration_minutes: int
    instrument_id: uuid.UUID | None
    items: list[ItemOut]
    tags: list[str] = Field(validation_alias="tag_names")
    notes: str
    next_time: str
    struggles: str
    achievements: str
    mood: int | None
    quality: int | None
    enjoyment: int | None
    difficulty: int | None
    confidence: int | None
    mode: Mode
    exam_prep: bool
    performance_prep: bool
    private: bool
    goal_ids: list[uuid.UUID]
    evidence: list[EvidenceOut]
    version: int
    created_at: datetime
    updated_at: datetime


class TagOut(Schema):
    name: str
    sessions: int = Field(description="How many sessions carry this tag.")


class RevisionOut(Schema):
    id: uuid.UUID
    changed_at: datetime
    changes: dict[str, list]


RatingName = Literal["mood", "quality", "enjoyment", "difficulty", "confidence"]


class SessionQuery(ListQuery):
    """Filters for the journal list; the HTML page puts the same names in its URL."""

    from_: date | None = Field(None, alias="from", description="First practice date.")
    to: date | None = Field(None, description="Last practice date.")
    instrument_id: uuid.UUID | None = None
    piece_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    skill_id: uuid.UUID | None = None
    goal_id: uuid.UUID | None = None
    tag: TagFilter | None = None
    exam_prep: bool | None = None
    performance_prep: bool | None = None
    rating: RatingName | None = Field(None, description="Which rating `min_rating` applies to.")
    min_rating: Rating | None = None
    q: SearchText | None = Field(
        None,
        description="Words to find in notes, next-time notes, "
        "struggles, achievements, evidence and tags.",
    )

    model_config = {**ListQuery.model_config, "populate_by_name": True}

    @field_validator("to")
    @classmethod
    def _range(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("from_")
        if value is not None and start is not None and start > value:
            raise PydanticCustomError("date_range", "The end date is before the start date.")
        return value

    @field_validator("min_rating")
    @classmethod
    def _rating_named(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("rating") is None:
            raise PydanticCustomError("rating", "Choose which rating the minimum applies to.")
        return value


class RevisionSummaryOut(RevisionOut):
    summary: str = Field(
        description='The edit in words, e.g. "duration 30 → 45 min; tags + scales".'
    )
    delay: str = Field(description='How long after logging it came, e.g. "2 days later".')


class QuickLogIn(Schema):
    """Quick log: how long, on what, optionally which piece; it started that long ago."""

    duration_minutes: Duration
    instrument_id: uuid.UUID | None = None
    piece_id: uuid.UUID | None = None
    id: uuid.UUID | None = Field(
        None, description="A client-chosen id: sending the same quick log again saves it once."
    )
    ended_at: AwareDatetime | None = Field(
        None,
        description="When the session ended (an offline quick log sent later); "
        "now when left out. Never later than now.",
    )
