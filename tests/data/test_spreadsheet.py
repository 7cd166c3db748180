"""Reading spreadsheets: dialects, encodings, dates, times, durations and column guesses."""

import codecs
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from woodshed.data.spreadsheet import (
    FIELDS,
    Table,
    TableError,
    guess_mapping,
    mapping_problems,
    parse_date,
    parse_minutes,
    parse_rating,
    parse_rows,
    parse_section,
    parse_started_at,
    parse_tags,
    parse_time,
    read_table,
)

HEADER = ["Date", "Minutes", "Notes"]
ROWS = [["2024-03-05", "45", "Scales; arpeggios, slowly"], ["2024-03-06", "1:30", 'She said "go"']]


def _encode(rows, delimiter: str, line_end: str) -> str:
    def cell(c):
        if any(ch in c for ch in (delimiter, '"', "\n")):
            return '"' + c.replace('"', '""') + '"'
        return c

    return "".join(delimiter.join(cell(c) for c in row) + line_end for row in rows)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8], ids=["no-bom", "bom"])
def test_any_common_dialect_reads_the_same_table(delimiter, line_end, bom):
    raw = bom + _encode([HEADER, *ROWS], delimiter, line_end).encode()
    table = read_table(raw)
    assert table.delimiter == delimiter
    assert table.headers == HEADER
    assert [cells for _n, cells in table.rows] == ROWS
    assert [n for n, _ in table.rows] == [2, 3]


def test_utf16_with_a_byte_order_mark_is_read():
    raw = _encode([HEADER, *ROWS], "\t", "\r\n").encode("utf-16")
    assert read_table(raw).rows[0][1][2] == "Scales; arpeggios, slowly"


def test_quoted_cells_keep_line_breaks_and_blank_rows_are_skipped():
    raw = b'date,minutes,notes\n\n2024-03-05,45,"two\nlines"\n,,\n2024-03-06,30,x\n'
    table = read_table(raw)
    assert [(n, cells[2]) for n, cells in table.rows] == [(3, "two\nlines"), (5, "x")]


def test_commas_in_notes_do_not_fool_the_separator_detection():
    raw = b"Date;Minutes;Notes\n2024-03-05;45;a, b, c, d, e\n2024-03-06;30;f, g, h\n"
    assert read_table(raw).delimiter == ";"


def test_missing_and_duplicate_headers_get_names():
    table = read_table(b"Notes,,Notes\n1,2,3\n")
    assert table.headers == ["Notes", "Column 2", "Notes (2)"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Datum;Notiz\n05.03.2024;Übung\n".encode("latin-1"), "not UTF-8 text"),
        (b"PK\x03\x04rest-of-a-zip", "spreadsheet workbook"),
        (b"\xd0\xcf\x11\xe0old-excel", "spreadsheet workbook"),
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"a,b\x00c\n", "binary"),
    ],
    ids=["latin-1", "xlsx", "xls", "empty", "blank", "binary"],
)
def test_files_that_are_not_readable_csv_are_refused_with_the_reason(raw, message):
    with pytest.raises(TableError, match=message):
        read_table(raw)


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2024-03-05", "DMY", date(2024, 3, 5)),
        ("2024-03-05", "MDY", date(2024, 3, 5)),
        ("2024/3/5", "DMY", date(2024, 3, 5)),
        ("05/03/2024", "DMY", date(2024, 3, 5)),
        ("05/03/2024", "MDY", date(2024, 5, 3)),
        ("5.3.2024", "DMY", date(2024, 3, 5)),
        ("05-03-24", "DMY", date(2024, 3, 5)),
        ("5 Mar 2024", "MDY", date(2024, 3, 5)),
        ("5 March 2024", "DMY", date(2024, 3, 5)),
        ("05-Mar-2024", "DMY", date(2024, 3, 5)),
        ("Mar 5, 2024", "DMY", date(2024, 3, 5)),
        ("September 30th 2024", "DMY", date(2024, 9, 30)),
        ("Tue 5 Mar 2024", "DMY", date(2024, 3, 5)),
        ("Tuesday, March 5, 2024", "DMY", date(2024, 3, 5)),
        ("29/02/2024", "DMY", date(2024, 2, 29)),
    ],
)
def test_dates_are_read_in_the_common_forms(text, order, expected):
    assert parse_date(text, order) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2024", "There is no such date: 31/02/2024."),
        ("29/02/2023", "There is no such date"),
        ("2024-13-01", "There is no such date"),
        ("5 Smarch 2024", "Write the date like"),
        ("yesterday", "Write the date like"),
        ("2024-03", "Write the date like"),
    ],
)
def test_impossible_or_unreadable_dates_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text, "DMY")


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@given(day=st.dates(date(1900, 1, 1), date(2099, 12, 31)), order=st.sampled_from(["DMY", "MDY"]))
def test_every_date_written_in_any_supported_form_reads_back(day, order):
    first, second = (day.day, day.month) if order == "DMY" else (day.month, day.day)
    month = MONTHS[day.month - 1]
    for text in (
        day.isoformat(),
        f"{first:02d}/{second:02d}/{day.year}",
        f"{first}.{second}.{day.year}",
        f"{day.day} {month} {day.year}",
        f"{month} {day.day}, {day.year}",
        f"{day.day} {day.strftime('%B')} {day.year}",
    ):
        assert parse_date(text, order) == day, text


# --- times and instants -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:30", time(18, 30)),
        ("8:05", time(8, 5)),
        ("18:30:15", time(18, 30, 15)),
        ("18.30", time(18, 30)),
        ("6:30 pm", time(18, 30)),
        ("6:30PM", time(18, 30)),
        ("12:10 am", time(0, 10)),
        ("12 pm", time(12, 0)),
        ("6pm", time(18, 0)),
    ],
)
def test_times_are_read_in_the_common_forms(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00", "no such time"),
        ("18:60", "no such time"),
        ("13 pm", "the hour is 1 to 12"),
        ("noon", "Write the time like"),
        ("18", "Write the time like"),
    ],
)
def test_impossible_times_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected", "date_only"),
    [
        ("2024-03-05T18:30:00+01:00", datetime(2024, 3, 5, 17, 30, tzinfo=UTC), False),
        ("2024-03-05T18:30:00Z", datetime(2024, 3, 5, 18, 30, tzinfo=UTC), False),
        ("2024-03-05 18:30", datetime(2024, 3, 5, 17, 30, tzinfo=UTC), False),  # Berlin, CET
        ("2024-07-05 18:30", datetime(2024, 7, 5, 16, 30, tzinfo=UTC), False),  # CEST
        ("05/03/2024 6:30 pm", datetime(2024, 3, 5, 17, 30, tzinfo=UTC), False),
        ("5 Mar 2024", datetime(2024, 3, 5, 11, 0, tzinfo=UTC), True),  # noon in Berlin
    ],
)
def test_a_start_is_read_in_the_musicians_zone_unless_it_has_an_offset(text, expected, date_only):
    instant, only_date, _said = parse_started_at(text, "DMY", "Europe/Berlin")
    assert (instant, only_date) == (expected, date_only)


# --- durations, ratings, sections, tags ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45", 45),
        (" 45 ", 45),
        ("45.4", 45),
        ("45,6", 46),
        ("1:30", 90),
        ("01:30:00", 90),
        ("1h30m", 90),
        ("1h 30min", 90),
        ("1.5h", 90),
        ("2 hours", 120),
        ("90 min", 90),
        ("600", 600),
    ],
)
def test_durations_are_read_in_the_common_forms(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "cannot be negative"),
        ("-1:30", "cannot be negative"),
        ("0", "at least 1 minute"),
        ("0:00", "at least 1 minute"),
        ("601", "at most 600 minutes"),
        ("11h", "at most 600 minutes"),
        ("a while", "Enter minutes"),
    ],
)
def test_bad_durations_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_minutes(text)


@given(st.integers(1, 600))
def test_every_duration_reads_back_from_each_form(minutes):
    hours, rest = divmod(minutes, 60)
    forms = [str(minutes), f"{hours}:{rest:02d}", f"{minutes} min"]
    if hours:
        forms.append(f"{hours}h{rest}m" if rest else f"{hours}h")
    for text in forms:
        assert parse_minutes(text) == minutes, text


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("5", 5), ("4.0", 4)])
def test_ratings_from_one_to_five_are_read(text, value):
    assert parse_rating(text) == value


@pytest.mark.parametrize("text", ["0", "6", "-1", "3.5", "good"])
def test_ratings_outside_one_to_five_are_refused(text):
    with pytest.raises(ValueError, match=r"Rate from 1 to 5\."):
        parse_rating(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("33-40", (None, (33, 40))),
        ("bars 9 to 16", (None, (9, 16))),
        ("Coda", ("Coda", None)),
        ("B section (bars 9-16)", ("B section", (9, 16))),
        ("B section [9–16]", ("B section", (9, 16))),
    ],
)
def test_a_section_cell_holds_bars_a_name_or_both(text, expected):
    assert parse_section(text) == expected


def test_tags_are_split_on_commas_semicolons_and_bars_without_repeats():
    assert parse_tags("Left hand, sight-reading; left HAND | rhythm") == [
        "Left hand",
        "sight-reading",
        "rhythm",
    ]
    with pytest.raises(ValueError, match="50 characters"):
        parse_tags("x" * 51)


# --- mapping --------------------------------------------------------------------------


def test_columns_are_guessed_from_their_headers():
    headers = [
        "Datum",
        "Start time",
        "Duration (min)",
        "Piece",
        "Bars",
        "Focus",
        "What I practiced",
        "Mood",
        "Something else",
    ]
    assert guess_mapping(headers) == {
        "Datum": "date",
        "Start time": "time",
        "Duration (min)": "duration_minutes",
        "Piece": "piece",
        "Bars": "section",
        "Focus": "tags",
        "Mood": "mood",
    }


def test_a_started_at_column_wins_over_date_and_time_guesses():
    assert guess_mapping(["started_at", "date", "minutes"]) == {
        "started_at": "started_at",
        "minutes": "duration_minutes",
    }


def test_a_saved_mapping_wins_over_guesses_and_can_ignore_a_column():
    saved = {"When": "date", "Minutes": "", "Length": "duration_minutes"}
    assert guess_mapping(["When", "Minutes", "Length"], saved) == {
        "When": "date",
        "Length": "duration_minutes",
    }


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"Date": "date"}, "Map a column to Duration"),
        ({"Minutes": "duration_minutes"}, "Map a column to Date"),
        ({"Date": "started_at", "Notes": "date", "Minutes": "duration_minutes"}, "not both"),
        ({"Date": "date", "Notes": "date", "Minutes": "duration_minutes"}, "choose one"),
        ({"Nope": "date", "Minutes": "duration_minutes"}, "no column “Nope”"),
    ],
)
def test_a_mapping_without_what_is_required_is_a_problem(mapping, message):
    problems = mapping_problems(HEADER, mapping)
    assert any(message in p.message for p in problems), problems


def test_every_row_problem_names_its_row_and_column():
    table = Table(
        headers=["Date", "Minutes", "Mood", "Piece", "Section"],
        rows=[
            (2, ["31/02/2024", "-5", "7", "", "B"]),
            (3, ["2024-03-05", "45", "3", "Nocturne", "12-8"]),
            (4, ["2999-01-01", "", "", "", ""]),
            (5, ["2024-03-05", "45", "", "", "", "surplus"]),
        ],
        delimiter=",",
        encoding="UTF-8",
    )
    mapping = {
        "Date": "date",
        "Minutes": "duration_minutes",
        "Mood": "mood",
        "Piece": "piece",
        "Section": "section",
    }
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    rows, problems = parse_rows(table, mapping, "DMY", "Europe/Berlin", 4, now)
    found = {(p.row, p.column): p.message for p in problems}
    assert found[(2, "Date")] == "There is no such date: 31/02/2024."
    assert found[(2, "Minutes")] == "The duration cannot be negative."
    assert found[(2, "Mood")] == "Rate from 1 to 5."
    assert found[(2, "Section")] == "A section belongs to a piece: fill in the piece too."
    assert found[(3, "Section")] == "The first bar (12) comes after the last (8)."
    assert found[(4, "Date")] == "This is in the future."
    assert found[(4, "Minutes")] == "The duration is missing."
    assert "6 cells but the header has 5" in found[(5, None)]
    assert rows == []


def test_fields_offered_for_mapping_are_the_documented_ones():
    assert list(FIELDS) == [
        "date",
        "time",
        "started_at",
        "duration_minutes",
        "instrument",
        "piece",
        "section",
        "skill",
        "tags",
        "notes",
        "next_time",
        "struggles",
        "achievements",
        "mood",
        "quality",
        "enjoyment",
    ]
