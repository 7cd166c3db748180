""" "What next" from the repertoire: neglected passages, passages below target tempo and
passages the musician felt unsure about. The rules are documented in docs/what-next.md.

A *passage* is a section whose status is learning, polishing or performance-ready, in a
piece with one of those statuses; a piece in one of those statuses without such sections
is a passage as a whole. Each passage gets at most one line, with every reason that
applies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import url_for

from woodshed.core.dashboard import Suggestion
from woodshed.db import db, json_rows
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.journal.queries import active_pieces
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Piece, Section
from woodshed.stats.models import DailyBreakdown
from woodshed.timeutil import practice_date

#: Days a passage may rest, by status, before it counts as neglected.
NEGLECT_DAYS = {"learning": 2, "polishing": 4, "performance_ready": 10}
STATUS_WORDS = {
    "learning": "learning",
    "polishing": "polishing",
    "performance_ready": "performance-ready",
}
LOW_CONFIDENCE = 2
#: At most this many lines per piece, so one piece with many sections cannot fill the list.
PER_PIECE = 2


@dataclass
class LastWork:
    """The newest session item on a passage, with that session's date and confidence."""

    practice_date: date
    tempo_bpm: int | None
    target_tempo_bpm: int | None
    confidence: int | None
    bar_start: int | None = None
    bar_end: int | None = None

    def covers(self, section: Section) -> bool:
        """Whole-piece work (no bars, or bars around the section) counts for the section."""
        if self.bar_start is None or self.bar_end is None:
            return True
        return self.bar_start <= section.bar_start and section.bar_end <= self.bar_end


@dataclass
class Work:
    """The newest work per section, on each piece without a section, and on each piece."""

    by_section: dict[uuid.UUID, LastWork] = field(default_factory=dict)
    whole_piece: dict[uuid.UUID, LastWork] = field(default_factory=dict)
    any_on_piece: dict[uuid.UUID, LastWork] = field(default_factory=dict)


@dataclass
class Passage:
    piece: Piece
    section: Section | None
    status: str
    since: date  # when it became something to practise (for never-practised passages)
    last: LastWork | None = None  # the newest work on exactly this passage
    touched: date | None = None  # the newest work on it, or on bars around it

    @property
    def title(self) -> str:
        if self.section is None:
            return self.piece.title
        return f"{self.piece.title} › {self.section.name} (bars {self.section.bars})"

    @property
    def target(self) -> int | None:
        if self.section is not None and self.section.target_tempo_bpm:
            return self.section.target_tempo_bpm
        return self.piece.target_tempo_bpm


def _touched(section: Section, piece: Piece, work: Work) -> date | None:
    """Practising bars 1–12, or running through the whole piece, is practising bars 1–4."""
    dates = [
        w.practice_date
        for other in piece.sections
        if other.contains(section) and (w := work.by_section.get(other.id)) is not None
    ]
    whole = work.whole_piece.get(piece.id)
    if whole is not None and whole.covers(section):
        dates.append(whole.practice_date)
    return max(dates, default=None)


def passages(profile: MusicianProfile) -> list[Passage]:
    """The passages being worked on, each with its last session item (4 statements, 2 of
    them shared with the quick-log panel)."""
    pieces = active_pieces(profile)  # the quick-log panel reads the same pieces
    if not pieces:
        return []
    work = last_work(profile, pieces)
    result = []
    for piece in pieces:
        active = [s for s in piece.sections if s.status in NEGLECT_DAYS]
        for s in active:
            since = practice_date(s.created_at, profile.timezone, profile.day_rollover_hour)
            result.append(
                Passage(
                    piece,
                    s,
                    s.status,
                    since,
                    last=work.by_section.get(s.id),
                    touched=_touched(s, piece, work),
                )
            )
        if not active:
            since = practice_date(
                piece.status_changed_at, profile.timezone, profile.day_rollover_hour
            )
            last = work.any_on_piece.get(piece.id)
            touched = last.practice_date if last else None
            result.append(Passage(piece, None, piece.status, since, last, touched))
    return result


def last_work(profile: MusicianProfile, pieces: list[Piece]) -> Work:
    """The newest item per section, per piece without a section and per piece (2 statements).

    For each passage the daily rollup says on which practice date it was last worked on
    (one backward index seek), and the newest matching item is looked for among that
    day's sessions only; then those items are read. Neither grows with the journal.
    """
    wanted = [("piece", p.id) for p in pieces] + [("whole", p.id) for p in pieces]
    wanted += [("section", s.id) for p in pieces for s in p.sections if s.status in NEGLECT_DAYS]
    newest = {
        (dim, obj_id): item_id
        for dim, obj_id, item_id in db.session.execute(_newest_items(profile, wanted))
        if item_id is not None
    }
    if not newest:
        return Work()
    rows = db.session.execute(
        sa.select(
            SessionItem.id,
            SessionItem.bar_start,
            SessionItem.bar_end,
            SessionItem.tempo_bpm,
            SessionItem.target_tempo_bpm,
            PracticeSession.practice_date,
            PracticeSession.confidence,
        )
        .join(PracticeSession, PracticeSession.id == SessionItem.session_id)
        .where(PracticeSession.profile_id == profile.id, SessionItem.id.in_(set(newest.values())))
    )
    found = {
        r.id: LastWork(
            r.practice_date, r.tempo_bpm, r.target_tempo_bpm, r.confidence, r.bar_start, r.bar_end
        )
        for r in rows
    }
    work = Work()
    places = {"piece": work.any_on_piece, "whole": work.whole_piece, "section": work.by_section}
    for (dim, obj_id), item_id in newest.items():
        if item_id in found:
            places[dim][obj_id] = found[item_id]
    return work


def _newest_items(profile: MusicianProfile, wanted: list[tuple[str, uuid.UUID]]) -> sa.Select:
    """(dimension, id, the newest item on it) for each wanted passage: its last practice
    date from the daily rollup, then the newest matching item among that day's sessions."""
    keys = json_rows(
        [(dim, str(obj_id), obj_id) for dim, obj_id in wanted],
        dim=sa.String(),
        key=sa.String(),
        id=sa.Uuid(),
    )
    b = DailyBreakdown
    last_day = (
        sa.select(b.practice_date)
        .where(b.profile_id == profile.id, b.dimension == keys.c.dim, b.key == keys.c.key)
        .order_by(b.practice_date.desc())
        .limit(1)
        .correlate_except(b)  # to the passage two levels up
        .scalar_subquery()
    )
    matches = sa.or_(
        sa.and_(keys.c.dim == "section", SessionItem.section_id == keys.c.id),
        sa.and_(
            keys.c.dim == "whole",
            SessionItem.piece_id == keys.c.id,
            SessionItem.section_id.is_(None),
        ),
        sa.and_(keys.c.dim == "piece", SessionItem.piece_id == keys.c.id),
    )
    item = (
        sa.select(SessionItem.id)
        .join(PracticeSession, PracticeSession.id == SessionItem.session_id)
        .where(
            PracticeSession.profile_id == profile.id,
            PracticeSession.practice_date == last_day,
            matches,
        )
        .order_by(PracticeSession.started_at.desc(), SessionItem.position.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(keys.c.dim, keys.c.id, item)


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def neglect_reason(passage: Passage, today: date) -> tuple[int, str] | None:
    """Not practised for longer than its status calls for."""
    allowed = NEGLECT_DAYS[passage.status]
    words = STATUS_WORDS[passage.status]
    if passage.touched is not None:
        idle = (today - passage.touched).days
        text = f"{_days(idle)} since you last practised it ({words}: every {_days(allowed)})"
    else:
        idle = (today - passage.since).days
        text = (
            f"not practised yet, {_days(idle)} after you added it ({words}: every {_days(allowed)})"
        )
    if idle <= allowed:
        return None
    overdue = idle / allowed
    return min(75, 40 + round(10 * (overdue - 1))), text


def tempo_reason(passage: Passage) -> tuple[int, str] | None:
    """The last session on it stayed below the target tempo."""
    last = passage.last
    if last is None or not last.tempo_bpm:
        return None
    target = last.target_tempo_bpm or passage.target
    if not target or last.tempo_bpm >= target:
        return None
    gap = target - last.tempo_bpm
    when = last.practice_date.strftime("%a %d %b")
    return 45 + min(10, round(50 * gap / target)), (
        f"last time ({when}) {last.tempo_bpm} of {target} bpm — {gap} to go"
    )


def confidence_reason(passage: Passage) -> tuple[int, str] | None:
    """The last session on it was rated low on confidence."""
    last = passage.last
    if last is None or last.confidence is None or last.confidence > LOW_CONFIDENCE:
        return None
    when = last.practice_date.strftime("%a %d %b")
    return 60 + (LOW_CONFIDENCE - last.confidence) * 5, (
        f"you rated your confidence {last.confidence}/5 after the session on {when}"
    )


def suggestions(profile: MusicianProfile, today: date) -> list[Suggestion]:
    """The repertoire's lines for "What next"."""
    per_piece: dict[uuid.UUID, list[Suggestion]] = {}
    for p in passages(profile):
        reasons = [
            r
            for r in (neglect_reason(p, today), confidence_reason(p), tempo_reason(p))
            if r is not None
        ]
        if not reasons:
            continue
        reasons.sort(key=lambda r: -r[0])
        urgency = min(80, reasons[0][0] + 5 * (len(reasons) - 1))
        reason = "; ".join(text for _, text in reasons)
        anchor = f"#section-{p.section.id}" if p.section else ""
        per_piece.setdefault(p.piece.id, []).append(
            Suggestion(
                title=p.title,
                reason=reason[0].upper() + reason[1:],
                url=url_for("repertoire.piece", piece_id=p.piece.id) + anchor,
                urgency=urgency,
            )
        )
    result = []
    for lines in per_piece.values():
        lines.sort(key=lambda s: -s.urgency)
        result += lines[:PER_PIECE]
    return result
