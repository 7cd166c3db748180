"""The account export: complete, valid against the shipped schema, streamed, isolated."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa

from tests.clients import page_text
from tests.data.helpers import export_of, fill_account
from tests.data.rows import make_piece
from tests.factories import log_session
from tests.factories import make_piece as make_piece_with_sections
from woodshed.data.csv_export import neutralise
from woodshed.db import db

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "woodshed/data/export.schema.json").read_text()
)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def validate(doc: dict) -> None:
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(doc)


def test_a_full_account_exports_a_document_that_matches_the_schema(alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    doc = export_of(alice.profile)
    validate(doc)
    assert doc["format"] == "woodshed-export"
    assert doc["version"] == 1
    assert doc["account"]["email"] == "alice@example.org"
    assert doc["profile"]["timezone"] == "Europe/Berlin"
    assert [len(doc[k]) for k in ("instruments", "pieces", "skills", "goals", "resources")] == [
        1,
        1,
        1,
        1,
        1,
    ]
    assert [s["name"] for s in doc["pieces"][0]["sections"]] == ["A section", "Coda"]
    assert doc["goals"][0]["checklist"][0]["text"] == "Hands separately"


def test_the_full_account_holds_a_row_of_every_part_of_the_export(alice, frozen_clock):
    """tests/everything.py keeps up with the registry: no part of the export is empty."""
    from woodshed.data.sections import PARTS

    frozen_clock(NOW)
    fill_account(alice)
    doc = export_of(alice.profile)

    def empty(part, objects, path):
        if not objects:
            yield path + part.key
        for child in part.children:
            rows = [row for obj in objects for row in obj[child.key]]
            yield from empty(child, rows, path + part.key + ".")

    assert [p for part in PARTS for p in empty(part, doc[part.key], "")] == []
    validate(doc)
    assert doc["reminders"][0]["time_of_day"] in ("18:00:00", "09:15:00")
    assert doc["notification_settings"][0]["quiet_start"] == "22:00:00"


def test_the_schema_catches_a_field_the_format_does_not_know(alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    doc = export_of(alice.profile)
    doc["sessions"][0]["secret_field"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def test_sessions_carry_items_tags_goals_evidence_history_date_and_zone(alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    first = min(export_of(alice.profile)["sessions"], key=lambda s: s["started_at"])
    # 01:00 on the 8th in Berlin is before the 04:00 rollover: the 7th.
    assert first["started_at"] == "2026-03-08T00:00:00+00:00"
    assert first["practice_date"] == "2026-03-07"
    assert first["timezone"] == "Europe/Berlin"
    assert first["duration_minutes"] == 50
    assert [i["bar_start"] for i in first["items"]] == [1, None]
    assert first["tags"] == ["Left hand"]
    assert len(first["goal_ids"]) == 1
    assert [e["kind"] for e in first["evidence"]] == ["link", "note", "note"]
    (revision,) = first["revisions"]
    assert revision["editor"] == "self"
    assert revision["changes"]["duration_minutes"] == [45, 50]
    assert "version" not in first
    assert "profile_id" not in first


def test_the_api_streams_the_export_as_a_download(alice_api, alice, frozen_clock):
    frozen_clock(NOW)
    log_session(alice.profile, duration_minutes=20)
    response = alice_api.get("/api/v1/export")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="woodshed-export-2026-03-10.json"'
    )
    doc = json.loads(response.get_data(as_text=True))
    validate(doc)
    assert [s["duration_minutes"] for s in doc["sessions"]] == [20]


def test_the_export_holds_nothing_of_another_musician(alice_api, alice, bob, frozen_clock):
    frozen_clock(NOW)
    fill_account(bob)
    log_session(alice.profile, duration_minutes=20)
    doc = json.loads(alice_api.get("/api/v1/export").get_data(as_text=True))
    text = json.dumps(doc)
    assert "Nocturne" not in text
    assert "bob@" not in text
    assert len(doc["sessions"]) == 1
    assert doc["instruments"] == []


def test_the_export_needs_a_signed_in_caller(client):
    response = client.get("/api/v1/export")
    assert response.status_code == 401


def _count_statements(app, fn) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    engine = app.extensions["woodshed.engine"]
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_exporting_costs_the_same_statements_for_one_session_or_hundreds(
    app, alice, bob, frozen_clock
):
    """PERF-QUERIES: one query per table and batch (500 sessions), not per session."""
    frozen_clock(NOW)
    piece = make_piece(alice.profile)
    for profile, n in ((alice.profile, 1), (bob.profile, 300)):
        other = make_piece(profile, "Etude") if profile is bob.profile else piece
        for i in range(n):
            log_session(
                profile,
                started_at=NOW - timedelta(hours=i + 1),
                items=[{"piece_id": other.id, "minutes": 5}],
                tags=["a"],
                evidence=[{"kind": "note", "text": "x"}],
            )
    db.session.expire_all()
    one = _count_statements(app, lambda: export_of(alice.profile))
    many = _count_statements(app, lambda: export_of(bob.profile))
    assert one == many


# --- CSV ----------------------------------------------------------------------------------


def _csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "spreadsheets need the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49 123", "'+49 123"),
        ("-5 min", "'-5 min"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain = text", "plain = text"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(text, expected):
    assert neutralise(text) == expected


def test_the_sessions_csv_summarises_items_in_readable_columns(alice_api, alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    response = alice_api.get("/api/v1/export/sessions.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = _csv(response)
    first = rows[0]  # oldest first
    assert first["practice_date"] == "2026-03-07"
    assert first["start_time"] == "01:00"
    assert first["started_at"] == "2026-03-08T01:00:00+01:00"
    assert first["items"] == (
        "Nocturne op. 9/2 › A section, bars 1–8, 20 min, @ 60/72 bpm, run-through,"
        " “Bar 5: thumb under”; Scales, 10 min"
    )
    assert (first["pieces"], first["sections"], first["skills"]) == (
        "Nocturne op. 9/2",
        "A section",
        "Scales",
    )
    assert first["tags"] == "Left hand"
    assert first["achievements"] == "'+ clean run"  # formula-like text neutralised
    assert first["goals"] == "A section at 72"
    assert first["exam_prep"] == "true"
    assert rows[1]["private"] == "true"


def test_the_items_pieces_and_goals_csvs(alice_api, alice, frozen_clock):
    frozen_clock(NOW)
    fill_account(alice)
    items = _csv(alice_api.get("/api/v1/export/session-items.csv"))
    assert [(i["position"], i["piece"], i["skill"], i["bars"], i["note"]) for i in items] == [
        ("1", "Nocturne op. 9/2", "", "1-8", "Bar 5: thumb under"),
        ("2", "", "Scales", "", ""),
    ]
    pieces = _csv(alice_api.get("/api/v1/export/pieces.csv"))
    assert [(p["title"], p["section"], p["bars"]) for p in pieces] == [
        ("Nocturne op. 9/2", "A section", "1-12"),
        ("Nocturne op. 9/2", "Coda", "29-34"),
    ]
    goals = _csv(alice_api.get("/api/v1/export/goals.csv"))
    assert goals[0]["checklist"] == "[x] Hands separately"
    assert goals[0]["section"] == "A section"


def test_a_hostile_cell_in_any_csv_is_neutralised(alice_api, alice, frozen_clock):
    frozen_clock(NOW)
    make_piece(alice.profile, '=HYPERLINK("http://evil")', composer="@evil")
    log_session(alice.profile, notes="-2+3", tags=["=cmd"])
    pieces = _csv(alice_api.get("/api/v1/export/pieces.csv"))
    assert pieces[0]["title"].startswith("'=")
    assert pieces[0]["composer"] == "'@evil"
    sessions = _csv(alice_api.get("/api/v1/export/sessions.csv"))
    assert sessions[0]["notes"] == "'-2+3"
    assert sessions[0]["tags"] == "'=cmd"


def test_the_settings_page_offers_every_download(alice_web):
    response = alice_web.get("/settings/data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for url in (
        "/api/v1/export",
        "/api/v1/export/sessions.csv",
        "/api/v1/export/session-items.csv",
        "/api/v1/export/pieces.csv",
        "/api/v1/export/goals.csv",
    ):
        assert f'href="{url}"' in html
    assert "Download everything" in page_text(response)


def test_a_browser_downloads_the_export_with_its_cookie(alice_web, alice):
    log_session(alice.profile)
    response = alice_web.get("/api/v1/export")
    assert response.status_code == 200
    assert len(json.loads(response.get_data(as_text=True))["sessions"]) == 1


def test_the_delete_page_offers_the_export_first(alice_web):
    response = alice_web.get("/settings/delete")
    assert 'href="/api/v1/export"' in response.get_data(as_text=True)
    assert "download everything as JSON" in page_text(response)


def test_the_sessions_csv_says_an_unnamed_passages_bars_once_as_its_label(alice_api, alice):
    piece = make_piece_with_sections(
        alice.profile, "Etude", sections=[("", 1, 8), ("Coda", 30, 40)]
    )
    unnamed, coda = piece.sections
    log_session(
        alice.profile,
        items=[
            {"section_id": unnamed.id, "bars": "1-8", "minutes": 10},
            {"section_id": coda.id, "bars": "33-36"},
        ],
    )

    row = _csv(alice_api.get("/api/v1/export/sessions.csv"))[0]
    items = _csv(alice_api.get("/api/v1/export/session-items.csv"))

    assert row["items"] == "Etude › bars 1–8, 10 min; Etude › Coda, bars 33–36"
    assert row["sections"] == "bars 1–8; Coda"
    assert [i["bars"] for i in items] == ["1-8", "33-36"]  # as typed, as the import takes it
