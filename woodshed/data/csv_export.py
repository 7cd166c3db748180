"""Spreadsheet (CSV) exports: sessions, session items, pieces with sections, goals.

Streamed in batches like the JSON export. UTF-8 with a byte-order mark (so spreadsheet
programs pick the right encoding), comma-separated, CRLF line ends. Any text cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
spreadsheet shows it as text instead of running it as a formula.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from woodshed.data.registry import chunked
from woodshed.db import db
from woodshed.goals.models import Goal, GoalChecklistItem
from woodshed.journal.models import (
    PracticeSession,
    SessionItem,
    Tag,
    bars_shown,
    session_goals,
    session_tags,
)
from woodshed.journal.services import item_label
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire.models import Piece, Section, Skill, passage_label

BATCH = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_START) else text


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value))


class _Echo:
    def write(self, line: str) -> str:
        return line


def _csv(header: list[str], batches: Iterator[list[list]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for rows in batches:
        yield "".join(writer.writerow([cell(v) for v in row]) for row in rows)


def _names(model, column, profile: MusicianProfile) -> dict:
    rows = db.session.execute(
        sa.select(model.id, getattr(model, column)).where(model.profile_id == profile.id)
    )
    return dict(rows.all())


def _label(section) -> str:
    return passage_label(section.name, section.bar_start, section.bar_end)


class _Lookup:
    """Names of the profile's things by id, read once per export."""

    def __init__(self, profile: MusicianProfile) -> None:
        self.instruments = _names(Instrument, "name", profile)
        self.pieces = _names(Piece, "title", profile)
        self.skills = _names(Skill, "name", profile)
        self.goals = _names(Goal, "title", profile)
        self.tags = _names(Tag, "name", profile)
        self.sections = {
            row.id: row
            for row in db.session.execute(
                sa.select(
                    Section.id, Section.name, Section.piece_id, Section.bar_start, Section.bar_end
                ).where(Section.profile_id == profile.id)
            )
        }

    def item(self, row) -> SessionItem:
        """An item with the attributes `item_label` reads, without loading ORM objects
        (a stand-in, hence the cast: item_label is typed for the model it usually gets)."""
        section = self.sections.get(row.section_id)
        bars = None
        if row.bar_start is not None:
            end = row.bar_end or row.bar_start
            # The `bars` column as the API and import take it (`item_label` words them).
            bars = str(row.bar_start) if row.bar_start == end else f"{row.bar_start}-{end}"
        stand_in = SimpleNamespace(
            piece=SimpleNamespace(title=self.pieces[row.piece_id]) if row.piece_id else None,
            section=SimpleNamespace(name=section.name, label=_label(section)) if section else None,
            skill=SimpleNamespace(name=self.skills[row.skill_id]) if row.skill_id else None,
            bars=bars,
            bars_shown=bars_shown(row.bar_start, row.bar_end, section),
            minutes=row.minutes,
            tempo_bpm=row.tempo_bpm,
            target_tempo_bpm=row.target_tempo_bpm,
            run_through=row.run_through,
            note=row.note,
        )
        return cast(SessionItem, stand_in)


def _session_batches(profile: MusicianProfile) -> Iterator[list]:
    """The profile's sessions oldest first, keyset-paginated on (started_at, id)."""
    last = None
    while True:
        stmt = sa.select(PracticeSession.__table__).where(PracticeSession.profile_id == profile.id)
        if last is not None:
            stmt = stmt.where(
                sa.or_(
                    PracticeSession.started_at > last[0],
                    sa.and_(PracticeSession.started_at == last[0], PracticeSession.id > last[1]),
                )
            )
        stmt = stmt.order_by(PracticeSession.started_at, PracticeSession.id).limit(BATCH)
        rows = list(db.session.execute(stmt).all())
        if not rows:
            return
        yield rows
        if len(rows) < BATCH:
            return
        last = (rows[-1].started_at, rows[-1].id)


def _grouped(stmt, column, ids) -> dict:
    grouped = defaultdict(list)
    for chunk in chunked(ids, 500):
        for row in db.session.execute(stmt.where(column.in_(chunk))):
            grouped[getattr(row, column.key)].append(row)
    return grouped


def _local(row) -> datetime:
    return row.started_at.astimezone(ZoneInfo(row.timezone))


SESSION_COLUMNS = [
    "session_id",
    "practice_date",
    "start_time",
    "started_at",
    "timezone",
    "duration_minutes",
    "instrument",
    "items",
    "pieces",
    "sections",
    "skills",
    "tags",
    "notes",
    "next_time",
    "struggles",
    "achievements",
    "mood",
    "quality",
    "enjoyment",
    "difficulty",
    "confidence",
    "mode",
    "exam_prep",
    "performance_prep",
    "private",
    "goals",
]


def sessions_csv(profile: MusicianProfile) -> Iterator[str]:
    """One row per session; what was practised summarised in readable columns."""
    names = _Lookup(profile)

    def batches():
        items_q = sa.select(SessionItem.__table__).order_by(SessionItem.position)
        tags_q = sa.select(session_tags.c.session_id, session_tags.c.tag_id)
        goals_q = sa.select(session_goals.c.session_id, session_goals.c.goal_id)
        for rows in _session_batches(profile):
            ids = [r.id for r in rows]
            items = _grouped(items_q, SessionItem.__table__.c.session_id, ids)
            tags = _grouped(tags_q, session_tags.c.session_id, ids)
            goals = _grouped(goals_q, session_goals.c.session_id, ids)
            out = []
            for r in rows:
                its = items.get(r.id, [])
                local = _local(r)

                def distinct(values):
                    return "; ".join(dict.fromkeys(v for v in values if v))

                out.append(
                    [
                        r.id,
                        r.practice_date,
                        local.strftime("%H:%M"),
                        local.isoformat(),
                        r.timezone,
                        r.duration_minutes,
                        names.instruments.get(r.instrument_id),
                        "; ".join(item_label(names.item(i)) for i in its),
                        distinct(names.pieces.get(i.piece_id) for i in its),
                        distinct(_label(names.sections[i.section_id]) for i in its if i.section_id),
                        distinct(names.skills.get(i.skill_id) for i in its),
                        ", ".join(
                            sorted(
                                (names.tags[t.tag_id] for t in tags.get(r.id, [])), key=str.casefold
                            )
                        ),
                        r.notes,
                        r.next_time,
                        r.struggles,
                        r.achievements,
                        r.mood,
                        r.quality,
                        r.enjoyment,
                        r.difficulty,
                        r.confidence,
                        r.mode,
                        r.exam_prep,
                        r.performance_prep,
                        r.private,
                        "; ".join(sorted(names.goals[g.goal_id] for g in goals.get(r.id, []))),
                    ]
                )
            yield out

    return _csv(SESSION_COLUMNS, batches())


ITEM_COLUMNS = [
    "session_id",
    "practice_date",
    "started_at",
    "position",
    "piece",
    "section",
    "skill",
    "bars",
    "minutes",
    "tempo_bpm",
    "target_tempo_bpm",
    "run_through",
    "note",
]


def session_items_csv(profile: MusicianProfile) -> Iterator[str]:
    """One row per thing practised in a session."""
    names = _Lookup(profile)

    def batches():
        items_q = sa.select(SessionItem.__table__).order_by(SessionItem.position)
        for rows in _session_batches(profile):
            items = _grouped(items_q, SessionItem.__table__.c.session_id, [r.id for r in rows])
            out = []
            for r in rows:
                for i in items.get(r.id, []):
                    item = names.item(i)
                    out.append(
                        [
                            r.id,
                            r.practice_date,
                            _local(r).isoformat(),
                            i.position + 1,
                            item.piece.title if item.piece else None,
                            item.section.name if item.section else None,
                            item.skill.name if item.skill else None,
                            item.bars,
                            i.minutes,
                            i.tempo_bpm,
                            i.target_tempo_bpm,
                            i.run_through,
                            i.note,
                        ]
                    )
            yield out

    return _csv(ITEM_COLUMNS, batches())


PIECE_COLUMNS = [
    "piece_id",
    "title",
    "composer",
    "arranger",
    "instrument",
    "difficulty",
    "status",
    "status_changed_at",
    "started_on",
    "target_date",
    "current_tempo_bpm",
    "target_tempo_bpm",
    "length_bars",
    "notes",
    "section_id",
    "section",
    "bars",
    "section_status",
    "section_target_tempo_bpm",
    "section_notes",
]


def pieces_csv(profile: MusicianProfile) -> Iterator[str]:
    """One row per section (a piece without sections gets one row of its own)."""
    names = _Lookup(profile)
    pieces = db.session.execute(
        sa.select(Piece.__table__)
        .where(Piece.profile_id == profile.id)
        .order_by(Piece.title, Piece.id)
    ).all()

    def batches():
        for chunk in chunked(pieces, BATCH):
            sections = _grouped(
                sa.select(Section.__table__).order_by(
                    Section.bar_start, Section.bar_end.desc(), Section.name
                ),
                Section.__table__.c.piece_id,
                [p.id for p in chunk],
            )
            out = []
            for p in chunk:
                head = [
                    p.id,
                    p.title,
                    p.composer,
                    p.arranger,
                    names.instruments.get(p.instrument_id),
                    p.difficulty,
                    p.status,
                    p.status_changed_at,
                    p.started_on,
                    p.target_date,
                    p.current_tempo_bpm,
                    p.target_tempo_bpm,
                    p.length_bars,
                    p.notes,
                ]
                for s in sections.get(p.id, []) or [None]:
                    if s is None:
                        out.append(head + [None] * 6)
                        continue
                    bars = f"{s.bar_start}-{s.bar_end}" if s.bar_start != s.bar_end else s.bar_start
                    out.append([*head, s.id, s.name, bars, s.status, s.target_tempo_bpm, s.notes])
            yield out

    return _csv(PIECE_COLUMNS, batches())


GOAL_COLUMNS = [
    "goal_id",
    "title",
    "kind",
    "status",
    "priority",
    "target_date",
    "target_type",
    "target_value",
    "piece",
    "section",
    "skill",
    "description",
    "checklist",
    "completed_at",
    "created_at",
]


def goals_csv(profile: MusicianProfile) -> Iterator[str]:
    """One row per goal; the checklist as `[x] done; [ ] open`."""
    names = _Lookup(profile)
    goals = db.session.execute(
        sa.select(Goal.__table__).where(Goal.profile_id == profile.id).order_by(Goal.id)
    ).all()

    def batches():
        for chunk in chunked(goals, BATCH):
            checklist = _grouped(
                sa.select(GoalChecklistItem.__table__).order_by(GoalChecklistItem.position),
                GoalChecklistItem.__table__.c.goal_id,
                [g.id for g in chunk],
            )
            yield [
                [
                    g.id,
                    g.title,
                    g.kind,
                    g.status,
                    g.priority,
                    g.target_date,
                    g.target_type,
                    g.target_value,
                    names.pieces.get(g.piece_id),
                    _label(names.sections[g.section_id]) if g.section_id else None,
                    names.skills.get(g.skill_id),
                    g.description,
                    "; ".join(
                        f"[{'x' if c.done else ' '}] {c.text}" for c in checklist.get(g.id, [])
                    ),
                    g.completed_at,
                    g.created_at,
                ]
                for g in chunk
            ]

    return _csv(GOAL_COLUMNS, batches())


CSV_EXPORTS = {
    "sessions": sessions_csv,
    "session-items": session_items_csv,
    "pieces": pieces_csv,
    "goals": goals_csv,
}
