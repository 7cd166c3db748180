"""A session's items carry a short note of their own (issue 12, item 5): the log form, the
API, the entry page, search and the edit form all know it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from tests.clients import field_errors, page_text
from tests.factories import make_piece, make_skill
from tests.journal.html import read
from woodshed.db import db
from woodshed.journal.models import PracticeSession

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_the_log_form_saves_a_note_per_item_and_the_edit_form_shows_it(
    alice, alice_web, frozen_clock
):
    frozen_clock(NOW)
    piece = make_piece(alice.profile, "Nocturne", sections=[("Cadenza", 33, 40)])
    skill = make_skill(alice.profile, "Scales in thirds")
    form = read(alice_web.get("/journal/new"))
    assert form.value("items-0-note") == ""
    assert form.value("skills-0-note") == ""
    response = alice_web.submit(
        "/journal/new",
        {
            "started_at": "2026-03-10T09:00",
            "duration_minutes": "40",
            "items-0-piece_id": str(piece.id),
            "items-0-section_id": str(piece.sections[0].id),
            "items-0-note": "Left hand rushes in bar 36",
            "skills-0-skill_id": str(skill.id),
            "skills-0-note": "Fourth finger weak",
            "notes": "A good evening",
        },
    )
    assert response.status_code == 302, page_text(response)[:2000]
    session = db.session.scalars(sa.select(PracticeSession)).one()
    assert [i.note for i in session.items] == ["Left hand rushes in bar 36", "Fourth finger weak"]
    entry = page_text(alice_web.get(response.headers["Location"]))
    assert "Nocturne › Cadenza Left hand rushes in bar 36" in entry
    assert "Fourth finger weak" in entry
    edit = read(alice_web.get(f"/journal/{session.id}/edit"))
    assert edit.value("items-0-note") == "Left hand rushes in bar 36"
    assert edit.value("skills-0-note") == "Fourth finger weak"


def test_a_too_long_item_note_is_named_and_kept(alice, alice_web, frozen_clock):
    frozen_clock(NOW)
    piece = make_piece(alice.profile, "Nocturne")
    long = "x" * 1001
    response = alice_web.submit(
        "/journal/new",
        {
            "started_at": "2026-03-10T09:00",
            "duration_minutes": "40",
            "items-0-piece_id": str(piece.id),
            "items-0-note": long,
        },
    )
    assert response.status_code == 422
    form = read(response)
    assert form.error("items-0-note") == "Keep this to 1000 characters or fewer."
    assert form.value("items-0-note") == long
    assert "Piece 1, note: Keep this to 1000 characters or fewer." in page_text(response)


def test_the_api_reads_and_writes_item_notes_and_search_finds_them(alice_api, alice, frozen_clock):
    frozen_clock(NOW)
    piece = make_piece(alice.profile, "Nocturne")
    created = alice_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-03-10T09:00:00Z",
            "duration_minutes": 30,
            "items": [{"piece_id": str(piece.id), "note": "Ornament in bar 12 too heavy"}],
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["items"][0]["note"] == "Ornament in bar 12 too heavy"
    hits = alice_api.get("/api/v1/search", query_string={"q": "ornament"}).get_json()["items"]
    assert [(h["kind"], h["id"]) for h in hits] == [("session", body["id"])]
    too_long = alice_api.post(
        "/api/v1/sessions",
        json={
            "started_at": "2026-03-10T09:00:00Z",
            "duration_minutes": 30,
            "items": [{"piece_id": str(piece.id), "note": "y" * 1001}],
        },
    )
    assert too_long.status_code == 422
    assert field_errors(too_long) == {"items.0.note": "Keep this to 1000 characters or fewer."}
    # An edit that drops the note drops it from search too.
    changed = alice_api.patch(
        f"/api/v1/sessions/{body['id']}",
        json={"items": [{"piece_id": str(piece.id)}]},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["items"][0]["note"] == ""
    hits = alice_api.get("/api/v1/search", query_string={"q": "ornament"}).get_json()["items"]
    assert hits == []
