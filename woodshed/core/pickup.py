""" "Pick up where you left off": one card per instrument practised in the last 60 days.

Each card holds the last session's next-time note (or, when it has none, the latest one
of the instrument's last three sessions, with its date), the passages touched in its last
30 sessions with their last tempo against the target and their last own note (an item's
note, or the session's when it worked on that passage alone), open struggles
(noted in the instrument's last three sessions) and goals due within 14 days. The whole
panel costs a fixed number of statements, whatever the number of instruments, sections or
sessions (PERF-QUERIES): sessions are ranked per instrument in SQL, passages are read in one go.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from woodshed.db import db
from woodshed.goals import services as goals
from woodshed.goals.progress import Progress
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.history import alone_in_session
from woodshed.repertoire.models import Piece, Section, bar_range

WINDOW_DAYS = 60
SESSIONS_PER_CARD = 3
#: Passages come from the instrument's last this-many sessions within the window.
PASSAGE_SESSIONS = 30
PASSAGES_PER_CARD = 4
STRUGGLES_PER_CARD = 3


@dataclass
class Passage:
    piece_id: uuid.UUID
    piece_title: str
    section_id: uuid.UUID | None
    section_name: str | None
    bars: str | None
    last_practised: date
    tempo_bpm: int | None = None
    #: The passage's own target (the section's, else the piece's).
    target_tempo_bpm: int | None = None
    #: The target that session named (a plan's step, e.g. 58 on the way to 66), when it
    #: differs from the passage's own: shown as that session's, never in its place.
    session_target_bpm: int | None = None
    tempo_date: date | None = None
    note: str = ""
    note_date: date | None = None

    @property
    def below_target(self) -> bool:
        return bool(
            self.tempo_bpm and self.target_tempo_bpm and self.tempo_bpm < self.target_tempo_bpm
        )


@dataclass
class DueGoal:
    goal: object
    progress: Progress | None
    days_left: int


@dataclass
class Card:
    instrument_id: uuid.UUID | None
    name: str
    last_session_id: uuid.UUID
    last_started_at: datetime
    last_date: date
    last_minutes: int
    next_time: str = ""
    next_time_date: date | None = None
    passages: list[Passage] = field(default_factory=list)
    struggles: list[tuple[date, str]] = field(default_factory=list)
    goals: list[DueGoal] = field(default_factory=list)


@dataclass
class Pickup:
    today: date
    cards: list[Card]
    general_goals: list[DueGoal]
    first_time: bool = False
    last_practised: date | None = None  # when nothing is within the window


def excerpt(markdown_text: str, focus: str | None = None, limit: int = 160) -> str:
    """A note as plain text (Markdown marks dropped): the sentence that names `focus` when
    there is one, else the start, cut to `limit` characters."""
    text = re.sub(r"[*_`>#~\[\]]", "", markdown_text or "")
    text = re.sub(r"\(https?://[^)]*\)", "", text)
    text = " ".join(text.split())
    at = text.lower().find(focus.lower()) if focus else -1
    if at >= 0:
        start = max(text.rfind(". ", 0, at), text.rfind("; ", 0, at))
        end = text.find(". ", at)
        text = text[start + 2 if start >= 0 else 0 : end + 1 if end >= 0 else len(text)]
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _ranked_sessions(profile: MusicianProfile, since: date, *columns):
    """The profile's sessions since `since`, numbered newest first per instrument."""
    rank = (
        sa.func.row_number()
        .over(
            partition_by=PracticeSession.instrument_id,
            order_by=(PracticeSession.started_at.desc(), PracticeSession.id.desc()),
        )
        .label("rank")
    )
    return (
        sa.select(PracticeSession.id, PracticeSession.instrument_id, *columns, rank)
        .where(PracticeSession.profile_id == profile.id, PracticeSession.practice_date >= since)
        .subquery()
    )


def _recent_sessions(profile: MusicianProfile, since: date):
    inner = _ranked_sessions(
        profile,
        since,
        PracticeSession.started_at,
        PracticeSession.practice_date,
        PracticeSession.duration_minutes,
        PracticeSession.next_time,
        PracticeSession.struggles,
    )
    stmt = (
        sa.select(inner)
        .where(inner.c.rank <= SESSIONS_PER_CARD)
        .order_by(inner.c.instrument_id, inner.c.rank)
    )
    return db.session.execute(stmt).all()


def _recent_items(profile: MusicianProfile, since: date):
    """The items of each instrument's last sessions (at most PASSAGE_SESSIONS of them), so
    a musician who logs thirty sessions a day reads no more than one who logs one."""
    ranked = _ranked_sessions(profile, since)
    recent = sa.select(ranked.c.id).where(ranked.c.rank <= PASSAGE_SESSIONS)
    stmt = (
        sa.select(
            PracticeSession.instrument_id,
            PracticeSession.practice_date,
            PracticeSession.notes,
            SessionItem.note.label("item_note"),
            alone_in_session().label("alone"),
            SessionItem.piece_id,
            SessionItem.section_id,
            SessionItem.tempo_bpm,
            SessionItem.target_tempo_bpm,
            Piece.title,
            Piece.target_tempo_bpm.label("piece_target"),
            Section.name,
            Section.bar_start,
            Section.bar_end,
            Section.target_tempo_bpm.label("section_target"),
        )
        .join(PracticeSession, PracticeSession.id == SessionItem.session_id)
        .join(Piece, Piece.id == SessionItem.piece_id)
        .outerjoin(Section, Section.id == SessionItem.section_id)
        .where(
            PracticeSession.profile_id == profile.id,
            PracticeSession.practice_date >= since,
            PracticeSession.id.in_(recent),
        )
        .order_by(PracticeSession.started_at.desc(), SessionItem.position)
    )
    return db.session.execute(stmt).all()


def _passages(rows) -> dict[uuid.UUID | None, list[Passage]]:
    """Per instrument, the passages worked on, most recent first (rows come newest first)."""
    found: dict[uuid.UUID | None, dict[tuple, Passage]] = {}
    for row in rows:
        per_instrument = found.setdefault(row.instrument_id, {})
        key = (row.piece_id, row.section_id)
        passage = per_instrument.get(key)
        if passage is None:
            bars = bar_range(row.bar_start, row.bar_end) if row.section_id is not None else None
            passage = per_instrument[key] = Passage(
                piece_id=row.piece_id,
                piece_title=row.title,
                section_id=row.section_id,
                section_name=row.name,
                bars=bars,
                last_practised=row.practice_date,
                target_tempo_bpm=row.section_target or row.piece_target,
            )
        if passage.tempo_bpm is None and row.tempo_bpm:
            passage.tempo_bpm = row.tempo_bpm
            passage.tempo_date = row.practice_date
            own = row.section_target or row.piece_target
            passage.target_tempo_bpm = own or row.target_tempo_bpm
            if own and row.target_tempo_bpm and row.target_tempo_bpm != own:
                passage.session_target_bpm = row.target_tempo_bpm
        # A passage's own note; the session's only when it worked on this passage alone.
        own_note = row.item_note or (row.notes if row.alone else "")
        if not passage.note and own_note:
            passage.note = excerpt(own_note, focus=row.name or row.title)
            passage.note_date = row.practice_date
    return {k: list(v.values()) for k, v in found.items()}


def _due_goals(profile: MusicianProfile, today: date) -> list[tuple[uuid.UUID | None, DueGoal]]:
    result = []
    for goal, progress in goals.due_on_dashboard(profile, today):
        assert goal.target_date is not None  # due_on_dashboard: goals with a date only
        piece = goal.piece or (goal.section.piece if goal.section else None)
        instrument_id = piece.instrument_id if piece else None
        result.append((instrument_id, DueGoal(goal, progress, (goal.target_date - today).days)))
    return result


def pickup(profile: MusicianProfile, today: date) -> Pickup:
    """Everything the "Pick up where you left off" panel shows."""
    since = today - timedelta(days=WINDOW_DAYS)
    sessions = _recent_sessions(profile, since)
    due = _due_goals(profile, today)
    if not sessions:
        last = db.session.scalar(
            sa.select(sa.func.max(PracticeSession.practice_date)).where(
                PracticeSession.profile_id == profile.id
            )
        )
        return Pickup(
            today=today,
            cards=[],
            general_goals=[d for _, d in due],
            first_time=last is None,
            last_practised=last,
        )
    names = {i.id: i.name for i in profile.instruments}
    cards: dict[uuid.UUID | None, Card] = {}
    for row in sessions:
        card = cards.get(row.instrument_id)
        if card is None:
            card = cards[row.instrument_id] = Card(
                instrument_id=row.instrument_id,
                name=names.get(row.instrument_id, "Without an instrument"),
                last_session_id=row.id,
                last_started_at=row.started_at,
                last_date=row.practice_date,
                last_minutes=row.duration_minutes,
            )
        if not card.next_time and row.next_time.strip():
            card.next_time, card.next_time_date = row.next_time, row.practice_date
        text = (row.struggles or "").strip()
        seen = {t for _, t in card.struggles}
        if text and text not in seen and len(card.struggles) < STRUGGLES_PER_CARD:
            card.struggles.append((row.practice_date, text))
    for instrument_id, passages in _passages(_recent_items(profile, since)).items():
        if instrument_id in cards:
            cards[instrument_id].passages = passages[:PASSAGES_PER_CARD]
    general = []
    for instrument_id, goal in due:
        if instrument_id in cards:
            cards[instrument_id].goals.append(goal)
        else:
            general.append(goal)
    ordered = sorted(cards.values(), key=lambda c: c.last_started_at, reverse=True)
    return Pickup(today=today, cards=ordered, general_goals=general)
