"""`/stats/…`, `/badges` and `/skip-days` in the JSON API."""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply, if_match_version
from woodshed.api.pagination import Page
from woodshed.db import check_version
from woodshed.stats import badges, services
from woodshed.stats import progress as engine
from woodshed.stats.models import SkipPeriod
from woodshed.stats.ranges import resolve, year_range
from woodshed.stats.schemas import (
    BadgeOut,
    BreakdownOut,
    BreakdownQuery,
    HeatmapOut,
    HeatmapQuery,
    ProgressOut,
    ProgressQuery,
    RangeQuery,
    SkipPeriodIn,
    SkipPeriodOut,
    SkipPeriodQuery,
    SkipPeriodUpdate,
    StreaksOut,
    SummaryOut,
    TimeseriesOut,
    TimeseriesQuery,
)

api = ApiBlueprint("stats_api", __name__, tag="Statistics")

RANGE_NOTE = (
    " `from`/`to` are practice dates (inclusive); a range longer than 20 years or ending "
    "before it starts is refused with 422."
)


@api.operation(
    "GET",
    "/stats/summary",
    summary="Totals, streaks and consistency",
    query=RangeQuery,
    response=SummaryOut,
    description="Without `from`/`to` the totals cover all time; today/week/month/year are "
    "always the current ones, and the streaks and consistency are as of today (null in "
    "quiet mode)." + RANGE_NOTE,
)
def summary(profile, query: RangeQuery):
    return services.summary(profile, query.from_, query.to)


@api.operation(
    "GET",
    "/stats/heatmap",
    summary="Minutes and sessions per practice date",
    query=HeatmapQuery,
    response=HeatmapOut,
    description="One item per practice date with sessions, for `year` (default: this year) "
    "or `from`/`to`." + RANGE_NOTE,
)
def heatmap(profile, query: HeatmapQuery):
    if query.from_ is None and query.to is None:
        start, end = year_range(query.year or profile.today().year)
    else:
        start, end = resolve(profile, query)
    return {"items": services.heatmap(profile, start, end)}


@api.operation(
    "GET",
    "/stats/timeseries",
    summary="Practice time per day, week or month, with a moving average",
    query=TimeseriesQuery,
    response=TimeseriesOut,
    description="Every bucket in the range is present, zeros included. Default range: "
    "from the first practice date to today." + RANGE_NOTE,
)
def timeseries(profile, query: TimeseriesQuery):
    start, end = resolve(profile, query)
    return {"bucket": query.bucket, "items": services.timeseries(profile, start, end, query.bucket)}


@api.operation(
    "GET",
    "/stats/breakdown",
    summary="Practice time per instrument, piece, section, skill or tag",
    query=BreakdownQuery,
    response=BreakdownOut,
    description="Items without minutes share what their session has left; a tag or an "
    "instrument gets the whole session (docs/formulas.md). Default: all time." + RANGE_NOTE,
)
def breakdown(profile, query: BreakdownQuery):
    return {"by": query.by, "items": services.breakdown(profile, query.by, query.from_, query.to)}


@api.operation(
    "GET",
    "/stats/streaks",
    summary="Current and longest streak and consistency",
    query=RangeQuery,
    response=StreaksOut,
    description="The current streak and consistency are as of today; the longest streak "
    "counts only days inside the range (default: all time). Rest weekdays and skip days "
    "neither break nor extend a streak. Every field is null in quiet mode." + RANGE_NOTE,
)
def streaks(profile, query: RangeQuery):
    if profile.quiet:
        return dict.fromkeys(StreaksOut.model_fields)
    return services.streaks(profile, query.from_, query.to)


@api.operation(
    "GET",
    "/stats/progress",
    summary="Progress stage, percentage and trend per piece, section or skill",
    query=ProgressQuery,
    response=ProgressOut,
    description="Computed as of `to` (default today) for everything practised since `from` "
    "(default: ever); with fewer than 3 sessions the numbers are null and `message` says "
    "'Not enough data yet'. Formula: docs/formulas.md." + RANGE_NOTE,
)
def progress(profile, query: ProgressQuery):
    return {
        "kind": query.kind,
        "items": engine.progress_list(profile, query.kind, query.from_, query.to),
    }


@api.operation(
    "GET",
    "/badges",
    summary="Badges: earned ones and the progress towards the others",
    response=Page[BadgeOut],
    description="Empty in quiet mode (badges are not shown at all).",
)
def list_badges(profile):
    return Page(items=[] if profile.quiet else badges.overview(profile))


# --- skip and vacation days ---------------------------------------------------------------


@api.operation(
    "GET",
    "/skip-days",
    summary="Your skip and vacation periods, latest first",
    query=SkipPeriodQuery,
    response=Page[SkipPeriodOut],
)
def list_skip_days(profile, query: SkipPeriodQuery):
    items, cursor = services.list_skip_periods(profile, query)
    return Page(items=items, next_cursor=cursor)


@api.operation(
    "POST",
    "/skip-days",
    summary="Mark skip or vacation days",
    body=SkipPeriodIn,
    response=SkipPeriodOut,
    status=201,
    etag=True,
    idempotent_create=True,
    description="Days in the period neither break nor extend a streak. Re-sending the same "
    "client `id` returns the stored period with 200.",
)
def create_skip_days(profile, body: SkipPeriodIn):
    period, created = services.add_skip_period(profile, body)
    return Reply(period, status=201 if created else 200, version=period.version)


@api.operation(
    "GET",
    "/skip-days/<uuid:period_id>",
    summary="One skip or vacation period",
    response=SkipPeriodOut,
    etag=True,
)
def get_skip_days(profile, period_id: uuid.UUID):
    period = policy.owned_or_404(SkipPeriod, period_id, profile)
    return Reply(period, version=period.version)


@api.operation(
    "PATCH",
    "/skip-days/<uuid:period_id>",
    summary="Change a skip or vacation period",
    body=SkipPeriodUpdate,
    response=SkipPeriodOut,
    etag=True,
)
def patch_skip_days(profile, period_id: uuid.UUID, body: SkipPeriodUpdate):
    period = policy.owned_or_404(SkipPeriod, period_id, profile)
    check_version(period, if_match_version())
    services.update_skip_period(profile, period, body.model_dump(exclude_unset=True))
    return Reply(period, version=period.version)


@api.operation(
    "DELETE",
    "/skip-days/<uuid:period_id>",
    summary="Remove a skip or vacation period",
    status=204,
    etag=True,
)
def delete_skip_days(profile, period_id: uuid.UUID):
    period = policy.owned_or_404(SkipPeriod, period_id, profile)
    check_version(period, if_match_version())
    services.delete_skip_period(profile, period)
