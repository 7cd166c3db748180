"""Shapes of reminders, notification settings and notifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from woodshed.api.pagination import ListQuery
from woodshed.plans.schemas import LocalTime, Weekday
from woodshed.validation import Schema, line_rules, partial

ReminderKind = Literal["before_occurrence", "daily", "weekly", "inactivity", "goal_deadline"]
Channel = Literal["in_app", "email"]


class ReminderFields(Schema):
    kind: ReminderKind
    time: LocalTime | None = Field(
        None,
        validate_default=True,
        description="Local time (daily, weekly; optional for inactivity and goal_deadline).",
    )
    days: list[Weekday] = Field(
        default_factory=list,
        max_length=7,
        validate_default=True,
        description="Weekdays (weekly; daily with none means every day).",
    )
    minutes_before: int | None = Field(
        None, ge=0, le=10080, validate_default=True, description="before_occurrence."
    )
    after_days: int | None = Field(
        None, ge=1, le=365, validate_default=True, description="inactivity."
    )
    days_before: int | None = Field(
        None, ge=0, le=365, validate_default=True, description="goal_deadline."
    )
    plan_id: uuid.UUID | None = Field(None, description="before_occurrence: only this plan.")
    goal_id: uuid.UUID | None = Field(None, description="goal_deadline: only this goal.")
    channels: list[Channel] = Field(default_factory=lambda: ["in_app"], validate_default=True)
    message: Annotated[str, *line_rules(500)] = ""
    active: bool = True

    @field_validator("time")
    @classmethod
    def _time(cls, value, info: ValidationInfo):
        if value is None and info.data.get("kind") in ("daily", "weekly"):
            raise PydanticCustomError("required", "Enter the time of day, e.g. 18:00.")
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value, info: ValidationInfo):
        if value is None:
            return value
        if not value and info.data.get("kind") == "weekly":
            raise PydanticCustomError("required", "Choose at least one weekday.")
        order = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
        return sorted(set(value), key=order.index)

    @field_validator("minutes_before")
    @classmethod
    def _minutes(cls, value, info: ValidationInfo):
        if value is None and info.data.get("kind") == "before_occurrence":
            raise PydanticCustomError("required", "How many minutes before the practice?")
        return value

    @field_validator("after_days")
    @classmethod
    def _after(cls, value, info: ValidationInfo):
        if value is None and info.data.get("kind") == "inactivity":
            raise PydanticCustomError("required", "After how many days without practice?")
        return value

    @field_validator("days_before")
    @classmethod
    def _before(cls, value, info: ValidationInfo):
        if value is None and info.data.get("kind") == "goal_deadline":
            raise PydanticCustomError("required", "How many days before the goal's date?")
        return value

    @field_validator("channels")
    @classmethod
    def _channels(cls, value):
        if value is None:
            return value
        if not value:
            raise PydanticCustomError("channels", "Choose at least one channel (in-app or email).")
        return list(dict.fromkeys(value))


class ReminderIn(ReminderFields):
    id: uuid.UUID | None = Field(None, description="Optional client-chosen id (idempotent).")


#: PATCH: fields left out keep their value; the result is checked as a whole.
if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    ReminderUpdate = ReminderFields
else:
    ReminderUpdate = partial(ReminderFields, "ReminderUpdate")


class ReminderOut(Schema):
    id: uuid.UUID
    kind: ReminderKind
    time: str | None
    days: list[str]
    minutes_before: int | None
    after_days: int | None
    days_before: int | None
    plan_id: uuid.UUID | None
    goal_id: uuid.UUID | None
    channels: list[Channel]
    message: str
    active: bool
    next_due_at: datetime | None
    sent: int = Field(0, description="Reminders delivered so far.")
    practised_within_24h: int = Field(
        0, description="How many of the delivered reminders were followed by practice within 24 h."
    )
    version: int


class SettingsIn(Schema):
    quiet_start: LocalTime | None = None
    quiet_end: LocalTime | None = Field(None, validate_default=True)
    weekly_summary: bool = False
    comment_emails: bool = Field(
        True, description="Email when a teacher comments (a teacher: when a student replies)."
    )

    @field_validator("quiet_end")
    @classmethod
    def _pair(cls, value, info: ValidationInfo):
        if (value is None) != (info.data.get("quiet_start") is None) and "quiet_start" in (
            info.data
        ):
            raise PydanticCustomError("quiet", "Give both the start and the end of quiet hours.")
        return value


class SettingsOut(Schema):
    quiet_start: str | None
    quiet_end: str | None
    weekly_summary: bool
    comment_emails: bool


class NotificationOut(Schema):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    url: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationQuery(ListQuery):
    unread: bool | None = Field(None, description="Only unread (true) or read (false) ones.")


class UnreadOut(Schema):
    unread: int
