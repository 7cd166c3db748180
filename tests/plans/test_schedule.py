"""Occurrence expansion against RFC 5545's examples and python-dateutil, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from hypothesis import given, settings
from hypothesis import strategies as st

from woodshed.plans import schedule as sched

NY = "America/New_York"


def _starts(
    rule: str,
    start: str = "1997-09-02",
    at: str = "09:00",
    tz: str = NY,
    last: date = date(1998, 12, 31),
) -> list[datetime]:
    schedule = {
        "kind": "recurring",
        "rrule": rule,
        "start_date": start,
        "time_of_day": at,
        "duration_minutes": 30,
    }
    return [s.local_start for s in sched.expand(schedule, tz, last)]


def _days(starts) -> list[str]:
    return [s.strftime("%Y-%m-%d") for s in starts]


# RFC 5545 §3.8.5.3 examples (DTSTART 1997-09-02 09:00 America/New_York) inside the subset.
# WKST is outside the subset; the examples that use it give the same dates without it here.
# Where DTSTART does not match the rule, RFC counts it anyway and dateutil (and Woodshed)
# does not: the plan's start date is the first day the rule *may* fall on.
RFC_EXAMPLES = {
    "FREQ=DAILY;COUNT=10": [f"1997-09-{d:02d}" for d in range(2, 12)],
    "FREQ=DAILY;INTERVAL=10;COUNT=5": [
        "1997-09-02",
        "1997-09-12",
        "1997-09-22",
        "1997-10-02",
        "1997-10-12",
    ],
    "FREQ=WEEKLY;COUNT=10": [
        "1997-09-02",
        "1997-09-09",
        "1997-09-16",
        "1997-09-23",
        "1997-09-30",
        "1997-10-07",
        "1997-10-14",
        "1997-10-21",
        "1997-10-28",
        "1997-11-04",
    ],
    "FREQ=WEEKLY;COUNT=10;BYDAY=TU,TH": [
        "1997-09-02",
        "1997-09-04",
        "1997-09-09",
        "1997-09-11",
        "1997-09-16",
        "1997-09-18",
        "1997-09-23",
        "1997-09-25",
        "1997-09-30",
        "1997-10-02",
    ],
    "FREQ=WEEKLY;UNTIL=19971007T000000Z;BYDAY=TU,TH": [
        "1997-09-02",
        "1997-09-04",
        "1997-09-09",
        "1997-09-11",
        "1997-09-16",
        "1997-09-18",
        "1997-09-23",
        "1997-09-25",
        "1997-09-30",
        "1997-10-02",
    ],
    "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;BYDAY=MO,WE,FR": [
        "1997-09-03",
        "1997-09-05",
        "1997-09-15",
        "1997-09-17",
        "1997-09-19",
        "1997-09-29",
        "1997-10-01",
        "1997-10-03",
        "1997-10-13",
        "1997-10-15",
        "1997-10-17",
        "1997-10-27",
        "1997-10-29",
        "1997-10-31",
        "1997-11-10",
        "1997-11-12",
        "1997-11-14",
        "1997-11-24",
        "1997-11-26",
        "1997-11-28",
        "1997-12-08",
        "1997-12-10",
        "1997-12-12",
        "1997-12-22",
    ],
    "FREQ=WEEKLY;INTERVAL=2;COUNT=8;BYDAY=TU,TH": [
        "1997-09-02",
        "1997-09-04",
        "1997-09-16",
        "1997-09-18",
        "1997-09-30",
        "1997-10-02",
        "1997-10-14",
        "1997-10-16",
    ],
    "FREQ=MONTHLY;COUNT=10;BYDAY=1FR": [
        "1997-09-05",
        "1997-10-03",
        "1997-11-07",
        "1997-12-05",
        "1998-01-02",
        "1998-02-06",
        "1998-03-06",
        "1998-04-03",
        "1998-05-01",
        "1998-06-05",
    ],
    "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR": [
        "1997-09-05",
        "1997-10-03",
        "1997-11-07",
        "1997-12-05",
    ],
    "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU": [
        "1997-09-07",
        "1997-09-28",
        "1997-11-02",
        "1997-11-30",
        "1998-01-04",
        "1998-01-25",
        "1998-03-01",
        "1998-03-29",
        "1998-05-03",
        "1998-05-31",
    ],
    "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO": [
        "1997-09-22",
        "1997-10-20",
        "1997-11-17",
        "1997-12-22",
        "1998-01-19",
        "1998-02-16",
    ],
}


@pytest.mark.parametrize(("rule", "expected"), RFC_EXAMPLES.items())
def test_it_expands_the_rfc_5545_examples_inside_the_subset(rule, expected):
    assert _days(_starts(rule)) == expected


def test_daily_until_a_utc_time_ends_on_the_right_local_day():
    days = _days(_starts("FREQ=DAILY;UNTIL=19971224T000000Z"))
    assert (days[0], days[-1], len(days)) == ("1997-09-02", "1997-12-23", 113)


def test_every_tuesday_every_other_month():
    days = _days(_starts("FREQ=MONTHLY;INTERVAL=2;BYDAY=TU", last=date(1998, 3, 31)))
    assert days == [
        "1997-09-02",
        "1997-09-09",
        "1997-09-16",
        "1997-09-23",
        "1997-09-30",
        "1997-11-04",
        "1997-11-11",
        "1997-11-18",
        "1997-11-25",
        "1998-01-06",
        "1998-01-13",
        "1998-01-20",
        "1998-01-27",
        "1998-03-03",
        "1998-03-10",
        "1998-03-17",
        "1998-03-24",
        "1998-03-31",
    ]


def test_local_time_stays_put_across_the_autumn_change_and_utc_moves():
    schedule = {
        "kind": "recurring",
        "rrule": "FREQ=WEEKLY;COUNT=10",
        "start_date": "1997-09-02",
        "time_of_day": "09:00",
        "duration_minutes": 30,
    }
    slots = sched.expand(schedule, NY, date(1998, 1, 1))
    assert slots[0].start == datetime(1997, 9, 2, 13, 0, tzinfo=UTC)  # EDT
    assert slots[-1].start == datetime(1997, 11, 4, 14, 0, tzinfo=UTC)  # EST


@pytest.mark.parametrize(
    ("tz", "day", "at", "expected_utc"),
    [
        # Spring forward: 02:30 does not exist; shifted forward by the gap.
        ("Europe/Berlin", "2026-03-29", "02:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        ("America/New_York", "2026-03-08", "02:30", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        ("Australia/Sydney", "2026-10-04", "02:30", datetime(2026, 10, 3, 16, 30, tzinfo=UTC)),
        # Fall back: 02:30 happens twice; the first one is taken.
        ("Europe/Berlin", "2026-10-25", "02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("America/New_York", "2026-11-01", "01:30", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        # Lord Howe moves by half an hour.
        ("Australia/Lord_Howe", "2026-10-04", "02:15", datetime(2026, 10, 3, 15, 45, tzinfo=UTC)),
    ],
)
def test_dst_gaps_shift_forward_and_repeated_hours_take_the_first(tz, day, at, expected_utc):
    schedule = {
        "kind": "recurring",
        "rrule": "FREQ=DAILY;COUNT=3",
        "start_date": day,
        "time_of_day": at,
        "duration_minutes": 30,
    }
    first = sched.expand(schedule, tz, date(2027, 1, 1))[0]
    assert first.start == expected_utc
    assert first.key == f"{day}T{at}"  # the key keeps the planned local time


ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Auckland",
    "UTC",
]
rules = st.builds(
    lambda freq, interval, days, ordinal, count: _rule(freq, interval, days, ordinal, count),
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]),
    st.integers(1, 4),
    st.lists(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), max_size=3, unique=True),
    st.sampled_from([None, 1, 2, -1]),
    st.integers(1, 40),
)


def _rule(freq, interval, days, ordinal, count):
    parts = [f"FREQ={freq}", f"INTERVAL={interval}", f"COUNT={count}"]
    if days:
        prefix = str(ordinal) if freq == "MONTHLY" and ordinal else ""
        parts.append("BYDAY=" + ",".join(prefix + d for d in days))
    return ";".join(parts)


@settings(max_examples=150)
@given(
    rule=rules,
    start=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    tz=st.sampled_from(ZONES),
)
def test_expansion_equals_dateutil_with_an_aware_start_in_every_zone(rule, start, at, tz):
    zone = ZoneInfo(tz)
    oracle = [
        d.astimezone(UTC)
        for d in du.rrulestr(rule, dtstart=datetime.combine(start, at, tzinfo=zone))
    ]
    schedule = {
        "kind": "recurring",
        "rrule": rule,
        "start_date": start.isoformat(),
        "time_of_day": at.strftime("%H:%M"),
        "duration_minutes": 30,
    }
    mine = [s.start for s in sched.expand(schedule, tz, date(2031, 12, 31))]
    assert mine == [d for d in oracle if d.astimezone(zone).date() <= date(2031, 12, 31)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FREQ=HOURLY", "FREQ=HOURLY is not supported; use DAILY, WEEKLY or MONTHLY."),
        (
            "FREQ=WEEKLY;WKST=SU",
            "WKST is not supported; use only FREQ, INTERVAL, BYDAY, COUNT and UNTIL.",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=2",
            "BYMONTHDAY is not supported; use only FREQ, INTERVAL, BYDAY, COUNT and UNTIL.",
        ),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number from 1 to 99."),
        ("FREQ=DAILY;COUNT=x", "COUNT must be a whole number from 1 to 1000."),
        (
            "FREQ=MONTHLY;BYDAY=6MO",
            "An ordinal weekday must be 1 to 5 or -1 to -5 (e.g. 2TU, -1FR).",
        ),
        (
            "FREQ=DAILY;UNTIL=tomorrow",
            "UNTIL must be a date like 20261231 or a UTC time like 20261231T180000Z.",
        ),
        ("BYDAY=MO", "The rule needs FREQ (DAILY, WEEKLY or MONTHLY)."),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ appears twice in the rule."),
    ],
)
def test_rules_outside_the_subset_are_refused_with_a_clear_message(text, message):
    with pytest.raises(sched.RuleError) as exc:
        sched.parse_rrule(text)
    assert str(exc.value) == message


def test_the_forms_common_schedules_become_canonical_rules():
    assert sched.rule_for_pattern("daily", []) == "FREQ=DAILY"
    assert sched.rule_for_pattern("weekdays", []) == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert sched.rule_for_pattern("weekly", ["FR", "MO"], 2) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"
    assert sched.rule_for_pattern("monthly", [], ordinal="2", weekday="TU") == (
        "FREQ=MONTHLY;BYDAY=2TU"
    )
    assert sched.pattern_of("FREQ=MONTHLY;BYDAY=2TU")["pattern"] == "monthly"
    assert sched.pattern_of("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")["pattern"] == "weekdays"


def test_flexibility_windows_follow_the_musicians_day_and_week():
    start = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # Wed 18:00 Berlin
    day, ws, we = sched.window(start, "fixed", "Europe/Berlin", 4, 0)
    assert (day, ws, we) == (date(2026, 12, 2), start, datetime(2026, 12, 3, 3, tzinfo=UTC))
    _, ws, _ = sched.window(start, "same_day", "Europe/Berlin", 4, 0)
    assert ws == datetime(2026, 12, 2, 3, tzinfo=UTC)
    _, ws, we = sched.window(start, "same_week", "Europe/Berlin", 4, 0)
    assert (ws, we) == (datetime(2026, 11, 30, 3, tzinfo=UTC), datetime(2026, 12, 7, 3, tzinfo=UTC))
