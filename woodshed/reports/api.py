"""`/reports` in the JSON API: a student's weekly report (SPEC §5 Teaching and family)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from woodshed import policy
from woodshed.api import ApiBlueprint
from woodshed.reports.services import as_dict, last_complete_week, weekly_report
from woodshed.validation import Schema


class ReportQuery(Schema):
    week: date | None = Field(
        None,
        description="A day of the week wanted (the report covers the student's week "
        "containing it); the latest week that has ended if left out.",
    )


class ReportItemOut(Schema):
    label: str
    minutes: int


class ReportTempoOut(Schema):
    label: str
    assignment: str
    best: int | None
    target: int


class ReportNoteOut(Schema):
    date: date
    text: str


class ReportOut(Schema):
    week_start: date
    week_end: date
    complete: bool = Field(description="Whether the week is over.")
    minutes: int
    sessions: int
    days: int
    items: list[ReportItemOut]
    tempo: list[ReportTempoOut] = Field(description="Assigned items with a tempo target.")
    struggles: list[ReportNoteOut]
    achievements: list[ReportNoteOut]


api = ApiBlueprint("reports_api", __name__, tag="Teaching")


@api.operation(
    "GET",
    "/reports",
    summary="A weekly practice report",
    query=ReportQuery,
    response=ReportOut,
    description="In the student's own week (time zone, week start, rollover). A teacher names "
    "the student with `profile_id` and never sees private entries counted. A week that has "
    "not begun is a 422 on `week`.",
)
def get_report(profile, query: ReportQuery):
    week = query.week or last_complete_week(profile)
    report = weekly_report(profile, week, include_private=policy.sees_private(profile))
    return as_dict(report)
