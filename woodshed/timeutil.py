"""The musician's clock: turning instants into practice dates and back.

A practice day runs from the rollover hour (default 04:00) local time to the same hour the
next day, so a session at 01:30 belongs to the previous day. The rollover is applied to the
local wall-clock time, which keeps DST changes from moving a session to another day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from woodshed.db import utcnow

DEFAULT_TIMEZONE = "UTC"
DEFAULT_ROLLOVER_HOUR = 4
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name this installation knows, sorted for a select list."""
    names = {n for n in available_timezones() if "/" in n or n == "UTC"}
    names -= {n for n in names if n.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))}
    return tuple(sorted(names))


def is_valid_timezone(name: str) -> bool:
    if not name or name != name.strip() or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def practice_date(instant: datetime, tz: str, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> date:
    """The practice day an instant belongs to for a musician in `tz` with this rollover."""
    if instant.tzinfo is None:
        raise ValueError("practice_date needs an aware datetime")
    local = instant.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return (local - timedelta(hours=rollover_hour)).date()


def local_to_utc(local: datetime, tz: str) -> datetime:
    """Interpret a naive wall-clock time in `tz`.

    A time that does not exist (the hour skipped when clocks go forward) is shifted forward
    by the gap; an ambiguous time (the hour repeated in autumn) takes the first occurrence.
    """
    # PEP 495: with fold=0 a time in the spring gap takes the offset from before the gap,
    # which lands it the length of the gap later; an autumn-repeated time takes the first.
    return local.replace(tzinfo=ZoneInfo(tz), fold=0).astimezone(UTC)


def day_start(day: date, tz: str, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> datetime:
    """The UTC instant at which practice day `day` begins."""
    return local_to_utc(datetime.combine(day, time(hour=rollover_hour)), tz)


def today(tz: str, rollover_hour: int = DEFAULT_ROLLOVER_HOUR, now: datetime | None = None) -> date:
    return practice_date(now or utcnow(), tz, rollover_hour)


def week_start_of(day: date, week_start: int) -> date:
    """First day of the week containing `day`; week_start is 0=Monday … 6=Sunday."""
    return day - timedelta(days=(day.weekday() - week_start) % 7)
