"""Shapes of plans, occurrences and templates for forms, the API and OpenAPI."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from woodshed.api.pagination import ListQuery
from woodshed.db import utcnow
from woodshed.journal.schemas import SessionIn
from woodshed.plans import schedule as sched
from woodshed.validation import (
    Name,
    Schema,
    control_rules,
    line_rules,
    max_length,
    partial,
    text_rules,
)

PlanKind = Literal["bootcamp", "course", "custom"]
PlanStatus = Literal["active", "archived"]
Flexibility = Literal["fixed", "same_day", "same_week"]
OccurrenceStatus = Literal["scheduled", "completed", "skipped", "expired"]
Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
Minutes = Annotated[int, Field(ge=1, le=600, description="Minutes, 1–600.")]
Tempo = Annotated[int, Field(ge=1, le=400, description="Beats per minute.")]
LocalTime = Annotated[
    str,
    Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Local wall-clock time, HH:MM."),
]
# Control characters are refused first: Python's datetime.fromisoformat reads
# "2026-12-01T18:00\x00" as 18:00, dropping the NUL.
LocalStart = Annotated[
    str,
    *max_length(25),
    *control_rules(),
    Field(
        description="Local wall-clock date and time without offset, e.g. 2026-12-01T18:00; "
        "read in the musician's time zone.",
    ),
]
RuleText = Annotated[str, *max_length(300), Field(description="RRULE subset, see docs/plans.md.")]
Description = Annotated[str, *text_rules(5000)]
MAX_PAST_DAYS = 365
MAX_FUTURE_DAYS = 730


def parse_local_start(value: str) -> str:
    """`2026-12-01T18:00` (or with a space) → canonical `YYYY-MM-DDTHH:MM`; offsets refused."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        raise PydanticCustomError(
            "local_start", "Enter a local date and time like 2026-12-01T18:00."
        ) from None
    if parsed.tzinfo is not None:
        raise PydanticCustomError(
            "local_start",
            "Give the local time without an offset; it is read in your time zone.",
        )
    return parsed.strftime("%Y-%m-%dT%H:%M")


def _check_range(day: date) -> None:
    today = utcnow().date()
    if day < today - timedelta(days=MAX_PAST_DAYS):
        raise PydanticCustomError("too_old", "Start at most a year in the past.")
    if day > today + timedelta(days=MAX_FUTURE_DAYS):
        raise PydanticCustomError("too_far", "Start within the next two years.")


class ScheduleIn(Schema):
    """`single`: start + duration; `recurring`: rrule, start_date, time_of_day, duration."""

    kind: Literal["single", "recurring"]
    start: LocalStart | None = Field(None, validate_default=True)
    start_date: date | None = Field(None, validate_default=True)
    end_date: date | None = None
    time_of_day: LocalTime | None = Field(None, validate_default=True)
    duration_minutes: Minutes
    flexibility: Flexibility = Field(
        "same_day",
        description="fixed: at the planned time (check in until the day ends); "
        "same_day: any time that practice day; same_week: any day that week.",
    )
    rrule: RuleText | None = Field(None, validate_default=True)

    @field_validator("start")
    @classmethod
    def _start(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") != "single":
            return None
        if not value:
            raise PydanticCustomError("required", "Enter when to practise.")
        canonical = parse_local_start(value)
        _check_range(date.fromisoformat(canonical[:10]))
        return canonical

    @field_validator("start_date")
    @classmethod
    def _start_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("kind") != "recurring":
            return None
        if value is None:
            raise PydanticCustomError("required", "Enter the first day of the plan.")
        _check_range(value)
        return value

    @field_validator("end_date")
    @classmethod
    def _end_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if info.data.get("kind") != "recurring":
            return None
        if value is not None and start is not None and value < start:
            raise PydanticCustomError("date_range", "The end date is before the start date.")
        return value

    @field_validator("time_of_day")
    @classmethod
    def _time(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") != "recurring":
            return None
        if value is None:
            raise PydanticCustomError("required", "Enter the time of day, e.g. 18:00.")
        return value

    @field_validator("rrule")
    @classmethod
    def _rule(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") != "recurring":
            return None
        if not value:
            raise PydanticCustomError("required", "Enter how often the plan repeats.")
        try:
            rule = sched.parse_rrule(value)
        except sched.RuleError as exc:
            raise PydanticCustomError("rrule", str(exc)) from None
        start = info.data.get("start_date")
        if start is not None and rule.until is not None:
            until = rule.until.date() if isinstance(rule.until, datetime) else rule.until
            if until < start:
                raise PydanticCustomError("until", "UNTIL is before the plan's start date.")
        return rule.text()


class ScheduleOut(Schema):
    kind: Literal["single", "recurring"]
    start: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    time_of_day: str | None = None
    duration_minutes: int
    flexibility: Flexibility = "same_day"
    rrule: str | None = None


class PlanItemIn(Schema):
    piece_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    skill_id: uuid.UUID | None = None
    target_minutes: Minutes | None = None
    target_tempo_bpm: Tempo | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> PlanItemIn:
        music = self.piece_id is not None or self.section_id is not None
        if music and self.skill_id is not None:
            raise PydanticCustomError(
                "item_subject", "An item is either a piece/section or a skill, not both."
            )
        if not music and self.skill_id is None:
            raise PydanticCustomError("item_subject", "Choose a piece, section or skill.")
        if self.skill_id is not None and self.target_tempo_bpm is not None:
            raise PydanticCustomError(
                "item_subject", "A target tempo belongs to a piece or section, not a skill."
            )
        return self


class PlanFields(Schema):
    title: Name
    description: Description = ""
    notes: Description = Field("", description="Private notes; never copied into a template.")
    kind: PlanKind = "custom"
    instrument_id: uuid.UUID | None = None
    schedule: ScheduleIn
    items: list[PlanItemIn] = Field(default_factory=list, max_length=30)


class PlanIn(PlanFields):
    id: uuid.UUID | None = Field(None, description="Optional client-chosen id (idempotent).")


class _PlanUpdateFields(PlanFields):
    status: PlanStatus = "active"


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    PlanUpdate = _PlanUpdateFields
else:
    PlanUpdate = partial(_PlanUpdateFields, "PlanUpdate")


class PlanItemOut(Schema):
    id: uuid.UUID
    piece_id: uuid.UUID | None
    section_id: uuid.UUID | None
    skill_id: uuid.UUID | None
    target_minutes: int | None
    target_tempo_bpm: int | None
    label: str


class PlanOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    notes: str
    kind: PlanKind
    status: PlanStatus
    instrument_id: uuid.UUID | None
    schedule: ScheduleOut
    items: list[PlanItemOut]
    version: int
    created_at: datetime
    updated_at: datetime


class PlanQuery(ListQuery):
    status: PlanStatus | None = None


class OccurrenceOut(Schema):
    id: uuid.UUID
    plan_id: uuid.UUID
    scheduled_start: datetime
    scheduled_end: datetime
    status: OccurrenceStatus
    session_id: uuid.UUID | None
    practice_date: date = Field(description="The musician's day this occurrence is planned for.")
    window_start: datetime
    window_end: datetime = Field(description="After this instant an unchecked occurrence expires.")
    recurrence_key: str
    rescheduled: bool
    skip_reason: str


class OccurrenceQuery(ListQuery):
    from_: date | None = Field(None, alias="from", description="First practice date.")
    to: date | None = Field(None, description="Last practice date.")
    model_config = {**ListQuery.model_config, "populate_by_name": True}

    @field_validator("to")
    @classmethod
    def _range(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("from_")
        if value is not None and start is not None and start > value:
            raise PydanticCustomError("date_range", "The end date is before the start date.")
        return value


class SkipIn(Schema):
    reason: Annotated[str, *line_rules(500)] = ""


class RescheduleIn(Schema):
    start: LocalStart = Field(description="New local start, e.g. 2026-12-02T19:00.")
    duration_minutes: Minutes | None = None

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        return parse_local_start(value)


class UndoIn(Schema):
    delete_session: bool = Field(
        False,
        description="Undoing a check-in keeps the journal entry (the practice happened) "
        "unless this is true.",
    )


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    CheckInIn = SessionIn
else:
    CheckInIn = partial(SessionIn, "CheckInIn")


# --- templates ------------------------------------------------------------------------------


class SlotOut(Schema):
    kind: Literal["piece", "skill"]
    label: str
    target_minutes: int | None = None
    target_tempo_bpm: int | None = None


class TemplateOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    kind: PlanKind
    pattern: dict
    slots: list[SlotOut]
    published: bool
    published_at: datetime | None
    created_at: datetime


class SharedTemplateOut(Schema):
    """What a person who has the link sees (no ids of the author's data)."""

    title: str
    description: str
    kind: PlanKind
    pattern: dict
    slots: list[SlotOut]
    author: str


class TemplateFromPlanIn(Schema):
    plan_id: uuid.UUID


class PublishOut(Schema):
    url: str = Field(description="The share link; shown once, only its hash is stored.")


class SharedQuery(Schema):
    token: Annotated[str, *max_length(200)] = Field(description="The token from the share link.")


class SlotChoice(Schema):
    slot: int = Field(ge=0, le=29, description="Index into the template's slots.")
    piece_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    skill_id: uuid.UUID | None = None


class AdoptIn(Schema):
    token: Annotated[str, *max_length(200)] | None = Field(
        None, description="A share link's token …"
    )
    template_id: uuid.UUID | None = Field(None, description="… or one of your own templates.")
    title: Annotated[str, *line_rules(200)] | None = None
    start_date: date
    time_of_day: LocalTime | None = None
    days: list[Weekday] = Field(
        default_factory=list,
        max_length=7,
        description="Weekdays to practise (daily and weekly templates); empty keeps the "
        "template's days.",
    )
    choices: list[SlotChoice] = Field(default_factory=list, max_length=30)

    @field_validator("start_date")
    @classmethod
    def _start(cls, value: date) -> date:
        _check_range(value)
        return value

    @model_validator(mode="after")
    def _source(self) -> AdoptIn:
        if (self.token is None) == (self.template_id is None):
            raise PydanticCustomError("source", "Give either a share token or a template_id.")
        return self


class CalendarOut(Schema):
    url: str | None = Field(
        description="The feed address; only returned when it is created (stored hashed)."
    )
    active: bool
    created_at: datetime | None = None
