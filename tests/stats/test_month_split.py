"""A range is read as whole months from the monthly rollup plus the days at its ends from the
daily one: together they cover each day of the range exactly once."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from woodshed.stats.services import _month_split

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


def days_of(first: date, end: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((end - first).days)]


@given(start=dates, length=st.integers(0, 800))
def test_months_and_ends_cover_the_range_once(start, length):
    end = start + timedelta(days=length)
    split = _month_split(start, end)
    assert split["month_from"].day == 1
    assert split["month_to"].day == 1
    month_days = [d for d in days_of(split["month_from"], split["month_to"]) if start <= d <= end]
    assert len(month_days) == len(days_of(split["month_from"], split["month_to"]))
    covered = (
        month_days
        + days_of(split["head_from"], split["head_to"])
        + days_of(split["tail_from"], split["tail_to"])
    )
    assert sorted(covered) == days_of(start, end + timedelta(days=1))


def test_an_open_range_reads_every_month():
    split = _month_split(None, None)
    assert (split["month_from"], split["month_to"]) == (date(1, 1, 1), date.max)
    assert split["head_from"] == split["head_to"]
    assert split["tail_from"] == split["tail_to"]
