"""Plan schedules: the RRULE subset Woodshed accepts, and expanding it into occurrences.

A schedule is read in the musician's time zone. Recurrences are expanded on wall-clock
time by python-dateutil (after this module has checked the rule is inside the subset), and
each local start is then turned into UTC with `timeutil.local_to_utc`: a start that falls
in the hour skipped when clocks go forward is shifted forward by the gap, a start in the
repeated autumn hour takes the first of the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from woodshed.timeutil import WEEKDAYS, day_start, local_to_utc, practice_date, week_start_of

FREQS = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY}
SUPPORTED = ("FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL")
BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
UNTIL_DATE = re.compile(r"^\d{8}$")
UNTIL_TIME = re.compile(r"^\d{8}T\d{6}Z?$")
DU_DAYS = dict(zip(WEEKDAYS, (du.MO, du.TU, du.WE, du.TH, du.FR, du.SA, du.SU), strict=True))
MAX_COUNT = 1000
MAX_INTERVAL = 99


class RuleError(ValueError):
    """The recurrence rule is malformed or outside the supported subset."""


@dataclass(frozen=True)
class Rule:
    freq: str
    interval: int = 1
    byday: tuple[tuple[int | None, str], ...] = ()
    count: int | None = None
    until: date | datetime | None = None  # a date, an aware UTC instant or a floating time

    def text(self) -> str:
        """The canonical spelling, as stored."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.byday:
            parts.append("BYDAY=" + ",".join(f"{n or ''}{d}" for n, d in self.byday))
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if isinstance(self.until, datetime):
            suffix = "Z" if self.until.tzinfo else ""
            parts.append(f"UNTIL={self.until.strftime('%Y%m%dT%H%M%S')}{suffix}")
        elif isinstance(self.until, date):
            parts.append(f"UNTIL={self.until.strftime('%Y%m%d')}")
        return ";".join(parts)


def parse_rrule(text: str) -> Rule:
    """Parse and check an RRULE (FREQ DAILY/WEEKLY/MONTHLY, INTERVAL, BYDAY, COUNT, UNTIL)."""
    raw = (text or "").strip()
    if raw.upper().startswith("RRULE:"):
        raw = raw[6:]
    if not raw:
        raise RuleError("Enter a recurrence rule such as FREQ=WEEKLY;BYDAY=MO,WE,FR.")
    parts: dict[str, str] = {}
    for chunk in raw.split(";"):
        name, sep, value = chunk.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not name or not value:
            raise RuleError(f"'{chunk}' is not a NAME=VALUE part of a recurrence rule.")
        if name not in SUPPORTED:
            raise RuleError(
                f"{name} is not supported; use only FREQ, INTERVAL, BYDAY, COUNT and UNTIL."
            )
        if name in parts:
            raise RuleError(f"{name} appears twice in the rule.")
        parts[name] = value
    freq = parts.get("FREQ")
    if freq is None:
        raise RuleError("The rule needs FREQ (DAILY, WEEKLY or MONTHLY).")
    if freq not in FREQS:
        raise RuleError(f"FREQ={freq} is not supported; use DAILY, WEEKLY or MONTHLY.")
    interval = _int(parts.get("INTERVAL", "1"), "INTERVAL", 1, MAX_INTERVAL)
    count = _int(parts["COUNT"], "COUNT", 1, MAX_COUNT) if "COUNT" in parts else None
    if count is not None and "UNTIL" in parts:
        raise RuleError("Use COUNT or UNTIL, not both.")
    until = _until(parts["UNTIL"]) if "UNTIL" in parts else None
    byday = _byday(parts["BYDAY"], freq) if "BYDAY" in parts else ()
    return Rule(freq=freq, interval=interval, byday=byday, count=count, until=until)


def _int(value: str, name: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise RuleError(f"{name} must be a whole number from {low} to {high}.")
    return int(value)


def _until(value: str) -> date | datetime:
    try:
        if UNTIL_DATE.match(value):
            return datetime.strptime(value, "%Y%m%d").date()
        if UNTIL_TIME.match(value):
            parsed = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
            return parsed.replace(tzinfo=UTC) if value.endswith("Z") else parsed
    except ValueError:
        pass
    raise RuleError("UNTIL must be a date like 20261231 or a UTC time like 20261231T180000Z.")


def _byday(value: str, freq: str) -> tuple[tuple[int | None, str], ...]:
    days = []
    for item in value.split(","):
        m = BYDAY.match(item.strip())
        if not m:
            raise RuleError(f"BYDAY value '{item}' is not a weekday like MO or 2TU.")
        n = int(m[1]) if m[1] else None
        if n is not None:
            if freq != "MONTHLY":
                raise RuleError("Ordinals like 2TU only work with FREQ=MONTHLY.")
            if n == 0 or abs(n) > 5:
                raise RuleError("An ordinal weekday must be 1 to 5 or -1 to -5 (e.g. 2TU, -1FR).")
        if (n, m[2]) not in days:
            days.append((n, m[2]))
    return tuple(days)


# --- expansion -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One planned practice: the recurrence key is its original local start."""

    key: str
    local_start: datetime
    start: datetime
    end: datetime


def local_until(rule: Rule, tz: str) -> datetime | None:
    """The rule's UNTIL as a naive local time (inclusive), or None."""
    if rule.until is None:
        return None
    if isinstance(rule.until, datetime):
        if rule.until.tzinfo is None:
            return rule.until
        return rule.until.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return datetime.combine(rule.until, time(23, 59, 59))


def local_starts(schedule: dict, tz: str, last_day: date) -> list[datetime]:
    """Every local start of the schedule up to and including `last_day`."""
    if schedule["kind"] == "single":
        start = _naive(schedule["start"])
        return [start] if start.date() <= last_day else []
    rule = parse_rrule(schedule["rrule"])
    dtstart = datetime.combine(_date(schedule["start_date"]), _time(schedule["time_of_day"]))
    bounds = [datetime.combine(last_day, time(23, 59, 59))]
    if (until := local_until(rule, tz)) is not None:
        bounds.append(until)
    if schedule.get("end_date"):
        bounds.append(datetime.combine(_date(schedule["end_date"]), time(23, 59, 59)))
    limit = min(bounds)
    recurrence = du.rrule(
        FREQS[rule.freq],
        dtstart=dtstart,
        interval=rule.interval,
        count=rule.count,
        byweekday=[DU_DAYS[d](n) if n else DU_DAYS[d] for n, d in rule.byday] or None,
    )
    starts = []
    for start in recurrence:
        if start > limit:
            break
        starts.append(start)
    return starts


def expand(schedule: dict, tz: str, last_day: date) -> list[Slot]:
    """The schedule's slots up to `last_day`, with UTC instants (DST gaps shifted forward)."""
    duration = timedelta(minutes=int(schedule["duration_minutes"]))
    slots = []
    for local in local_starts(schedule, tz, last_day):
        start = local_to_utc(local, tz)
        slots.append(Slot(local.strftime("%Y-%m-%dT%H:%M"), local, start, start + duration))
    return slots


def window(
    start: datetime, flexibility: str, tz: str, rollover_hour: int, week_start: int
) -> tuple[date, datetime, datetime]:
    """(practice date, window start, window end) for an occurrence starting at `start`.

    fixed: from the planned time to the end of that practice day; same_day: the whole
    practice day; same_week: the whole week (the musician's week start) containing it.
    """
    day = practice_date(start, tz, rollover_hour)
    end_of_day = day_start(day + timedelta(days=1), tz, rollover_hour)
    if flexibility == "fixed":
        return day, start, end_of_day
    if flexibility == "same_week":
        first = week_start_of(day, week_start)
        return (
            day,
            day_start(first, tz, rollover_hour),
            day_start(first + timedelta(days=7), tz, rollover_hour),
        )
    return day, day_start(day, tz, rollover_hour), end_of_day


def _naive(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


# --- the form's common schedules ---------------------------------------------------------

PATTERNS = {
    "once": "Once",
    "daily": "Every day",
    "weekdays": "Every weekday (Monday to Friday)",
    "weekly": "On chosen weekdays, every N weeks",
    "monthly": "Monthly on the n-th weekday (e.g. the 2nd Tuesday)",
    "custom": "Custom (weekdays, every few days, or a number of times a week)",
}
ORDINALS = {"1": "1st", "2": "2nd", "3": "3rd", "4": "4th", "-1": "last"}
#: The custom schedule's ways of saying when (the form builds the rule; nobody types one).
CUSTOM_MODES = {
    "days": "On these weekdays",
    "every_days": "Every few days",
    "per_week": "A number of times a week",
}
#: N times a week, spread over the week (the first day is Monday).
SPREAD = {
    1: ("MO",),
    2: ("MO", "TH"),
    3: ("MO", "WE", "FR"),
    4: ("MO", "TU", "TH", "FR"),
    5: ("MO", "TU", "WE", "TH", "FR"),
    6: ("MO", "TU", "WE", "TH", "FR", "SA"),
    7: WEEKDAYS,
}


class CustomError(RuleError):
    """A custom schedule's field is missing or out of range (`field` names the input)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _whole(value, field: str, low: int, high: int, what: str) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        raise CustomError(field, f"Enter {what}.")
    if not text.isdigit() or not low <= int(text) <= high:
        raise CustomError(field, f"Enter a whole number from {low} to {high}.")
    return int(text)


def rule_for_custom(
    mode: str,
    days: list[str] | None = None,
    weeks="1",
    every_days=None,
    per_week=None,
    count: int | None = None,
) -> str:
    """The RRULE of the form's custom schedule: chosen weekdays every N weeks, every N days,
    or N times a week (spread over the week: 3 → Monday, Wednesday, Friday)."""
    if mode == "days":
        ordered = [d for d in WEEKDAYS if d in (days or [])]
        if not ordered:
            raise CustomError("custom_days", "Choose at least one weekday.")
        interval = _whole(weeks or "1", "custom_weeks", 1, MAX_INTERVAL, "how many weeks")
        base = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={','.join(ordered)}"
    elif mode == "every_days":
        interval = _whole(every_days, "every_days", 1, MAX_INTERVAL, "how many days apart")
        base = f"FREQ=DAILY;INTERVAL={interval}"
    elif mode == "per_week":
        times = _whole(per_week, "per_week", 1, 7, "how many times a week")
        base = f"FREQ=WEEKLY;BYDAY={','.join(SPREAD[times])}"
    else:
        raise CustomError("custom_mode", "Choose how the custom schedule repeats.")
    return parse_rrule(base + (f";COUNT={count}" if count else "")).text()


def rule_for_pattern(
    pattern: str,
    days: list[str],
    interval: int = 1,
    ordinal: str = "1",
    weekday: str = "MO",
    count: int | None = None,
) -> str:
    """Build the RRULE for one of the form's common schedules (never typed by hand)."""
    if pattern == "daily":
        base = f"FREQ=DAILY;INTERVAL={interval}" if interval > 1 else "FREQ=DAILY"
    elif pattern == "weekdays":
        base = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    elif pattern == "weekly":
        if not days:
            raise RuleError("Choose at least one weekday.")
        ordered = [d for d in WEEKDAYS if d in days]
        base = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={','.join(ordered)}"
    elif pattern == "monthly":
        base = f"FREQ=MONTHLY;INTERVAL={interval};BYDAY={ordinal}{weekday}"
    else:
        raise RuleError("Choose how often to practise.")
    rule = parse_rrule(base + (f";COUNT={count}" if count else ""))
    return rule.text()


def pattern_of(rule_text: str) -> dict:
    """Recognise a stored rule as one of the form's common schedules (for editing)."""
    try:
        rule = parse_rrule(rule_text)
    except RuleError:
        return {"pattern": "custom", "rrule": rule_text}
    days = [d for n, d in rule.byday if n is None]
    base = {"interval": rule.interval, "count": rule.count, "rrule": rule.text()}
    if rule.until is not None:
        return {"pattern": "custom", **base}
    if rule.freq == "DAILY" and not rule.byday:
        return {"pattern": "daily", **base}
    if rule.freq == "WEEKLY" and rule.interval == 1 and days == list(WEEKDAYS[:5]):
        return {"pattern": "weekdays", **base}
    if rule.freq == "WEEKLY" and days:
        return {"pattern": "weekly", "days": days, **base}
    if rule.freq == "MONTHLY" and len(rule.byday) == 1 and rule.byday[0][0] is not None:
        n, d = rule.byday[0]
        if str(n) in ORDINALS:
            return {"pattern": "monthly", "ordinal": str(n), "weekday": d, **base}
    return {"pattern": "custom", **base}


DAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
UNITS = {"DAILY": ("day", "days"), "WEEKLY": ("week", "weeks"), "MONTHLY": ("month", "months")}


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _day(n: int | None, day: str) -> str:
    if n is None:
        return DAY_NAMES[day]
    nth = ORDINALS.get(str(n)) or (f"{n}th" if n > 0 else f"{-n}th from last")
    return f"the {nth} {DAY_NAMES[day]}"


def rule_words(rule_text: str) -> str:
    """Any rule of the subset in words, never as RRULE text: "every Monday and Thursday",
    "every 2 weeks on Tuesday", "every month on the 2nd Tuesday, until 1 June 2026"."""
    head, tail = rule_parts(rule_text)
    return ", ".join([head, *tail])


def rule_parts(rule_text: str) -> tuple[str, list[str]]:
    """A rule in words as (when it repeats, [how many times or until when])."""
    rule = parse_rrule(rule_text)
    one, many = UNITS[rule.freq]
    every = f"every {one}" if rule.interval == 1 else f"every {rule.interval} {many}"
    days = [_day(n, d) for n, d in rule.byday]
    if (
        rule.freq == "WEEKLY"
        and [d for n, d in rule.byday] == list(WEEKDAYS[:5])
        and (rule.interval == 1)
    ):
        text = "every weekday"
    elif rule.freq == "WEEKLY" and rule.interval == 1 and len(set(rule.byday)) == 7:
        text = "every day"
    elif days and rule.freq == "WEEKLY" and rule.interval == 1:
        text = "every " + _and(days)
    elif days:
        text = f"{every} on {_and(days)}"
    else:
        text = every
    tail = []
    if rule.count:
        tail.append("once" if rule.count == 1 else f"{rule.count} times")
    if rule.until is not None:
        until = rule.until.date() if isinstance(rule.until, datetime) else rule.until
        tail.append(f"until {until.day} {until:%B %Y}")
    return text, tail


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe(schedule: dict) -> str:
    """A schedule in words: "Every Monday and Thursday at 07:30, 30 min, 8 times"."""
    if schedule["kind"] == "single":
        start = _naive(schedule["start"])
        return f"Once, {DAY_NAMES[WEEKDAYS[start.weekday()]]} {start.day} {start:%B %Y} at " + (
            f"{start:%H:%M}, {schedule['duration_minutes']} min"
        )
    return describe_pattern(schedule)


def describe_pattern(pattern: dict) -> str:
    """A plan's schedule or a template's pattern (rrule, time of day, duration) in words."""
    rule = pattern.get("rrule")
    try:
        head, tail = rule_parts(rule) if rule else ("once", [])
    except RuleError:
        head, tail = "on a schedule this version cannot read", []
    text = ", ".join(
        [f"{head} at {pattern['time_of_day']}, {pattern['duration_minutes']} min", *tail]
    )
    if pattern.get("length_days"):
        text += f", over {pattern['length_days']} days"
    return _capital(text)
