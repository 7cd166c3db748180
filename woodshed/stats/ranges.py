"""Turning an optional `from`/`to` into the concrete practice dates a statistic covers."""

from __future__ import annotations

from datetime import date, timedelta

from woodshed.errors import DomainError
from woodshed.profiles.models import MusicianProfile
from woodshed.stats import services
from woodshed.stats.schemas import MAX_RANGE_DAYS, RangeQuery


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def resolve(
    profile: MusicianProfile, query: RangeQuery, default_days: int | None = None
) -> tuple[date, date]:
    """The range asked for; a missing end is today, a missing start the first practice
    date (or `default_days` before the end). Longer than 20 years is a 422."""
    end = query.to or profile.today()
    if query.from_ is not None:
        start = query.from_
    elif default_days is not None:
        start = end - timedelta(days=default_days - 1)
    else:
        first = services.first_practice_date(profile)
        start = min(first, end) if first else end
    if start > end:
        raise DomainError({"to": "The end date is before the start date."})
    if (end - start).days > MAX_RANGE_DAYS:
        raise DomainError({"from": "Choose a range of at most 20 years."})
    return start, end
