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
from woodshed.dates import format_date
from woodshed.db import db, json_rows
from woodshed.journal.models import PracticeSession, SessionItem
from woodshed.journal.queries import active_pieces
from woodshed.profiles.models import MusicianProfile
from woodshed.repertoire.models import Piece, Section
from woodshed.stats.models import DailyBreakdown
from woodshed.stats.rollup import audience_for
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
        if not self.section.name:
            return f"{self.piece.title} › bars {self.section.bars}"
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
    """The passages being worked on, each with its last session item (5 statements, 2 of
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
    """The newest item per section, per piece without a section and per piece (3 statements).

    The daily rollup says on which practice date each passage was last worked on (one index
    seek per passage); the items come from the sessions of those dates only, so the cost
    does not grow with the journal.
    """
    wanted = [("piece", p.id) for p in pieces] + [("whole", p.id) for p in pieces]
    wanted += [("section", s.id) for p in pieces for s in p.sections if s.status in NEGLECT_DAYS]
    last_dates = _last_dates(profile, wanted)
    if not last_dates:
        return Work()
    # The sessions of those dates, then their items: two index reads that stay small
    # however long the journal is (a join lets the planner scan every item instead).
    sessions = {
        row.id: row
        for row in db.session.execute(
            sa.select(
                PracticeSession.id,
                PracticeSession.started_at,
                PracticeSession.practice_date,
                PracticeSession.confidence,
            ).where(
                PracticeSession.profile_id == profile.id,
                PracticeSession.practice_date.in_(set(last_dates.values())),
            )
        )
    }
    items = db.session.execute(
        sa.select(
            SessionItem.session_id,
            SessionItem.position,
            SessionItem.piece_id,
            SessionItem.section_id,
            SessionItem.bar_start,
            SessionItem.bar_end,
            SessionItem.tempo_bpm,
            SessionItem.target_tempo_bpm,
        ).where(SessionItem.session_id.in_(list(sessions)), SessionItem.piece_id.is_not(None))
    ).all()
    items = sorted(
        items, key=lambda i: (sessions[i.session_id].started_at, i.position), reverse=True
    )
    work = Work()
    for item in items:  # newest first: the first item on a passage is the newest work on it
        s = sessions[item.session_id]
        day = s.practice_date
        last = LastWork(
            day, item.tempo_bpm, item.target_tempo_bpm, s.confidence, item.bar_start, item.bar_end
        )
        if last_dates.get(("piece", item.piece_id)) == day:
            work.any_on_piece.setdefault(item.piece_id, last)
        if item.section_id is None:
            if last_dates.get(("whole", item.piece_id)) == day:
                work.whole_piece.setdefault(item.piece_id, last)
        elif last_dates.get(("section", item.section_id)) == day:
            work.by_section.setdefault(item.section_id, last)
    return work


def _last_dates(
    profile: MusicianProfile, wanted: list[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], date]:
    """The last practice date of each (dimension, id), from the daily rollup (1 statement)."""
    keys = json_rows(wanted, dim=sa.String(), key=sa.String())
    b = DailyBreakdown
    newest = (
        sa.select(b.practice_date)
        .where(
            b.profile_id == profile.id,
            b.audience == audience_for(profile),
            b.dimension == keys.c.dim,
            b.key == keys.c.key,
        )
        .order_by(b.practice_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    ids = {(dimension, str(obj_id)): obj_id for dimension, obj_id in wanted}
    return {
        (dimension, ids[(dimension, key)]): day
        for dimension, key, day in db.session.execute(sa.select(keys.c.dim, keys.c.key, newest))
        if day is not None
    }


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


def tempo_reason(passage: Passage, locale: str | None = None) -> tuple[int, str] | None:
    """The last session on it stayed below the target tempo."""
    last = passage.last
    if last is None or not last.tempo_bpm:
        return None
    # The passage's own target; a session's (a plan's interim step) only stands in when
    # the passage has none, and reaching the step does not make the passage done.
    target = passage.target or last.target_tempo_bpm
    if not target or last.tempo_bpm >= target:
        return None
    gap = target - last.tempo_bpm
    when = format_date(last.practice_date, locale)
    step = last.target_tempo_bpm
    aimed = f" (that session aimed at {step})" if step and step != target else ""
    return 45 + min(10, round(50 * gap / target)), (
        f"last time ({when}) {last.tempo_bpm} of {target} bpm — {gap} to go{aimed}"
    )


def confidence_reason(passage: Passage, locale: str | None = None) -> tuple[int, str] | None:
    """The last session on it was rated low on confidence."""
    last = passage.last
    if last is None or last.confidence is None or last.confidence > LOW_CONFIDENCE:
        return None
    when = format_date(last.practice_date, locale)
    return 60 + (LOW_CONFIDENCE - last.confidence) * 5, (
        f"you rated your confidence {last.confidence}/5 after the session on {when}"
    )


def suggestions(profile: MusicianProfile, today: date) -> list[Suggestion]:
    """The repertoire's lines for "What next"."""
    per_piece: dict[uuid.UUID, list[Suggestion]] = {}
    for p in passages(profile):
        reasons = [
            r
            for r in (
                neglect_reason(p, today),
                confidence_reason(p, profile.locale),
                tempo_reason(p, profile.locale),
            )
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
