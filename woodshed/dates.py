"""The one way Woodshed writes a date or a time for a person to read.

A date is "Tue, 3 Mar 2026": weekday, day, month, year, in the order and words of the
musician's locale (CLDR data through Babel: "Di., 3. März 2026" for `de`); a time is the
locale's short time ("18:30", "6:30 PM" for `en-US`); an instant is shown in the
musician's zone as date and time. A plain `en` reads day-first, as Woodshed always has
("3 Mar"); `en-US` gives "Mar 3". A relative date ("3 days ago") is never shown alone,
only after the absolute one (`with_relative`).

Formats are compiled once per locale into a plain format string with the locale's names,
so a year of heatmap labels costs microseconds, not a Babel call each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import parse_pattern

DEFAULT_LOCALE = "en_GB"
DATE_SKELETON = "yMMMEd"  # weekday, day, abbreviated month, year
FIELD = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Formats:
    """A locale's date and time patterns as format strings, with its names."""

    date_pattern: str
    time_pattern: str
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]
    am_pm: tuple[str, str]

    def _fields(self, day: date | None, clock: datetime | None) -> dict[str, str]:
        fields: dict[str, str] = {}
        if day is not None:
            weekday, month = self.weekdays[day.weekday()], self.months[day.month - 1]
            fields |= {
                "y": str(day.year), "yyyy": f"{day.year:04d}", "yy": f"{day.year % 100:02d}",
                "M": str(day.month), "MM": f"{day.month:02d}", "MMM": month, "LLL": month,
                "d": str(day.day), "dd": f"{day.day:02d}",
                "E": weekday, "EE": weekday, "EEE": weekday, "ccc": weekday,
            }  # fmt: skip
        if clock is not None:
            hour12 = clock.hour % 12 or 12
            fields |= {
                "H": str(clock.hour), "HH": f"{clock.hour:02d}",
                "h": str(hour12), "hh": f"{hour12:02d}",
                "m": str(clock.minute), "mm": f"{clock.minute:02d}",
                "a": self.am_pm[clock.hour >= 12],
            }  # fmt: skip
        return fields

    def date(self, day: date) -> str:
        return self.date_pattern % self._fields(day, None)

    def time(self, clock: datetime) -> str:
        return self.time_pattern % self._fields(None, clock)


def _locale(code: str | None) -> Locale:
    raw = (code or "").replace("-", "_")
    if raw.lower() in ("", "en"):
        raw = DEFAULT_LOCALE
    try:
        return Locale.parse(raw)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def _compiled(pattern: str, known: set[str]) -> str | None:
    compiled: str = parse_pattern(pattern).format  # type: ignore[assignment]  # a %-format str
    return compiled if set(FIELD.findall(compiled)) <= known else None


@cache
def formats(code: str | None) -> Formats:
    """The compiled formats of a locale code (`en`, `en-US`, `de`); unknown codes read
    as the default."""
    locale = _locale(code)
    days = locale.days["format"]["abbreviated"]
    months = locale.months["format"]["abbreviated"]
    periods = locale.day_periods["format"]["abbreviated"]
    sample = Formats(
        "",
        "",
        weekdays=tuple(days[i] for i in range(7)),
        months=tuple(months[i] for i in range(1, 13)),
        am_pm=(periods.get("am", "AM"), periods.get("pm", "PM")),
    )
    known = set(sample._fields(date(2000, 1, 1), datetime(2000, 1, 1)))
    fallback = formats(DEFAULT_LOCALE) if str(locale) != DEFAULT_LOCALE else None
    date_pattern = _compiled(locale.datetime_skeletons[DATE_SKELETON].pattern, known)
    time_pattern = _compiled(locale.time_formats["short"].pattern, known)
    return Formats(
        date_pattern or (fallback.date_pattern if fallback else "%(E)s, %(d)s %(MMM)s %(y)s"),
        time_pattern or (fallback.time_pattern if fallback else "%(HH)s:%(mm)s"),
        sample.weekdays,
        sample.months,
        sample.am_pm,
    )


def format_date(day: date | None, locale: str | None = None) -> str:
    """'Tue, 3 Mar 2026' in the locale's words; '' for no date."""
    return formats(locale).date(day) if day is not None else ""


def local(instant: datetime, zone: str | None) -> datetime:
    return instant.astimezone(ZoneInfo(zone)) if zone else instant


def format_time(instant: datetime | None, zone: str | None, locale: str | None = None) -> str:
    """The clock time of an instant in a zone: '18:30'."""
    return formats(locale).time(local(instant, zone)) if instant is not None else ""


def format_datetime(instant: datetime | None, zone: str | None, locale: str | None = None) -> str:
    """An instant in a zone: 'Tue, 3 Mar 2026, 18:30' (UTC is named when no zone is known)."""
    if instant is None:
        return ""
    moment = local(instant, zone)
    text = f"{formats(locale).date(moment.date())}, {formats(locale).time(moment)}"
    return text if zone else f"{text} UTC"


def relative(day: date, today: date) -> str:
    """'today', 'yesterday', '3 days ago', '2 weeks ago', 'in 4 days' — or '' when only
    the date itself says it well (more than eight weeks away)."""
    days = (today - day).days
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days == -1:
        return "tomorrow"
    if days < 0:
        return f"in {-days} days" if days > -60 else ""
    if days < 14:
        return f"{days} days ago"
    return f"{days // 7} weeks ago" if days < 60 else ""


def with_relative(day: date | None, today: date, locale: str | None = None) -> str:
    """The date, and how long ago it was in brackets: 'Sun, 1 Dec 2026 (2 days ago)'."""
    if day is None:
        return ""
    near = relative(day, today)
    return f"{format_date(day, locale)} ({near})" if near else format_date(day, locale)
