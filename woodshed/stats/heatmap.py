"""The calendar heatmap's geometry: a server-rendered SVG, one square per day.

Columns are weeks (starting on the musician's week start), rows the days of the week.
Each square links to that day's journal entries; the colour level is explained in the
legend, and the same numbers are listed in a table for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

from woodshed.dates import format_date
from woodshed.templating import minutes as as_time
from woodshed.timeutil import week_start_of

CELL = 12
GAP = 3
LEFT = 30  # room for weekday labels
TOP = 16  # room for month labels
#: (lowest minutes, label) per colour level 1–4; level 0 is a day without practice.
LEVELS = ((1, "under 15 min"), (15, "15–29 min"), (30, "30–59 min"), (60, "1 hour or more"))
WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def level(minutes: int) -> int:
    result = 0
    for i, (lowest, _label) in enumerate(LEVELS, start=1):
        if minutes >= lowest:
            result = i
    return result


@dataclass(frozen=True)
class Cell:
    day: date
    x: int
    y: int
    level: int
    minutes: int
    sessions: int
    label: str
    href: str | None


@dataclass(frozen=True)
class Heatmap:
    start: date
    end: date
    cells: list[Cell]
    months: list[tuple[int, str]]  # (x, label)
    weekdays: list[tuple[int, str]]  # (y, label)
    width: int
    height: int
    practised: list[Cell]

    @property
    def legend(self) -> list[tuple[int, str]]:
        return [(0, "no practice"), *((i + 1, label) for i, (_, label) in enumerate(LEVELS))]


MONTH_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: date) -> str:
    """'Mon, 5 Jan 2026', the app's one date style (woodshed.dates: compiled once, so a
    year of labels stays cheap)."""
    return format_date(day)


def describe(day: date, minutes: int, sessions: int) -> str:
    if not sessions:
        return f"{day_text(day)}: no practice"
    noun = "session" if sessions == 1 else "sessions"
    return f"{day_text(day)}: {as_time(minutes)} in {sessions} {noun}"


def build(
    cells: list[dict], start: date, end: date, week_start: int, link: Callable[[date], str]
) -> Heatmap:
    """Lay out every day from start to end; `cells` are the days with practice."""
    by_day = {c["date"]: c for c in cells}
    first_column = week_start_of(start, week_start)
    squares: list = []
    months: list = []
    day = start
    last_month = None
    while day <= end:
        column = (day - first_column).days // 7
        row = (day.weekday() - week_start) % 7
        x = LEFT + column * (CELL + GAP)
        y = TOP + row * (CELL + GAP)
        found = by_day.get(day)
        minutes = found["minutes"] if found else 0
        sessions = found["sessions"] if found else 0
        squares.append(
            Cell(
                day,
                x,
                y,
                level(minutes) if sessions else 0,
                minutes,
                sessions,
                describe(day, minutes, sessions),
                link(day) if sessions else None,
            )
        )
        if day.month != last_month and (row == 0 or day == start):
            if not months or x - months[-1][0] >= 3 * (CELL + GAP):
                months.append((x, MONTH_SHORT[day.month - 1]))
            last_month = day.month
        day += timedelta(days=1)
    columns = (end - first_column).days // 7 + 1
    weekdays = [
        (TOP + row * (CELL + GAP) + CELL - 2, WEEKDAY_SHORT[(week_start + row) % 7])
        for row in (0, 2, 4, 6)
    ]
    return Heatmap(
        start=start,
        end=end,
        cells=squares,
        months=months,
        weekdays=weekdays,
        width=LEFT + columns * (CELL + GAP),
        height=TOP + 7 * (CELL + GAP),
        practised=[c for c in squares if c.sessions],
    )


def svg(grid: Heatmap, caption: str) -> Markup:
    """The heatmap as SVG markup (built here rather than in Jinja: it has ~370 squares)."""
    parts = [
        f'<svg class="heatmap-svg" viewBox="0 0 {grid.width} {grid.height}" '
        f'width="{grid.width}" height="{grid.height}" role="group" aria-label="{escape(caption)}">'
    ]
    parts += [
        f'<text class="heat-label" x="{x}" y="10" aria-hidden="true">{label}</text>'
        for x, label in grid.months
    ]
    parts += [
        f'<text class="heat-label" x="0" y="{y}" aria-hidden="true">{label}</text>'
        for y, label in grid.weekdays
    ]
    for c in grid.cells:
        label = escape(c.label)
        rect = (
            f'<rect class="heat heat-{c.level}" x="{c.x}" y="{c.y}" width="{CELL}" '
            f'height="{CELL}" rx="2"'
        )
        if c.href:
            parts.append(
                f'<a href="{escape(c.href)}" aria-label="{label}">{rect}>'
                f"<title>{label}</title></rect></a>"
            )
        else:
            parts.append(f'{rect} aria-hidden="true"><title>{label}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (only numbers, escaped text and our own labels)


def day_rows(grid: Heatmap) -> Markup:
    """The practised days as table rows, newest first (the heatmap's numbers as a table)."""
    rows = [
        f'<tr><td><a href="{escape(c.href)}">{day_text(c.day)}</a></td>'
        f'<td class="num">{c.minutes}</td><td class="num">{c.sessions}</td></tr>'
        for c in reversed(grid.practised)
    ]
    return Markup("".join(rows))  # noqa: S704 (numbers, dates and an escaped link)
