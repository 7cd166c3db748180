"""Weekly report pages, for the student and (under `/students/<id>/`) their teacher."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from woodshed import policy
from woodshed.errors import DomainError, NotFound, Problem
from woodshed.reports.services import FUTURE_WEEK, first_week, week_of, weekly_report

bp = Blueprint("reports", __name__, url_prefix="/reports")
WEEKS_LISTED = 8


@bp.get("")
@login_required
def index():
    profile = policy.signed_in_profile()
    include_private = policy.sees_private(profile)
    today = profile.today()
    start, _ = week_of(profile, today)
    first = first_week(profile, include_private=include_private)
    weeks = [start - timedelta(days=7 * n) for n in range(WEEKS_LISTED)]
    weeks = [w for w in weeks if w >= first]
    return render_template(
        "reports/index.html",
        weeks=[(w, weekly_report(profile, w, include_private=include_private)) for w in weeks],
        own=policy.can_edit(current_user._get_current_object(), profile),
    )


@bp.get("/<week_start>")
@login_required
def week(week_start: str):
    profile = policy.signed_in_profile()
    try:
        day = date.fromisoformat(week_start)
    except ValueError:
        raise NotFound() from None
    include_private = policy.sees_private(profile)
    try:
        report = weekly_report(profile, day, include_private=include_private)
    except DomainError:
        raise Problem(422, FUTURE_WEEK) from None
    start = report.week_start
    first = first_week(profile, include_private=include_private)
    if start < first:
        raise NotFound()  # before the musician existed: no page lists or links such a week
    return render_template(
        "reports/week.html",
        report=report,
        sees_private=include_private,
        previous=start - timedelta(days=7) if start > first else None,
        next=start + timedelta(days=7) if report.complete else None,
    )
