"""Reading practice logs from spreadsheets: decoding, dialect, column mapping, and turning
each row's text into session values, with every problem named by row and column.

Pure functions, no database: `woodshed.data.csv_import` matches names and writes.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from woodshed.timeutil import local_to_utc, practice_date
from woodshed.validation import BARS, parse_bars, parse_duration, single_line_error

#: The fields a column can be mapped to, with the label the mapping form shows.
FIELDS: dict[str, str] = {
    "date": "Date",
    "time": "Start time",
    "started_at": "Start (date and time)",
    "duration_minutes": "Duration",
    "instrument": "Instrument",
    "piece": "Piece",
    "section": "Section or bars",
    "skill": "Skill",
    "tags": "Tags",
    "notes": "Notes",
    "next_time": "Next time",
    "struggles": "Struggles",
    "achievements": "Achievements",
    "mood": "Mood (1–5)",
    "quality": "Quality (1–5)",
    "enjoyment": "Enjoyment (1–5)",
}
DATE_ORDERS = ("DMY", "MDY")
TEXT_FIELDS = ("notes", "next_time", "struggles", "achievements")
RATING_FIELDS = ("mood", "quality", "enjoyment")
NAME_LIMITS = {"instrument": 100, "piece": 200, "section": 200, "skill": 200}
TEXT_LIMIT = 20000
TAG_LIMIT, MAX_TAGS = 50, 20
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MIN_MINUTES, MAX_MINUTES = 1, 600
CLOCK_SKEW = timedelta(minutes=5)
#: A date without a time is logged at noon in the musician's zone: inside that practice
#: day whatever the rollover hour (0–6), and clear of DST changes (which happen at night).
DATE_ONLY_TIME = time(12, 0)

SYNONYMS: dict[str, set[str]] = {
    "date": {"date", "day", "practicedate", "datum", "dateplayed", "datepracticed", "when"},
    "time": {"time", "starttime", "start", "timeofday", "startedtime", "clock"},
    "started_at": {"startedat", "datetime", "timestamp", "startdatetime", "started", "startedon"},
    "duration_minutes": {
        "duration",
        "durationminutes",
        "durationmin",
        "durationmins",
        "minutes",
        "mins",
        "min",
        "length",
        "timespent",
        "practicetime",
        "totalminutes",
        "practiceminutes",
    },
    "instrument": {"instrument", "instr"},
    "piece": {"piece", "title", "song", "work", "tune", "piecetitle", "repertoire"},
    "section": {"section", "passage", "bars", "measures"},
    "skill": {"skill", "technique", "exercise"},
    "tags": {"tags", "tag", "focus", "focustags", "labels", "categories"},
    "notes": {"notes", "note", "description", "comments", "comment", "whatwaspracticed"},
    "next_time": {"nexttime", "next", "nextsession", "todonext", "startwithnext"},
    "struggles": {"struggles", "struggle", "problems", "difficulties", "challenges"},
    "achievements": {"achievements", "achievement", "wins", "highlights"},
    "mood": {"mood"},
    "quality": {"quality"},
    "enjoyment": {"enjoyment", "fun"},
}
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAY_PREFIX = re.compile(
    r"^(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE
)
ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$")
DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]+)\.?,?[\s\-]+(\d{4})$", re.I)
MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", re.I)
CLOCK_TIME = re.compile(
    r"^(\d{1,2})(?:[:.h](\d{2}))?(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE
)
TRAILING_TIME = re.compile(
    r"^(.*?\S)[\sT,]+(\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?)$", re.IGNORECASE
)
SECTION_WITH_BARS = re.compile(
    r"^(.*?)\s*[(\[]\s*(?:bars?|mm?\.?)?\s*(\d{1,5})\s*(?:-|–|—|to)\s*(\d{1,5})\s*[)\]]$",
    re.IGNORECASE,
)
DECIMAL = re.compile(r"^\d+[.,]\d+$")
WHOLE = re.compile(r"^\d+(?:[.,]0+)?$")
CONTROL = re.compile(r"[\x00-\x08\x0c\x0e-\x1f\x7f]")


class TableError(ValueError):
    """The file cannot be read as a table at all (encoding, binary, empty)."""


@dataclass
class Problem:
    """What is wrong, where: `row` is the spreadsheet row (the header is row 1)."""

    message: str
    row: int | None = None
    column: str | None = None
    field: str | None = None


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str
    encoding: str
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Row:
    """A row's values as they will be stored."""

    number: int
    started_at: datetime
    practice_date: date
    date_only: bool
    when: str  # what the row says about time, independent of the profile's zone
    duration_minutes: int
    instrument: str | None = None
    piece: str | None = None
    section: str | None = None
    bars: tuple[int, int] | None = None
    skill: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    next_time: str = ""
    struggles: str = ""
    achievements: str = ""
    mood: int | None = None
    quality: int | None = None
    enjoyment: int | None = None
    fingerprint: str = ""

    def identity(self) -> list:
        def key(v):
            return v.casefold() if v else None

        return [
            self.when,
            self.duration_minutes,
            key(self.instrument),
            key(self.piece),
            key(self.section),
            list(self.bars) if self.bars else None,
            key(self.skill),
            sorted(t.casefold() for t in self.tags),
            self.notes,
            self.next_time,
            self.struggles,
            self.achievements,
            self.mood,
            self.quality,
            self.enjoyment,
        ]


# --- reading the file -------------------------------------------------------------------------


def decode(raw: bytes) -> tuple[str, str]:
    """The text of an upload and the encoding found; refuses what is not UTF-8/UTF-16 text."""
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError(
            "This is a spreadsheet workbook, not a CSV file. In your spreadsheet choose "
            "“Save as” → “CSV UTF-8” and upload that file."
        )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    elif raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError:
            pass
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TableError(
                f"The file is not UTF-8 text (the byte at position {exc.start + 1} is not). "
                "Save it as “CSV UTF-8” and upload it again."
            ) from None
        if "\x00" in text:
            raise TableError("This looks like a binary file, not CSV text.")
        return text, "UTF-8"
    raise TableError("The file's text encoding is damaged. Save it as “CSV UTF-8” and try again.")


def _delimiter(sample: str) -> str:
    header = next((line for line in sample.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = None
    # The sniffer can be fooled by commas in notes; trust it only if the header agrees.
    if sniffed and counts.get(sniffed, 0) > 0:
        return sniffed
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _headers(cells: list[str]) -> list[str]:
    headers: list[str] = []
    seen: Counter[str] = Counter()
    for i, cell in enumerate(cells, start=1):
        name = cell.strip() or f"Column {i}"
        seen[name.casefold()] += 1
        if seen[name.casefold()] > 1:
            name = f"{name} ({seen[name.casefold()]})"
        headers.append(name)
    return headers


def read_table(raw: bytes) -> Table:
    """Decode and split a CSV upload (comma, semicolon or tab; any line endings)."""
    text, encoding = decode(raw)
    delimiter = _delimiter(text[:65536])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(f"This row cannot be read: {exc}.", row=number + 1))
            break
        number += 1
        if headers is None:
            if len(cells) > MAX_COLUMNS:
                raise TableError(
                    f"The file has {len(cells)} columns; Woodshed reads at most {MAX_COLUMNS}."
                )
            if any(c.strip() for c in cells):
                headers = _headers(cells)
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(Problem(f"Import at most {MAX_ROWS:,} rows at a time.", row=number))
            break
        rows.append((number, cells))
    if headers is None:
        raise TableError("The file is empty: it needs a header row and at least one row.")
    return Table(headers, rows, delimiter, encoding, problems)


# --- mapping ------------------------------------------------------------------------------------


def normalise_header(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.casefold())


def guess_mapping(headers: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """{header: field} for the headers we recognise; a saved mapping wins over guesses."""
    saved = saved or {}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        field_name = saved.get(header)
        if field_name in FIELDS and field_name not in taken:
            mapping[header] = field_name
            taken.add(field_name)
    for header in headers:
        if header in mapping or header in saved:
            continue
        key = normalise_header(header)
        for field_name, names in SYNONYMS.items():
            if key in names and field_name not in taken:
                mapping[header] = field_name
                taken.add(field_name)
                break
    if "started_at" in taken:
        mapping = {h: f for h, f in mapping.items() if f not in ("date", "time") or h in saved}
    return mapping


def mapping_problems(headers: list[str], mapping: dict[str, str]) -> list[Problem]:
    problems = []
    used: dict[str, str] = {}
    for header, field_name in mapping.items():
        if header not in headers:
            problems.append(Problem(f"The file has no column “{header}”.", column=header))
        elif field_name not in FIELDS:
            problems.append(Problem(f"“{field_name}” is not a field.", column=header))
        elif field_name in used:
            problems.append(
                Problem(
                    f"Both “{used[field_name]}” and “{header}” are mapped to "
                    f"{FIELDS[field_name]}; choose one.",
                    column=header,
                    field=field_name,
                )
            )
        else:
            used[field_name] = header
    if "duration_minutes" not in used:
        problems.append(
            Problem("Map a column to Duration: it is required.", field="duration_minutes")
        )
    if "started_at" in used and ("date" in used or "time" in used):
        problems.append(
            Problem(
                "Map either one column to Start (date and time), or columns to Date and "
                "Start time — not both.",
                field="started_at",
            )
        )
    elif "started_at" not in used and "date" not in used:
        problems.append(
            Problem(
                "Map a column to Date (or to Start (date and time)): it is required.",
                field="date",
            )
        )
    return problems


# --- values ------------------------------------------------------------------------------------


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _make_date(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"There is no such date: {original}.") from None


def parse_date(text: str, order: str = "DMY") -> date:
    """`2024-03-05`, `05/03/2024` (DMY or MDY as chosen), `5 Mar 2024`, `Mar 5, 2024`."""
    original = text.strip()
    value = WEEKDAY_PREFIX.sub("", original)
    if m := ISO_DATE.match(value):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), original)
    if m := NUMERIC_DATE.match(value):
        first, second = int(m[1]), int(m[2])
        day, month = (first, second) if order == "DMY" else (second, first)
        return _make_date(_year(m[3]), month, day, original)
    if (m := DAY_MONTH_YEAR.match(value)) and m[2].lower() in MONTHS:
        return _make_date(int(m[3]), MONTHS[m[2].lower()], int(m[1]), original)
    if (m := MONTH_DAY_YEAR.match(value)) and m[1].lower() in MONTHS:
        return _make_date(int(m[3]), MONTHS[m[1].lower()], int(m[2]), original)
    raise ValueError("Write the date like 2024-03-05, 05/03/2024 or 5 Mar 2024.")


def parse_time(text: str) -> time:
    """`18:30`, `18:30:15`, `18.30`, `6:30 pm`, `6pm`."""
    m = CLOCK_TIME.match(text.strip())
    if not m or (m[2] is None and m[4] is None):
        raise ValueError("Write the time like 18:30 or 6:30 pm.")
    hour, minute, second = int(m[1]), int(m[2] or 0), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            raise ValueError("With am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if m[4].lower().startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"There is no such time: {text.strip()}.")
    return time(hour, minute, second)


def parse_minutes(text: str) -> int:
    """A duration in minutes from `45`, `45.5`, `1:30` or `1h30m`, within 1–600."""
    value = text.strip()
    if value.startswith(("-", "−")):
        raise ValueError("The duration cannot be negative.")
    minutes = round(float(value.replace(",", "."))) if DECIMAL.match(value) else None
    if minutes is None:
        minutes = parse_duration(value)
    if minutes < MIN_MINUTES:
        raise ValueError("The duration must be at least 1 minute.")
    if minutes > MAX_MINUTES:
        raise ValueError("A session lasts at most 600 minutes (10 hours).")
    return minutes


def parse_rating(text: str) -> int:
    value = text.strip()
    if not WHOLE.match(value) or not 1 <= int(float(value.replace(",", "."))) <= 5:
        raise ValueError("Rate from 1 to 5.")
    return int(float(value.replace(",", ".")))


def parse_started_at(text: str, order: str, tz: str) -> tuple[datetime, bool, str]:
    """(instant, date only?, what the cell says) from `2024-03-05T18:30+01:00`,
    `2024-03-05 18:30` (in the musician's zone), `05/03/2024 6:30 pm` or a date alone."""
    value = text.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", value):
        try:
            parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is not None:
                instant = parsed.astimezone(UTC)
                return instant, False, "U" + instant.isoformat()
            return local_to_utc(parsed, tz), False, "L" + parsed.isoformat()
    if m := TRAILING_TIME.match(value):
        try:
            day = parse_date(m[1], order)
        except ValueError:
            day = None
        if day is not None:
            local = datetime.combine(day, parse_time(m[2]))
            return local_to_utc(local, tz), False, "L" + local.isoformat()
    day = parse_date(value, order)
    return local_to_utc(datetime.combine(day, DATE_ONLY_TIME), tz), True, "D" + day.isoformat()


def parse_section(text: str) -> tuple[str | None, tuple[int, int] | None]:
    """`33-40` (bars only), `B section (bars 9-16)` (name and bars) or `B section`."""
    value = text.strip()
    if BARS.match(value):
        return None, parse_bars(value)  # bars that do not make a range say why
    if m := SECTION_WITH_BARS.match(value):
        start, end = int(m[2]), int(m[3])
        if start < 1 or start > end:
            raise ValueError(f"The bars {start}-{end} are not a range from the first bar.")
        return (m[1].strip() or None), (start, end)
    return value, None


def parse_tags(text: str) -> list[str]:
    tags: dict[str, str] = {}
    for part in re.split(r"[,;|]", text):
        tag = part.strip()
        if not tag:
            continue
        if message := single_line_error(tag):
            raise ValueError(message)
        if len(tag) > TAG_LIMIT:
            raise ValueError(f"Keep each tag to {TAG_LIMIT} characters or fewer.")
        tags.setdefault(tag.casefold(), tag)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"Give at most {MAX_TAGS} tags.")
    return list(tags.values())


def clean_text(text: str, limit: int) -> str:
    value = CONTROL.sub("", text.replace("\x0b", "\n")).strip()
    if len(value) > limit:
        raise ValueError(f"Keep this to {limit:,} characters or fewer.")
    return value


# --- rows ---------------------------------------------------------------------------------------


def parse_rows(
    table: Table, mapping: dict[str, str], order: str, tz: str, rollover: int, now: datetime
) -> tuple[list[Row], list[Problem]]:
    """Every row as stored values; problems name the row and the column."""
    problems = list(table.problems) + mapping_problems(table.headers, mapping)
    if any(p.row is None for p in problems):
        return [], problems
    column_of = {f: table.headers.index(h) for h, f in mapping.items()}
    header_of = {f: h for h, f in mapping.items()}
    today = practice_date(now, tz, rollover)
    rows: list[Row] = []
    for number, cells in table.rows:
        if len(cells) > len(table.headers) and any(c.strip() for c in cells[len(table.headers) :]):
            problems.append(
                Problem(
                    f"This row has {len(cells)} cells but the header has {len(table.headers)}; "
                    "check the separator or quotes.",
                    row=number,
                )
            )
            continue
        cell = {f: (cells[i] if i < len(cells) else "").strip() for f, i in column_of.items()}
        row, row_problems = _parse_row(number, cell, header_of, order, tz, rollover, now, today)
        problems.extend(row_problems)
        if row is not None:
            rows.append(row)
    _fingerprint(rows)
    return rows, problems


def _parse_row(number, cell, header_of, order, tz, rollover, now, today):
    problems: list[Problem] = []

    def problem(field_name: str, message: str) -> None:
        problems.append(Problem(message, number, header_of.get(field_name), field_name))

    values: dict = {}
    when = None
    try:
        if "started_at" in cell:
            if not cell["started_at"]:
                raise ValueError("The start is missing.")
            when = parse_started_at(cell["started_at"], order, tz)
        else:
            when = _date_and_time(cell, order, tz, problem)
    except ValueError as exc:
        problem("started_at" if "started_at" in cell else "date", str(exc))
    if when is not None:
        instant, date_only, said = when
        day = practice_date(instant, tz, rollover)
        if date_only and instant > now:
            instant = now  # still that practice day if it is today; later days fail below
        if day > today or (not date_only and instant > now + CLOCK_SKEW):
            problem("started_at" if "started_at" in cell else "date", "This is in the future.")
        elif instant.year < 1900:
            problem("started_at" if "started_at" in cell else "date", "Enter a date after 1900.")
        else:
            values.update(started_at=instant, practice_date=day, date_only=date_only, when=said)
    try:
        values["duration_minutes"] = parse_minutes(cell.get("duration_minutes", ""))
    except ValueError as exc:
        message = str(exc) if cell.get("duration_minutes") else "The duration is missing."
        problem("duration_minutes", message)
    for name, limit in NAME_LIMITS.items():
        if cell.get(name):
            if line_error := single_line_error(cell[name]):
                problem(name, line_error)
            elif len(cell[name]) > limit:
                problem(name, f"Keep this to {limit} characters or fewer.")
            elif name == "section":
                try:
                    values["section"], values["bars"] = parse_section(cell[name])
                except ValueError as exc:
                    problem(name, str(exc))
            else:
                values[name] = clean_text(cell[name], limit) or None
    if values.get("section") and not values.get("piece"):
        problem("section", "A section belongs to a piece: fill in the piece too.")
    if values.get("bars") and not values.get("piece"):
        problem("section", "Bars belong to a piece: fill in the piece too.")
    if cell.get("tags"):
        try:
            values["tags"] = parse_tags(cell["tags"])
        except ValueError as exc:
            problem("tags", str(exc))
    for name in TEXT_FIELDS:
        if cell.get(name):
            try:
                values[name] = clean_text(cell[name], TEXT_LIMIT)
            except ValueError as exc:
                problem(name, str(exc))
    for name in RATING_FIELDS:
        if cell.get(name):
            try:
                values[name] = parse_rating(cell[name])
            except ValueError as exc:
                problem(name, str(exc))
    if problems:
        return None, problems
    return Row(number=number, **values), problems


def _date_and_time(cell, order, tz, problem):
    if not cell.get("date"):
        raise ValueError("The date is missing.")
    day = parse_date(cell["date"], order)
    if not cell.get("time"):
        local = datetime.combine(day, DATE_ONLY_TIME)
        return local_to_utc(local, tz), True, "D" + day.isoformat()
    try:
        clock = parse_time(cell["time"])
    except ValueError as exc:
        problem("time", str(exc))
        return None
    local = datetime.combine(day, clock)
    return local_to_utc(local, tz), False, "L" + local.isoformat()


def _fingerprint(rows: list[Row]) -> None:
    """Same values → same fingerprint; identical rows in one file are told apart by count."""
    seen: Counter = Counter()
    for row in rows:
        identity = json.dumps(row.identity(), ensure_ascii=False, separators=(",", ":"))
        seen[identity] += 1
        digest = hashlib.sha256(f"{identity}#{seen[identity]}".encode()).hexdigest()
        row.fingerprint = digest
