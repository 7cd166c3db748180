"""Importing a spreadsheet of practice sessions: match names, preview, commit all at once.

Pieces, sections, skills, instruments and tags are matched to the musician's own by name,
ignoring case, or created (the preview says which). Rows already imported from a file
before (same values, see `spreadsheet.Row.identity`) are skipped. The commit writes in
batches through the ORM — practice dates, tags and search text exactly as a logged
session has them — and either everything is stored or nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import TypeAlias, TypeVar, cast

import sqlalchemy as sa

from woodshed import policy, search
from woodshed.data.models import ImportFingerprint, ImportMapping
from woodshed.data.registry import chunked
from woodshed.data.spreadsheet import Problem, Row, Table, guess_mapping, parse_rows
from woodshed.db import bulk_insert, db, new_id, utcnow
from woodshed.errors import DomainError, FieldError
from woodshed.journal.models import PracticeSession, SessionItem, Tag, session_tags
from woodshed.journal.services import search_document as session_document
from woodshed.profiles.models import Instrument, MusicianProfile
from woodshed.repertoire import services as repertoire
from woodshed.repertoire.models import Piece, Section, Skill, bar_range
from woodshed.stats.upkeep import rebuild_at_commit

PREVIEW_ROWS = 20
MAX_SAVED_HEADER = 200
MAX_SAVED_COLUMNS = 200
WRITE_BATCH = 1000


def _key(name: str | None) -> str | None:
    return name.casefold() if name else None


#: What an import creates by name.
Named: TypeAlias = Instrument | Piece | Section | Skill | Tag
_Named = TypeVar("_Named", Instrument, Piece, Skill, Tag)


def _by_name(model: type[_Named], profile: MusicianProfile, column: str) -> dict[str, _Named]:
    """The musician's objects by casefolded name (of two with one name, the lower id)."""
    found: dict[str, _Named] = {}
    rows = db.session.scalars(sa.select(model).where(model.profile_id == profile.id))
    for obj in sorted(rows, key=lambda o: o.id):
        found.setdefault(getattr(obj, column).casefold(), obj)
    return found


@dataclass
class Names:
    """The musician's things by casefolded name, plus the ones this import will create."""

    instruments: dict[str, Instrument] = field(default_factory=dict)
    pieces: dict[str, Piece] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)
    sections: dict[tuple[str, str], Section] = field(default_factory=dict)
    new: list[Named] = field(default_factory=list)

    @classmethod
    def load(cls, profile: MusicianProfile) -> Names:
        names = cls(
            instruments=_by_name(Instrument, profile, "name"),
            pieces=_by_name(Piece, profile, "title"),
            skills=_by_name(Skill, profile, "name"),
            tags=_by_name(Tag, profile, "name"),
        )
        pieces_by_id = {p.id: key for key, p in names.pieces.items()}
        for section in db.session.scalars(
            sa.select(Section).where(Section.profile_id == profile.id)
        ):
            if section.piece_id in pieces_by_id:
                names.sections.setdefault(
                    (pieces_by_id[section.piece_id], section.name.casefold()), section
                )
        return names

    def is_new(self, obj) -> bool:
        return any(obj is n for n in self.new)


@dataclass
class Plan:
    """What committing would do."""

    table: Table
    mapping: dict[str, str]
    date_order: str
    rows: list[Row]
    problems: list[Problem]
    names: Names
    duplicates: set[str] = field(default_factory=set)
    resolved: dict[int, dict] = field(default_factory=dict)

    @property
    def to_add(self) -> list[Row]:
        return [r for r in self.rows if r.fingerprint not in self.duplicates]

    def creates(self) -> dict[str, list[str]]:
        """Names of the things the commit will create, by kind."""
        out: dict[str, list[str]] = defaultdict(list)
        for obj in self.names.new:
            if isinstance(obj, Section):
                piece = next(p for p in self.names.pieces.values() if p.id == obj.piece_id)
                out["sections"].append(f"{piece.title} › {obj.name} (bars {obj.bars})")
            elif isinstance(obj, Piece):
                out["pieces"].append(obj.title)
            else:
                kind = {Instrument: "instruments", Skill: "skills", Tag: "tags"}
                out[kind[type(obj)]].append(obj.name)
        return dict(out)


def saved_mapping(profile: MusicianProfile) -> ImportMapping | None:
    return db.session.scalar(sa.select(ImportMapping).where(ImportMapping.profile_id == profile.id))


def save_mapping(profile: MusicianProfile, mapping: dict[str, str], date_order: str) -> None:
    """Remember the mapping for the next file (headers not in this file are kept)."""
    row = saved_mapping(profile)
    if row is None:
        row = policy.insert_or_existing(
            ImportMapping(profile_id=profile.id, mapping={}), profile, key=("profile_id",)
        )[0]
    chosen = {h: f for h, f in mapping.items() if f and len(h) <= MAX_SAVED_HEADER}
    # Newest choices win; a mapping that grows over many files keeps its latest entries.
    row.mapping = dict(list({**row.mapping, **chosen}.items())[-MAX_SAVED_COLUMNS:])
    row.date_order = date_order
    db.session.flush()


def default_mapping(profile: MusicianProfile, table: Table) -> tuple[dict[str, str], str]:
    saved = saved_mapping(profile)
    mapping = guess_mapping(table.headers, saved.mapping if saved else None)
    return mapping, saved.date_order if saved else "DMY"


def plan_import(
    profile: MusicianProfile,
    table: Table,
    mapping: dict[str, str],
    date_order: str,
    now: datetime | None = None,
) -> Plan:
    """Parse every row and match its names; nothing is written."""
    mapping = {h: f for h, f in mapping.items() if f}
    rows, problems = parse_rows(
        table, mapping, date_order, profile.timezone, profile.day_rollover_hour, now or utcnow()
    )
    plan = Plan(table, mapping, date_order, rows, problems, Names.load(profile))
    header_of = {f: h for h, f in mapping.items()}
    for row in rows:
        _resolve(plan, profile, row, header_of)
    plan.rows = [r for r in rows if r.number in plan.resolved]
    plan.duplicates = _already_imported(profile, [r.fingerprint for r in plan.rows])
    return plan


def _named(plan: Plan, profile, attr: str, model, label: str | None, **fields):
    """The musician's thing called `label` (ignoring case), or a new one to create."""
    if not label:
        return None
    found = getattr(plan.names, attr).get(label.casefold())
    if found is None:
        found = model(id=new_id(), profile_id=profile.id, **fields)
        getattr(plan.names, attr)[label.casefold()] = found
        plan.names.new.append(found)
    return found


def _resolve(plan: Plan, profile, row: Row, header_of: dict) -> None:
    instrument = _named(
        plan, profile, "instruments", Instrument, row.instrument, name=row.instrument
    )
    piece = _named(
        plan,
        profile,
        "pieces",
        Piece,
        row.piece,
        title=row.piece,
        instrument_id=instrument.id if instrument else None,
    )
    skill = _named(plan, profile, "skills", Skill, row.skill, name=row.skill, category="other")
    section = None
    if row.section and piece is not None:
        key = (piece.title.casefold(), row.section.casefold())
        section = plan.names.sections.get(key)
        if section is None and row.bars:
            start, end = row.bars
            section = Section(
                id=new_id(),
                profile_id=profile.id,
                piece_id=piece.id,
                name=row.section,
                bar_start=start,
                bar_end=end,
            )
            plan.names.sections[key] = section
            plan.names.new.append(section)
        elif section is None:
            plan.problems.append(
                Problem(
                    f"“{piece.title}” has no section “{row.section}”. Add it to the piece "
                    f"first, or write its bars, e.g. “{row.section} (bars 1-8)”.",
                    row.number,
                    header_of.get("section"),
                    "section",
                )
            )
            return
    tags = [
        _named(plan, profile, "tags", Tag, name, name=name, key=name.casefold())
        for name in row.tags
    ]
    plan.resolved[row.number] = {
        "instrument": instrument,
        "piece": piece,
        "section": section,
        "skill": skill,
        "tags": tags,
    }


def _already_imported(profile: MusicianProfile, fingerprints: list[str]) -> set[str]:
    """The fingerprints among these that were imported before.

    One read of the profile's fingerprints (bounded by what it imported) beats long IN
    lists, which a planner without fresh statistics may answer with repeated scans.
    """
    if not fingerprints:
        return set()
    known = db.session.scalars(
        sa.select(ImportFingerprint.fingerprint).where(ImportFingerprint.profile_id == profile.id)
    )
    return set(fingerprints).intersection(known)


def preview_rows(plan: Plan, limit: int = PREVIEW_ROWS) -> list[dict]:
    """The first rows as they will be stored, with what is new and what is skipped."""
    out = []
    for row in plan.rows[:limit]:
        found = plan.resolved[row.number]

        def name_of(obj):
            return None if obj is None else (getattr(obj, "title", None) or obj.name)

        bars = row.bars or (
            (found["section"].bar_start, found["section"].bar_end) if found["section"] else None
        )
        out.append(
            {
                "row": row.number,
                "started_at": row.started_at,
                "practice_date": row.practice_date,
                "date_only": row.date_only,
                "duration_minutes": row.duration_minutes,
                "instrument": name_of(found["instrument"]),
                "piece": name_of(found["piece"]),
                "section": name_of(found["section"]),
                # The API's form ("9-16", "12"), and the words the pages use ("9–16").
                "bars": bar_range(*bars).replace("–", "-") if bars else None,
                "bars_in_words": bar_range(*bars) if bars else None,
                "skill": name_of(found["skill"]),
                "tags": [t.name for t in found["tags"]],
                "notes": row.notes,
                "next_time": row.next_time,
                "struggles": row.struggles,
                "achievements": row.achievements,
                "mood": row.mood,
                "quality": row.quality,
                "enjoyment": row.enjoyment,
                "new": [
                    kind
                    for kind in ("instrument", "piece", "section", "skill")
                    if found[kind] is not None and plan.names.is_new(found[kind])
                ]
                + [f"tag:{t.name}" for t in found["tags"] if plan.names.is_new(t)],
                "duplicate": row.fingerprint in plan.duplicates,
            }
        )
    return out


def problem_errors(problems: list[Problem]) -> list[FieldError]:
    """Problems as API field errors: `rows.<row>.<field>` (or the field / `file`)."""
    errors = []
    for p in problems:
        if p.row is not None:
            where = f"rows.{p.row}" + (f".{p.field}" if p.field else "")
        else:
            where = p.field or "file"
        column = f"Column “{p.column}”: " if p.column and p.row is not None else ""
        errors.append(FieldError(where, column + p.message))
    return errors


def _new_documents(objects: list) -> list[search.Doc]:
    """The search documents of the pieces, sections and skills a file named first."""
    titles = {o.id: o.title for o in objects if isinstance(o, Piece)}
    docs = []
    for obj in objects:
        if isinstance(obj, Piece):
            docs.append(repertoire.piece_document(obj))
        elif isinstance(obj, Section):
            title = titles.get(obj.piece_id) or db.session.get_one(Piece, obj.piece_id).title
            docs.append(repertoire.section_document(obj, title))
        elif isinstance(obj, Skill):
            docs.append(repertoire.skill_document(obj))
    return docs


def commit(profile: MusicianProfile, plan: Plan) -> dict[str, int]:
    """Write the plan: all rows or, when any row has a problem, nothing."""
    if plan.problems:
        raise DomainError(
            problem_errors(plan.problems), "The file has problems; nothing was imported."
        )
    created = _store_names(profile, plan)
    rows = plan.to_add
    now = utcnow()
    # Items and tags go in around the ORM, so the statistics are rebuilt once at commit
    # (and the flush hooks skip the new sessions meanwhile).
    if rows:
        rebuild_at_commit(db.session, {profile.id})
    for batch in chunked(rows, WRITE_BATCH):
        # Sessions are ORM objects, so flush hooks (statistics) see them; what hangs off
        # them goes in with one multi-row INSERT per table.
        sessions = [_session(profile, row, plan.resolved[row.number]) for row in batch]
        db.session.add_all(sessions)
        db.session.flush()
        items, links, docs = [], [], []
        for row, session in zip(batch, sessions, strict=True):
            found = plan.resolved[row.number]
            items += _items(session.id, row, found)
            links += [{"session_id": session.id, "tag_id": t.id} for t in found["tags"]]
            # A stand-in with what search_document reads: the session's tags, items and
            # evidence are known here and go in around the ORM, so they are not loaded
            # (nor lazily queried) from the flushed session one at a time.
            docs.append(
                session_document(
                    cast(
                        PracticeSession,
                        SimpleNamespace(
                            id=session.id,
                            profile_id=profile.id,
                            practice_date=session.practice_date,
                            private=session.private,
                            notes=row.notes,
                            next_time=row.next_time,
                            struggles=row.struggles,
                            achievements=row.achievements,
                            tags=found["tags"],
                            evidence=[],
                            items=[],
                        ),
                    )
                )
            )
        bulk_insert(SessionItem.__table__, items)
        bulk_insert(session_tags, links)
        search.index_many(docs)
        bulk_insert(
            ImportFingerprint.__table__,
            [
                {
                    "profile_id": profile.id,
                    "fingerprint": row.fingerprint,
                    "session_id": session.id,
                    "created_at": now,
                }
                for row, session in zip(batch, sessions, strict=True)
            ],
        )
        for session in sessions:
            db.session.expunge(session)
    return {
        "sessions": len(rows),
        "skipped": len(plan.rows) - len(rows),
        "instruments": created["instruments"],
        "pieces": created["pieces"],
        "sections": created["sections"],
        "skills": created["skills"],
        "tags": created["tags"],
    }


#: The unique key of the things matched by name: a concurrent request may store one first.
NATURAL_KEYS = {
    Instrument: ("profile_id", "name"),
    Skill: ("profile_id", "key"),
    Tag: ("profile_id", "key"),
}


def _store_names(profile: MusicianProfile, plan: Plan) -> dict[str, int]:
    """Store the things the plan creates; one stored meanwhile under the same name (by
    another request) is used instead. Returns how many of each kind were created."""
    created: dict[str, int] = defaultdict(int)
    position = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.max(Instrument.position), -1) + 1).where(
            Instrument.profile_id == profile.id
        )
    ).scalar_one()
    stored: dict[uuid.UUID, Named] = {}  # id of a planned object → the row used instead
    made_rows: list[Named] = []
    for obj in plan.names.new:
        if isinstance(obj, Instrument):
            obj.position = position
            position += 1
        if isinstance(obj, Piece) and obj.instrument_id in stored:
            obj.instrument_id = stored[obj.instrument_id].id
        key = NATURAL_KEYS.get(type(obj), ("id",))
        row, made = policy.insert_or_existing(obj, profile, key=key)
        if made:
            created[type(obj).__tablename__] += 1
            made_rows.append(row)
        else:
            stored[obj.id] = row
    search.index_many(_new_documents(made_rows))
    if stored:
        for found in plan.resolved.values():
            for kind in ("instrument", "skill"):
                if found[kind] is not None and found[kind].id in stored:
                    found[kind] = stored[found[kind].id]
            found["tags"] = [stored.get(t.id, t) for t in found["tags"]]
    return created


def _items(session_id, row: Row, found: dict) -> list[dict]:
    """A piece/section item (with the row's bars) and a skill item, as the row names them."""
    items = []
    piece, section, skill = found["piece"], found["section"], found["skill"]
    if piece is not None:
        start, end = row.bars or (None, None)
        items.append(
            {
                "id": new_id(),
                "session_id": session_id,
                "position": 0,
                "piece_id": piece.id,
                "section_id": section.id if section else None,
                "skill_id": None,
                "bar_start": start,
                "bar_end": end,
                "run_through": False,
            }
        )
    if skill is not None:
        items.append(
            {
                "id": new_id(),
                "session_id": session_id,
                "position": len(items),
                "piece_id": None,
                "section_id": None,
                "skill_id": skill.id,
                "bar_start": None,
                "bar_end": None,
                "run_through": False,
            }
        )
    return items


def _session(profile: MusicianProfile, row: Row, found: dict) -> PracticeSession:
    instrument = found["instrument"]
    return PracticeSession(
        id=new_id(),
        profile_id=profile.id,
        started_at=row.started_at,
        practice_date=row.practice_date,
        timezone=profile.timezone,
        duration_minutes=row.duration_minutes,
        instrument_id=instrument.id if instrument else None,
        notes=row.notes,
        next_time=row.next_time,
        struggles=row.struggles,
        achievements=row.achievements,
        mood=row.mood,
        quality=row.quality,
        enjoyment=row.enjoyment,
    )
