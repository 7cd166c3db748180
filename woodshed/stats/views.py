"""Stats pages: charts with tables, heatmap, badges, skip days; the dashboard panel."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from pydantic import ValidationError

from woodshed import policy
from woodshed.db import check_version
from woodshed.errors import FormErrors
from woodshed.profiles.models import MusicianProfile
from woodshed.stats import badges, charts, heatmap, services
from woodshed.stats.models import SkipPeriod
from woodshed.stats.schemas import SkipPeriodIn, SkipPeriodUpdate, TimeseriesQuery
from woodshed.validation import form_version, parse_form, validation_problem

bp = Blueprint("stats", __name__, url_prefix="/stats")

PANEL_WEEKS = 20


def journal_links():
    """A function giving the journal list filtered to one practice date (URL built once)."""
    base = url_for("journal.index")

    def link(day: date) -> str:
        return f"{base}?from={day.isoformat()}&to={day.isoformat()}"

    return link


def _page_range(profile: MusicianProfile) -> tuple[date, date, str, dict, dict]:
    """The page's range from the URL: (start, end, bucket, form values, errors)."""
    args = {k: v for k, v in request.args.items() if k in ("from", "to", "bucket") and v}
    start, end = charts.default_range(profile)
    try:
        query = TimeseriesQuery.model_validate({"bucket": "day", **args})
    except ValidationError as exc:
        return start, end, charts.auto_bucket(start, end), args, validation_problem(exc).messages
    if query.from_ is None and query.to is not None:
        start, end = query.to - timedelta(days=364), query.to
    elif query.from_ is not None:
        start, end = query.from_, query.to or max(profile.today(), query.from_)
        if (end - start).days > 7305:
            return (
                *charts.default_range(profile),
                "week",
                args,
                {"from": "Choose a range of at most 20 years."},
            )
    bucket = (args.get("bucket") and query.bucket) or charts.auto_bucket(start, end)
    return start, end, bucket, args, {}


def _presets(profile: MusicianProfile, all_time: dict) -> list[tuple[str, dict]]:
    """Ranges to choose with one click; `all_time` is the all-time row of the totals."""
    now = profile.today()
    first = all_time["first_date"] or now
    return [
        ("Last 30 days", {"from": now - timedelta(days=29), "to": now}),
        ("Last 90 days", {"from": now - timedelta(days=89), "to": now}),
        ("Last 12 months", {"from": now - timedelta(days=364), "to": now}),
        ("This year", {"from": now.replace(month=1, day=1), "to": now}),
        ("All time", {"from": min(first, now), "to": now}),
    ]


@bp.get("")
@login_required
def index():
    profile = policy.signed_in_profile(for_edit=False)
    start, end, bucket, form, errors = _page_range(profile)
    ctx = charts.Context(profile, start, end, bucket)
    *periods, range_totals = services.period_totals(profile, (start, end))
    page = render_template(
        "stats/index.html",
        profile=profile,
        start=start,
        end=end,
        bucket=bucket,
        form=form | {"from": form.get("from", start), "to": form.get("to", end)},
        errors=errors,
        presets=_presets(profile, periods[-1]),  # the last period is all time
        periods=periods,
        range_totals=range_totals,
        streaks=None if profile.quiet else services.streaks(profile, start, end),
        grid=ctx.calendar(journal_links()),
        charts=charts.build_all(ctx),
        progress=[charts.progress_rows(ctx, k) for k in charts.PROGRESS_KINDS],
        query={"from": start.isoformat(), "to": end.isoformat(), "bucket": bucket},
        charts_js=_chart_js_installed(),
    )
    return page, 422 if errors else 200


def _chart_js_installed() -> bool:
    """Chart.js is copied into static/vendor by `make assets`; without it, tables only."""
    static = current_app.static_folder
    assert static is not None  # the app serves woodshed/static
    return (Path(static) / "vendor" / "chart.umd.min.js").is_file()


@bp.get("/<chart>.csv")
@login_required
def chart_csv(chart: str):
    profile = policy.signed_in_profile(for_edit=False)
    start, end, bucket, _form, errors = _page_range(profile)
    if errors:
        abort(422)
    found = charts.one(charts.Context(profile, start, end, bucket), chart)
    if found is None:
        abort(404)
    filename = f"woodshed-{found.key}-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        charts.to_csv(found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/badges")
@login_required
def badges_page():
    profile = policy.signed_in_profile(for_edit=False)
    items = [] if profile.quiet else badges.overview(profile)
    return render_template("stats/badges.html", profile=profile, items=items)


# --- skip and vacation days ---------------------------------------------------------------


def _skip_page(errors: dict | None = None, form: dict | None = None, status: int = 200):
    profile = policy.signed_in_profile()
    return render_template(
        "stats/skip_days.html",
        profile=profile,
        periods=services.skip_periods(profile),
        errors=errors or {},
        form=form or {},
        row_errors={},
    ), status


@bp.get("/skip-days")
@login_required
def skip_days():
    return _skip_page()


@bp.post("/skip-days")
@login_required
def add_skip_days():
    profile = policy.signed_in_profile()
    try:
        services.add_skip_period(profile, parse_form(SkipPeriodIn, request.form))
    except FormErrors as exc:
        return _skip_page(exc.messages, request.form.to_dict(), 422)
    flash("Days off saved: they will not break your streak.", "success")
    return redirect(url_for("stats.skip_days"))


@bp.post("/skip-days/<uuid:period_id>")
@login_required
def update_skip_days(period_id: uuid.UUID):
    profile = policy.signed_in_profile()
    period = policy.owned_or_404(SkipPeriod, period_id, profile)
    try:
        data = parse_form(SkipPeriodUpdate, request.form)
        check_version(period, form_version(request.form))
        services.update_skip_period(profile, period, data.model_dump(exclude_unset=True))
    except FormErrors as exc:
        return _skip_page(exc.messages, request.form.to_dict() | {"id": str(period_id)}, 422)
    flash("Days off changed.", "success")
    return redirect(url_for("stats.skip_days"))


@bp.post("/skip-days/<uuid:period_id>/delete")
@login_required
def delete_skip_days(period_id: uuid.UUID):
    profile = policy.signed_in_profile()
    services.delete_skip_period(profile, policy.owned_or_404(SkipPeriod, period_id, profile))
    flash("Days off removed.", "success")
    return redirect(url_for("stats.skip_days"))


# --- dashboard --------------------------------------------------------------------------------


def dashboard_panel(profile: MusicianProfile) -> dict | None:
    """This week against the weekly goal, streak and consistency, and recent months."""
    now = profile.today()
    week_start = profile.week_start_index
    summary = services.summary(profile)
    start = now - timedelta(weeks=PANEL_WEEKS)
    grid = heatmap.build(
        services.heatmap(profile, start, now), start, now, week_start, journal_links()
    )
    return {
        "summary": summary,
        "goal": profile.weekly_goal_minutes,
        "grid": grid,
        "quiet": profile.quiet,
        "has_practice": summary["total_sessions"] > 0,
    }
