"""Shared helpers for the data tests: a full account, exporting it, comparing exports."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

from tests.data.rows import make_goal, make_piece, make_section, make_skill
from tests.factories import (
    log_session,
    make_instrument,
    make_resource,
)
from woodshed.data.export import export_document
from woodshed.db import db

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: Fields an export may differ in after a round trip (docs/export-format.md, "Round trips").
VOLATILE = ("exported_at", "account", "files")


def export_of(profile) -> dict:
    """The profile's export, parsed (through the same stream the API sends)."""
    return json.loads("".join(export_document(profile)))


def canonical(doc: dict) -> dict:
    """The export with volatile fields dropped and ids replaced by their order of appearance."""
    names: dict[str, str] = {}

    def walk(value):
        if isinstance(value, str) and UUID.match(value):
            return names.setdefault(value, f"id-{len(names)}")
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return walk({k: v for k, v in doc.items() if k not in VOLATILE})


def fill_account(persona, now: datetime | None = None):
    """One of everything an account can hold, including an edited session."""
    from woodshed.data.models import ImportMapping
    from woodshed.goals.models import GoalChecklistItem
    from woodshed.journal import services as journal
    from woodshed.journal.models import Evidence
    from woodshed.notify.services import notify
    from woodshed.repertoire.models import PieceStatusChange

    profile = persona.profile
    now = now or datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    piano = make_instrument(profile, "Piano", level="intermediate", since=date(2015, 9, 1))
    piece = make_piece(
        profile,
        "Nocturne op. 9/2",
        composer="Chopin",
        instrument_id=piano.id,
        difficulty=6,
        target_tempo_bpm=72,
        started_on=date(2026, 1, 5),
    )
    section = make_section(piece, "A section", 1, 12, target_tempo_bpm=72)
    make_section(piece, "Coda", 29, 34, status="not_started")
    db.session.add(
        PieceStatusChange(
            piece_id=piece.id,
            from_status="wishlist",
            to_status="learning",
            changed_at=now - timedelta(days=60),
        )
    )
    scales = make_skill(profile, "Scales", category="scale", description="All keys")
    goal = make_goal(
        profile,
        "A section at 72",
        kind="section",
        piece_id=piece.id,
        section_id=section.id,
        target_type="tempo",
        target_value=72,
        target_date=date(2026, 4, 1),
        priority="high",
    )
    db.session.add(GoalChecklistItem(goal_id=goal.id, text="Hands separately", done=True))
    make_resource(profile, title="Fingering video", piece_id=piece.id, text="=cmd|' /C calc'!A0")
    first = log_session(
        profile,
        started_at=now - timedelta(days=2, hours=12),  # 01:00 in Berlin: the previous day
        duration_minutes=45,
        instrument_id=piano.id,
        items=[
            {
                "piece_id": piece.id,
                "section_id": section.id,
                "bars": "1-8",
                "minutes": 20,
                "tempo_bpm": 60,
                "target_tempo_bpm": 72,
                "run_through": True,
            },
            {"skill_id": scales.id, "minutes": 10},
        ],
        tags=["Left hand", "sight-reading"],
        notes="Slow **practice**",
        next_time="Bars 9–12",
        struggles="Trills",
        achievements="+ clean run",
        mood=4,
        quality=3,
        enjoyment=5,
        difficulty=2,
        confidence=3,
        mode="slow",
        exam_prep=True,
        goal_ids=[goal.id],
        evidence=[
            {"kind": "link", "url": "https://example.org/rec"},
            {"kind": "note", "text": "Recorded it"},
        ],
    )
    journal.update_session(
        profile, first, {"duration_minutes": 50, "tags": ["Left hand"]}, editor_id=persona.user.id
    )
    log_session(profile, started_at=now - timedelta(hours=3), duration_minutes=15, private=True)
    notify(profile, "badge", "7-day streak", "Well done", url="/stats")
    db.session.add(ImportMapping(profile_id=profile.id, mapping={"Minutes": "duration_minutes"}))
    db.session.add(Evidence(session_id=first.id, kind="note", text="extra", position=5))
    db.session.flush()
    return profile
