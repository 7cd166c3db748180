"""The heatmap's day labels are the app's one date style (woodshed.dates), compiled once
so a year of squares costs little — and the same as Babel writes them."""

from datetime import date

from babel.dates import format_skeleton
from hypothesis import given
from hypothesis import strategies as st

from woodshed.stats.heatmap import day_text


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_day_labels_read_as_babel_writes_the_apps_date_style(day):
    assert day_text(day) == format_skeleton("yMMMEd", day, locale="en_GB")
