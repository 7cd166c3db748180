"""The heatmap writes its day labels itself (strftime is slow for a year of squares)."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from woodshed.stats.heatmap import day_text


# No deadline: a loaded machine must not fail a rule about labels.
@settings(deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_day_labels_read_as_strftime_writes_them(day):
    assert day_text(day) == day.strftime("%a %d %b %Y")
