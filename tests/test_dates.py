"""One date style (issue 12, item 16): every date and time a person reads comes from
woodshed.dates, in their locale, and relative dates only follow absolute ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_skeleton, format_time
from hypothesis import given
from hypothesis import strategies as st

from tests.clients import page_text
from tests.factories import log_session, make_piece
from woodshed import dates

LOCALES = ["en", "en-GB", "en-US", "de", "fr-CH", "ja", "nb", "pt-BR", "ar"]


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    locale=st.sampled_from(LOCALES),
)
def test_the_compiled_formats_write_dates_as_babel_does(day, locale):
    babel_locale = "en_GB" if locale == "en" else locale.replace("-", "_")
    assert dates.format_date(day, locale) == format_skeleton("yMMMEd", day, locale=babel_locale)


@given(
    instant=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    locale=st.sampled_from(LOCALES),
)
def test_times_read_as_the_locale_writes_them(instant, locale):
    instant = instant.replace(tzinfo=UTC)
    babel_locale = "en_GB" if locale == "en" else locale.replace("-", "_")
    assert dates.format_time(instant, "UTC", locale) == format_time(
        instant, "short", locale=babel_locale
    )


def test_an_unknown_locale_reads_as_the_default():
    assert dates.format_date(date(2026, 3, 3), "xx-QQ") == "Tue, 3 Mar 2026"
    assert dates.format_date(date(2026, 3, 3), "en-US") == "Tue, Mar 3, 2026"


@pytest.mark.parametrize(
    ("days", "words"),
    [(0, "today"), (1, "yesterday"), (3, "3 days ago"), (20, "2 weeks ago"), (-4, "in 4 days")],
)
def test_a_relative_date_follows_the_absolute_one(days, words):
    today = date(2026, 3, 10)
    assert dates.with_relative(today - timedelta(days=days), today) == (
        f"{dates.format_date(today - timedelta(days=days))} ({words})"
    )
    assert dates.with_relative(date(2025, 1, 1), today) == "Wed, 1 Jan 2025"


def test_pages_show_dates_in_the_musicians_locale(app, alice, alice_web, frozen_clock):
    frozen_clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    piece = make_piece(alice.profile, "Träumerei")
    log_session(
        alice.profile,
        started_at=datetime(2026, 3, 8, 17, 0, tzinfo=UTC),
        items=[{"piece_id": str(piece.id)}],
    )
    assert "Last practised Sun, 8 Mar 2026 (2 days ago)" in page_text(
        alice_web.get(f"/repertoire/{piece.id}")
    )
    alice.profile.locale = "de"
    text = page_text(alice_web.get(f"/repertoire/{piece.id}"))
    assert "So., 8. März 2026 (2 days ago)" in text
    journal = page_text(alice_web.get("/journal"))
    assert "So., 8. März 2026" in journal
    assert "Sun 08 Mar" not in journal
