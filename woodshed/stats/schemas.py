"""Shapes of the statistics API and of the stats page's query string."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from woodshed.api.pagination import ListQuery
from woodshed.validation import Schema, line_rules, partial

#: Longest range a statistic may cover; longer ones are refused instead of run slowly.
MAX_RANGE_DAYS = 7305  # 20 years
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)

Bucket = Literal["day", "week", "month"]
BreakdownBy = Literal["instrument", "piece", "section", "skill", "tag"]
ProgressKind = Literal["piece", "section", "skill"]
Stage = Literal["beginner", "intermediate", "advanced"]
Trend = Literal["improving", "steady", "declining"]
Reason = Annotated[str, *line_rules(200)]


def _bounded(value: date | None) -> date | None:
    if value is not None and not (EARLIEST <= value <= LATEST):
        raise PydanticCustomError("date_bounds", "Enter a date between 1900 and 2200.")
    return value


class RangeQuery(Schema):
    """`from`/`to` (practice dates, both inclusive) limit a statistic to a range."""

    from_: date | None = Field(None, alias="from", description="First practice date (YYYY-MM-DD).")
    to: date | None = Field(None, description="Last practice date (YYYY-MM-DD).")

    model_config = {**Schema.model_config, "populate_by_name": True}

    @field_validator("from_", "to")
    @classmethod
    def _in_bounds(cls, value: date | None) -> date | None:
        return _bounded(value)

    @field_validator("to")
    @classmethod
    def _range(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("from_")
        if value is not None and start is not None:
            if start > value:
                raise PydanticCustomError("date_range", "The end date is before the start date.")
            if (value - start).days > MAX_RANGE_DAYS:
                raise PydanticCustomError("date_range", "Choose a range of at most 20 years.")
        return value


class HeatmapQuery(RangeQuery):
    year: int | None = Field(
        None, ge=1900, le=2200, description="A calendar year; or give `from`/`to` instead."
    )

    @field_validator("year")
    @classmethod
    def _year_or_range(cls, year: int | None, info: ValidationInfo) -> int | None:
        ranged = info.data.get("from_") is not None or info.data.get("to") is not None
        if year is not None and ranged:
            raise PydanticCustomError("year_or_range", "Give either a year or from/to, not both.")
        return year


class TimeseriesQuery(RangeQuery):
    bucket: Bucket = Field("day", description="Group by day, week (your week start) or month.")


class BreakdownQuery(RangeQuery):
    by: BreakdownBy = Field(description="What to break the practice time down by.")


class ProgressQuery(RangeQuery):
    kind: ProgressKind = Field("piece", description="Pieces, sections or skills.")


class SummaryOut(Schema):
    total_minutes: int
    total_sessions: int
    practice_days: int
    average_minutes: float | None = Field(description="Minutes per session; null without any.")
    today_minutes: int
    week_minutes: int
    month_minutes: int
    year_minutes: int
    current_streak: int | None = Field(description="Null in quiet mode.")
    longest_streak: int | None = Field(description="Within the range; null in quiet mode.")
    consistency: int | None = Field(description="0–100 habit strength; null in quiet mode.")


class HeatmapCell(Schema):
    date: date
    minutes: int
    sessions: int


class HeatmapOut(Schema):
    items: list[HeatmapCell]


class TimeseriesPoint(Schema):
    start: date = Field(description="First day of the bucket.")
    minutes: int
    sessions: int
    practice_days: int
    moving_average: float = Field(description="Trailing mean minutes (7 days/4 weeks/3 months).")


class TimeseriesOut(Schema):
    bucket: Bucket
    items: list[TimeseriesPoint]


class BreakdownRow(Schema):
    id: uuid.UUID | None = Field(description="The object's id; null for 'No instrument'.")
    label: str
    minutes: int
    sessions: int
    average_quality: float | None
    average_enjoyment: float | None


class BreakdownOut(Schema):
    by: BreakdownBy
    items: list[BreakdownRow]


class StreaksOut(Schema):
    """In quiet mode every field is null: streaks are not shown at all."""

    current_streak: int | None
    longest_streak: int | None = Field(description="Longest streak with its days in the range.")
    longest_start: date | None
    longest_end: date | None
    consistency: int | None = Field(description="0–100 habit strength (docs/formulas.md).")
    practice_days: int | None
    excused_days: int | None = Field(description="Rest weekdays and skip days in the range.")


class ProgressRow(Schema):
    id: uuid.UUID
    label: str
    sessions: int
    minutes: int
    stage: Stage | None = Field(description="Null with fewer than 3 sessions.")
    percentage: int | None = Field(description="0–100; null with fewer than 3 sessions.")
    trend: Trend | None = Field(description="Null with fewer than 3 sessions.")
    last_practised: date | None
    message: str | None = Field(description="'Not enough data yet' when there is too little.")


class ProgressOut(Schema):
    kind: ProgressKind
    items: list[ProgressRow]


class BadgeOut(Schema):
    code: str
    title: str
    description: str
    earned: bool
    earned_at: datetime | None
    current: int
    target: int
    percent: int


class SkipPeriodFields(Schema):
    start_date: date = Field(description="First day off.")
    end_date: date = Field(description="Last day off (the same as start_date for one day).")
    reason: Reason = Field("", description="E.g. 'holiday', 'ill', 'exam week'.")

    @field_validator("start_date", "end_date")
    @classmethod
    def _in_bounds(cls, value: date) -> date | None:
        return _bounded(value)

    @field_validator("end_date")
    @classmethod
    def _order(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and value < start:
            raise PydanticCustomError("date_range", "The end date is before the start date.")
        if start is not None and (value - start).days > 366:
            raise PydanticCustomError("date_range", "Mark at most a year at a time.")
        return value


class SkipPeriodIn(SkipPeriodFields):
    id: uuid.UUID | None = Field(
        None, description="Optional client-chosen id: re-sending it returns the same period."
    )


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    SkipPeriodUpdate = SkipPeriodFields
else:
    SkipPeriodUpdate = partial(SkipPeriodFields, "SkipPeriodUpdate")


class SkipPeriodOut(Schema):
    id: uuid.UUID
    start_date: date
    end_date: date
    reason: str
    version: int


class SkipPeriodQuery(ListQuery):
    pass
