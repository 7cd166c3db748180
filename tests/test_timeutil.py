"""The musician's clock: practice dates across time zones, rollover hours and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from woodshed.timeutil import day_start, local_to_utc, practice_date, timezone_names


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "tz", "rollover", "expected"),
    [
        # 01:30 in Berlin (winter, UTC+1) is still the previous practice day with a 04:00 rollover.
        (utc(2026, 1, 15, 0, 30), "Europe/Berlin", 4, date(2026, 1, 14)),
        (utc(2026, 1, 15, 3, 0), "Europe/Berlin", 4, date(2026, 1, 15)),
        (utc(2026, 1, 15, 0, 30), "Europe/Berlin", 0, date(2026, 1, 15)),
        # New York evening is the next UTC day but the same practice day.
        (utc(2026, 1, 16, 2, 0), "America/New_York", 4, date(2026, 1, 15)),
        # Night of the spring change in Berlin (29 March 2026, 02:00 → 03:00).
        (utc(2026, 3, 29, 0, 59), "Europe/Berlin", 4, date(2026, 3, 28)),
        (utc(2026, 3, 29, 1, 59), "Europe/Berlin", 4, date(2026, 3, 28)),  # 03:59 CEST
        (utc(2026, 3, 29, 2, 0), "Europe/Berlin", 4, date(2026, 3, 29)),  # 04:00 CEST
        # Autumn change (25 October 2026, 03:00 → 02:00): 02:30 happens twice, both the 24th.
        (utc(2026, 10, 25, 0, 30), "Europe/Berlin", 4, date(2026, 10, 24)),
        (utc(2026, 10, 25, 1, 30), "Europe/Berlin", 4, date(2026, 10, 24)),
        (utc(2026, 10, 25, 3, 0), "Europe/Berlin", 4, date(2026, 10, 25)),  # 04:00 CET
        # Kathmandu is UTC+5:45; Chatham UTC+13:45 in summer.
        (utc(2026, 6, 1, 22, 14), "Asia/Kathmandu", 4, date(2026, 6, 1)),
        (utc(2026, 6, 1, 22, 15), "Asia/Kathmandu", 4, date(2026, 6, 2)),
        (utc(2026, 1, 1, 14, 14), "Pacific/Chatham", 4, date(2026, 1, 1)),
    ],
)
def test_practice_date(instant, tz, rollover, expected):
    assert practice_date(instant, tz, rollover) == expected


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware"):
        practice_date(datetime(2026, 1, 1, 12), "UTC")


def test_a_local_time_in_the_spring_gap_moves_forward_by_the_gap():
    assert local_to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Berlin") == utc(2026, 3, 29, 1, 30)


def test_an_ambiguous_autumn_time_takes_the_first_occurrence():
    assert local_to_utc(datetime(2026, 10, 25, 2, 30), "Europe/Berlin") == utc(2026, 10, 25, 0, 30)


def test_day_start_is_the_rollover_hour_in_local_time():
    assert day_start(date(2026, 3, 29), "Europe/Berlin", 4) == utc(2026, 3, 29, 2, 0)
    assert day_start(date(2026, 3, 28), "Europe/Berlin", 4) == utc(2026, 3, 28, 3, 0)


@given(
    instant=st.datetimes(
        min_value=datetime(2015, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
    tz=st.sampled_from(timezone_names()),
    rollover=st.integers(min_value=0, max_value=6),
)
def test_every_instant_lies_between_the_start_of_its_practice_day_and_the_next(
    instant, tz, rollover
):
    day = practice_date(instant, tz, rollover)
    assert (
        day_start(day, tz, rollover) <= instant < day_start(day + timedelta(days=1), tz, rollover)
    )
