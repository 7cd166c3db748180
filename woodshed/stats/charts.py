"""The stats page's charts: each one a table of numbers (the no-JS version and the CSV)
that the page's script can also draw with Chart.js."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from markupsafe import Markup, escape

from woodshed.dates import format_date
from woodshed.db import db
from woodshed.goals.models import Goal
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Section
from woodshed.stats import heatmap, progress, rollup, services
from woodshed.stats.models import DailyBreakdown
from woodshed.stats.rollup import BreakdownSums, TotalSums

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TOP = 20


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    series: str | None = None  # "bar" or "line" when the chart draws this column


@dataclass
class Chart:
    key: str
    title: str
    description: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    kind: str = "bar"  # bar, line, hbar, table (no drawing)
    empty: str = "Nothing logged in this range yet."

    @property
    def drawn(self) -> bool:
        return self.kind != "table" and bool(self.rows)

    def body(self) -> Markup:
        """The table's rows as HTML: a row header, then cells; numbers carry data-value
        for the page's script. Built here rather than in Jinja: the page has thousands."""
        rows = []
        for head, *values in self.rows:
            cells = []
            for value in values:
                if value is None:
                    cells.append('<td class="num" data-value="">–</td>')
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    cells.append(f'<td class="num" data-value="{value}">{value}</td>')
                else:
                    cells.append(f"<td>{escape(display(value))}</td>")
            rows.append(f'<tr><th scope="row">{escape(display(head))}</th>{"".join(cells)}</tr>')
        return Markup("".join(rows))  # noqa: S704  (numbers and escaped text only)


def display(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, date):
        return format_date(value)
    return str(value)


#: The rollup dimensions the page's charts read, fetched together.
CHART_DIMENSIONS = (*services.BREAKDOWNS, "hour", "length", "goal")
PROGRESS_KINDS = ("piece", "section", "skill")


@dataclass
class Context:
    """What the charts of one page request share, each read once for all of them."""

    profile: MusicianProfile
    start: date
    end: date
    bucket: str
    _totals: dict | None = None
    _sums: dict | None = None
    _labels: dict | None = None
    _progress: dict | None = None

    @property
    def detail(self) -> str:
        """The bucket of the ratings and preparation charts (a day is too fine for them)."""
        return "week" if self.bucket == "day" else self.bucket

    def spans(self) -> dict[str, services.Span]:
        """How the page groups its daily totals: the calendar's days (the last year of the
        range), the time chart's buckets, the other charts' buckets and the weekdays."""
        calendar_start = max(self.start, self.end - timedelta(days=364))
        return {
            "calendar": services.Span("day", calendar_start, self.end),
            "time": services.Span(self.bucket, self.start, self.end),
            "detail": services.Span(self.detail, self.start, self.end),
            "weekday": services.Span("weekday", self.start, self.end),
        }

    def totals(self, use: str) -> dict:
        """The buckets with practice of one grouping, by key (every grouping of the page is
        read in one statement, on first use)."""
        spans = self.spans()
        if self._totals is None:
            self._totals = services.grouped_totals(
                self.profile, list(spans.values()), TotalSums.FIELDS
            )
        return self._totals[spans[use]]

    def every(self, use: str) -> list[services.Bucket]:
        """Every bucket of a grouping over time, oldest first, zeros included."""
        week_start = self.profile.week_start_index
        return services.every_bucket(self.totals(use), self.spans()[use], week_start)

    @property
    def practised(self) -> bool:
        """Anything logged in the range at all."""
        return bool(self.totals("weekday"))

    def sums(self, dimension: str) -> dict[str, BreakdownSums]:
        """The range's rollup sums per key of one dimension (every chart dimension is read
        in one statement, on first use)."""
        if self._sums is None:
            self._sums = services.dimension_sums(
                self.profile, CHART_DIMENSIONS, self.start, self.end
            )
        return self._sums[dimension]

    def labels(self, kind: str) -> dict[str, str]:
        """Names of everything practised in the range, per kind (one statement)."""
        if self._labels is None:
            self._labels = services.labels(
                self.profile, {kind: list(self.sums(kind)) for kind in services.BREAKDOWNS}
            )
        return self._labels[kind]

    def progress(self, kind: str) -> list[dict]:
        """Progress of the pieces, sections or skills practised in the range, labelled."""
        if self._progress is None:
            labels = {kind: self.labels(kind) for kind in PROGRESS_KINDS}
            self._progress = progress.progress_lists(
                self.profile, PROGRESS_KINDS, self.start, self.end, labels
            )
        return self._progress[kind]

    def calendar(self, link: Callable[[date], str]) -> heatmap.Heatmap:
        """The last year of the range (all of it when shorter) as a heatmap, with the same
        cells as the API's heatmap; `link` gives each practised day's address."""
        cells = services.heatmap_cells(list(self.totals("calendar").values()))
        span = self.spans()["calendar"]
        week_start = self.profile.week_start_index
        return heatmap.build(cells, span.start, span.end, week_start, link)


def auto_bucket(start: date, end: date) -> str:
    span = (end - start).days
    if span <= 62:
        return "day"
    if span <= 731:
        return "week"
    return "month"


def _avg(total: int, n: int) -> float | None:
    return round(total / n, 2) if n else None


def time_chart(ctx: Context) -> Chart:
    window = services.MOVING_AVERAGE[ctx.bucket]
    unit = {"day": "days", "week": "weeks", "month": "months"}[ctx.bucket]
    chart = Chart(
        "time",
        f"Practice time per {ctx.bucket}",
        f"Minutes per {ctx.bucket}, with the average of the last {window} {unit}.",
        [
            Column("start", ctx.bucket.title()),
            Column("minutes", "Minutes", "bar"),
            Column("moving_average", f"{window}-{ctx.bucket} average", "line"),
            Column("sessions", "Sessions"),
        ],
    )
    if not ctx.practised:
        return chart
    for item in services.series(ctx.every("time"), ctx.bucket):
        chart.rows.append(
            [item["start"], item["minutes"], item["moving_average"], item["sessions"]]
        )
    return chart


def weekday_chart(ctx: Context) -> Chart:
    chart = Chart(
        "weekday",
        "Practice by weekday",
        "Total minutes and sessions on each day of the week (by practice date).",
        [
            Column("weekday", "Weekday"),
            Column("minutes", "Minutes", "bar"),
            Column("sessions", "Sessions"),
            Column("average_minutes", "Minutes per session"),
        ],
    )
    if not ctx.practised:
        return chart
    weekdays = ctx.totals("weekday")
    first = ctx.profile.week_start_index
    for i in range(7):
        wd = (first + i) % 7
        day = weekdays.get(wd) or services.Bucket(wd, services.NOTHING)
        minutes, sessions = day.sums.minutes, day.sums.sessions
        chart.rows.append([WEEKDAY_NAMES[wd], minutes, sessions, _avg(minutes, sessions)])
    return chart


def hour_chart(ctx: Context) -> Chart:
    chart = Chart(
        "hour",
        "Best time of day",
        "Minutes by the hour sessions started (local time where they were logged), with "
        "the average quality and enjoyment you gave them.",
        [
            Column("hour", "Starting hour"),
            Column("minutes", "Minutes", "bar"),
            Column("sessions", "Sessions"),
            Column("average_quality", "Average quality"),
            Column("average_enjoyment", "Average enjoyment"),
        ],
    )
    sums = ctx.sums("hour")
    for key in sorted(sums):
        hour = sums[key]
        chart.rows.append(
            [
                f"{key}:00",
                hour.minutes,
                hour.sessions,
                hour.average("quality"),
                hour.average("enjoyment"),
            ]
        )
    return chart


def length_chart(ctx: Context) -> Chart:
    chart = Chart(
        "length",
        "Enjoyment and session length",
        "How much you enjoyed sessions (and rated their quality) by how long they were.",
        [
            Column("length", "Session length (min)"),
            Column("sessions", "Sessions"),
            Column("average_enjoyment", "Average enjoyment", "bar"),
            Column("average_quality", "Average quality", "bar"),
        ],
    )
    sums = ctx.sums("length")
    for _lower, key in rollup.LENGTH_BUCKETS:
        if key in sums:
            length = sums[key]
            chart.rows.append(
                [key, length.sessions, length.average("enjoyment"), length.average("quality")]
            )
    return chart


def ratings_chart(ctx: Context) -> Chart:
    chart = Chart(
        "ratings",
        "Mood, quality and enjoyment",
        f"Average of the ratings you gave, per {ctx.detail} (1–5; blank when none were given).",
        [
            Column("start", ctx.detail.title()),
            Column("mood", "Mood", "line"),
            Column("quality", "Quality", "line"),
            Column("enjoyment", "Enjoyment", "line"),
        ],
        kind="line",
    )
    buckets = ctx.every("detail")
    if not any(b.sums.mood_n or b.sums.quality_n or b.sums.enjoyment_n for b in buckets):
        return chart
    for b in buckets:
        chart.rows.append([b.key, b.average("mood"), b.average("quality"), b.average("enjoyment")])
    return chart


def prep_chart(ctx: Context) -> Chart:
    chart = Chart(
        "prep",
        "Exam and performance preparation",
        f"Minutes of sessions marked as exam or performance preparation, per {ctx.detail}.",
        [
            Column("start", ctx.detail.title()),
            Column("exam_minutes", "Exam prep (min)", "bar"),
            Column("performance_minutes", "Performance prep (min)", "bar"),
            Column("exam_sessions", "Exam prep sessions"),
            Column("performance_sessions", "Performance prep sessions"),
        ],
    )
    buckets = ctx.every("detail")
    if not any(b.sums.exam_sessions or b.sums.performance_sessions for b in buckets):
        return chart
    for b in buckets:
        s = b.sums
        chart.rows.append(
            [
                b.key,
                s.exam_minutes,
                s.performance_minutes,
                s.exam_sessions,
                s.performance_sessions,
            ]
        )
    return chart


def breakdown_chart(by: str) -> Callable[[Context], Chart]:
    plural = {"instrument": "instruments", "piece": "pieces", "section": "sections"}
    plural |= {"skill": "skills", "tag": "tags"}

    def build(ctx: Context) -> Chart:
        title = f"Time per {by}"
        note = "The whole session counts for each of its tags." if by == "tag" else ""
        if by in ("piece", "section", "skill"):
            note = "Items without minutes share what their session has left."
        chart = Chart(
            plural[by],
            title,
            f"Minutes and sessions per {by}, most time first. {note}".strip(),
            [
                Column("label", by.title()),
                Column("minutes", "Minutes", "bar"),
                Column("sessions", "Sessions"),
                Column("average_quality", "Average quality"),
            ],
            kind="hbar",
        )
        items = services.breakdown(
            ctx.profile, by, ctx.start, ctx.end, ctx.sums(by), ctx.labels(by)
        )
        for item in items[:TOP]:
            chart.rows.append(
                [item["label"], item["minutes"], item["sessions"], item["average_quality"]]
            )
        return chart

    return build


def tempo_chart(ctx: Context) -> Chart:
    """Average tempo reached per week in the sections with the most tempo entries."""
    sums = ctx.sums("section")
    chosen = sorted(
        (k for k, v in sums.items() if v.tempo_n > 0), key=lambda k: (-sums[k].tempo_n, k)
    )
    labels = ctx.labels("section")
    chosen = [k for k in chosen if k in labels][:6]
    targets = {
        str(i): t
        for i, t in db.session.execute(
            sa.select(Section.id, Section.target_tempo_bpm).where(
                Section.profile_id == ctx.profile.id,
                Section.id.in_([uuid.UUID(k) for k in chosen]),
            )
        )
        if t
    }
    columns = [Column("start", "Week")]
    for key in chosen:
        suffix = f" (target {targets[key]})" if key in targets else ""
        columns.append(Column(key, f"{labels[key]}{suffix}", "line"))
    chart = Chart(
        "tempo",
        "Tempo progress per section",
        "Average tempo reached each week (bpm) in the sections you logged tempos for most, "
        "with their target tempo.",
        columns,
        kind="line",
        empty="No tempos logged for sections in this range.",
    )
    if not chosen:
        return chart
    b = DailyBreakdown
    week_start = ctx.profile.week_start_index
    weekly: dict[date, dict[str, BreakdownSums]] = defaultdict(dict)
    for key, day, tempo_sum, tempo_n in db.session.execute(
        sa.select(b.key, b.practice_date, b.tempo_sum, b.tempo_n).where(
            b.profile_id == ctx.profile.id,
            b.audience == rollup.audience_for(ctx.profile),
            b.dimension == "section",
            b.key.in_(chosen),
            b.practice_date >= ctx.start,
            b.practice_date <= ctx.end,
            b.tempo_n > 0,
        )
    ):
        week = weekly[services.bucket_start(day, "week", week_start)]
        acc = week.setdefault(key, BreakdownSums())
        acc.tempo_sum += tempo_sum
        acc.tempo_n += tempo_n
    for week_start_day in sorted(weekly):
        sections = weekly[week_start_day]
        chart.rows.append(
            [
                week_start_day,
                *(sections[k].average("tempo", 1) if k in sections else None for k in chosen),
            ]
        )
    return chart


def goals_chart(ctx: Context) -> Chart:
    chart = Chart(
        "goals",
        "Goal progress",
        "Time you linked to each open goal in this range, with its target.",
        [
            Column("label", "Goal"),
            Column("minutes", "Minutes linked", "bar"),
            Column("sessions", "Sessions linked"),
            Column("target", "Target"),
            Column("target_date", "Due"),
        ],
        kind="hbar",
        empty="No goals yet.",
    )
    linked = ctx.sums("goal")
    goals = db.session.scalars(
        sa.select(Goal)
        .where(Goal.profile_id == ctx.profile.id, Goal.status.in_(("not_started", "in_progress")))
        .order_by(Goal.target_date.is_(None), Goal.target_date, Goal.title)
        .limit(TOP)
    )
    for goal in goals:
        time = linked.get(str(goal.id), BreakdownSums())
        chart.rows.append(
            [goal.title, time.minutes, time.sessions, _target_text(goal), goal.target_date]
        )
    return chart


def _target_text(goal: Goal) -> str:
    value = goal.target_value
    return {
        "minutes_per_week": f"{value} min a week",
        "days_per_week": f"{value} days a week",
        "tempo": f"{value} bpm",
        "checklist": "checklist",
    }.get(goal.target_type or "", "")


CHARTS: dict[str, Callable[[Context], Chart]] = {
    "time": time_chart,
    "weekday": weekday_chart,
    "hour": hour_chart,
    "instruments": breakdown_chart("instrument"),
    "pieces": breakdown_chart("piece"),
    "sections": breakdown_chart("section"),
    "skills": breakdown_chart("skill"),
    "tags": breakdown_chart("tag"),
    "ratings": ratings_chart,
    "length": length_chart,
    "tempo": tempo_chart,
    "prep": prep_chart,
    "goals": goals_chart,
}


def build_all(ctx: Context) -> list[Chart]:
    return [build(ctx) for build in CHARTS.values()]


def csv_cell(value) -> str | int | float:
    """A cell a spreadsheet shows as text: leading = + - @ (and tab/CR) are neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = value.isoformat() if isinstance(value, date) else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_csv(chart: Chart) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c.label) for c in chart.columns])
    for row in chart.rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def progress_rows(ctx: Context, kind: str) -> Chart:
    plural = {"piece": "pieces", "section": "sections", "skill": "skills"}[kind]
    chart = Chart(
        f"progress-{plural}",
        f"Progress of your {plural}",
        "Stage, percentage and trend from time, frequency, recency, ratings and tempo "
        "(see how it is worked out below).",
        [
            Column("label", kind.title()),
            Column("stage", "Stage"),
            Column("percentage", "Progress (%)"),
            Column("trend", "Trend"),
            Column("sessions", "Sessions"),
            Column("last_practised", "Last practised"),
        ],
        kind="table",
        empty=f"No {plural} practised in this range.",
    )
    for item in ctx.progress(kind):
        chart.rows.append(
            [
                item["label"],
                item["stage"] or item["message"],
                item["percentage"],
                item["trend"],
                item["sessions"],
                item["last_practised"],
            ]
        )
    return chart


def one(ctx: Context, key: str) -> Chart | None:
    """A single chart (for its CSV), or None for an unknown name."""
    if key in CHARTS:
        return CHARTS[key](ctx)
    for kind, plural in (("piece", "pieces"), ("section", "sections"), ("skill", "skills")):
        if key == f"progress-{plural}":
            return progress_rows(ctx, kind)
    return None


def default_range(profile: MusicianProfile) -> tuple[date, date]:
    end = profile.today()
    return end - timedelta(days=364), end
