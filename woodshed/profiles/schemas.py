"""Profile and instrument shapes; `/api/v1/me` and the settings form share them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator

from woodshed.validation import Schema, Timezone, line_rules, max_length, partial, text_rules

DisplayName = Annotated[str, *line_rules(100, required=True)]
InstrumentName = Annotated[str, *line_rules(100, required=True)]
GoalsText = Annotated[str, *text_rules(2000)]

Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
Level = Literal["beginner", "intermediate", "advanced", "professional"]
MotivationMode = Literal["playful", "quiet"]
Locale = Annotated[str, *max_length(20, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
RolloverHour = Annotated[
    int, Field(ge=0, le=6, description="Hour (0–6) at which the practice day begins.")
]

LEVEL_LABELS = {
    "beginner": "Beginner",
    "intermediate": "Intermediate",
    "advanced": "Advanced",
    "professional": "Professional",
}
WEEKDAY_LABELS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}


class ProfileFields(Schema):
    display_name: DisplayName
    timezone: Timezone
    day_rollover_hour: RolloverHour = 4
    week_start: Weekday = "MO"
    rest_weekdays: list[Weekday] = Field(default_factory=list, max_length=6)
    skill_level: Level | None = None
    practice_goals: GoalsText = ""
    motivation_mode: MotivationMode = "playful"
    locale: Locale = "en"
    daily_minimum_minutes: int = Field(1, ge=1, le=600)
    weekly_goal_minutes: int | None = Field(None, ge=1, le=7 * 24 * 60)

    @field_validator("rest_weekdays")
    @classmethod
    def _unique_days(cls, value: list[str]) -> list[str]:
        return sorted(set(value), key=list(WEEKDAY_LABELS).index)


#: A child profile's settings that are its guardian's (docs/children.md): a child's days and
#: weeks are the family's, set on the guardian's own profile and passed on to the children.
GUARDIANS_FIELDS = ("timezone", "day_rollover_hour", "week_start", "locale")


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    ProfileUpdate = ProfileFields
else:
    ProfileUpdate = partial(ProfileFields, "ProfileUpdate")


class MeOut(Schema):
    id: uuid.UUID
    email: str
    display_name: str
    timezone: str
    day_rollover_hour: int
    week_start: Weekday
    motivation_mode: MotivationMode
    rest_weekdays: list[Weekday]
    skill_level: Level | None
    practice_goals: str
    locale: str
    daily_minimum_minutes: int
    weekly_goal_minutes: int | None
    profile_id: uuid.UUID
    is_admin: bool
    mfa_enabled: bool = Field(description="Whether the account signs in with a second factor.")


class InstrumentFields(Schema):
    name: InstrumentName
    level: Level | None = None
    since: date | None = Field(None, description="Playing since (YYYY-MM-DD).")

    @field_validator("since")
    @classmethod
    def _not_future(cls, value: date | None) -> date | None:
        if value is not None and (value.year < 1900 or value > date.today()):
            raise ValueError("Enter a date between 1900 and today.")
        return value


class InstrumentIn(InstrumentFields):
    id: uuid.UUID | None = Field(
        None, description="Optional client-chosen id; re-sending is a no-op."
    )


if TYPE_CHECKING:  # the checker sees the fields; each is optional at run time
    InstrumentUpdate = InstrumentFields
else:
    InstrumentUpdate = partial(InstrumentFields, "InstrumentUpdate")


class InstrumentOut(Schema):
    id: uuid.UUID
    name: str
    level: Level | None
    since: date | None
