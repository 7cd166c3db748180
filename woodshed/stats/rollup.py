"""The daily rollups: what a session contributes, and how those sums are written.

`daily_totals` keeps TotalSums per musician and practice date; the daily, monthly and
lifetime breakdowns keep BreakdownSums per object (instrument, piece, section, skill, tag,
start hour, length bucket, whole-piece work, goal). One function (`contributions`) defines what
stored sessions contribute, so the incremental upkeep (`stats.upkeep`, which applies the
difference each flush makes) and `woodshed stats rebuild` can never disagree.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import Field, dataclass, fields
from datetime import date
from typing import Any, ClassVar, NamedTuple, Self, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from woodshed import policy
from woodshed.db import bulk_insert
from woodshed.journal.models import PracticeSession, SessionItem, session_goals, session_tags
from woodshed.repertoire.models import Piece, Section
from woodshed.stats.models import (
    DailyBreakdown,
    DailyTotal,
    LifetimeBreakdown,
    MonthlyBreakdown,
)

S = TypeVar("S", bound="Sums")


class Sums:
    """Integer sums of one rollup row, worked on by field name: a new field is one more
    attribute of a subclass, and no consumer counts positions."""

    __slots__ = ()
    #: The field names, in the order they are declared (set by `_sums`).
    FIELDS: ClassVar[tuple[str, ...]] = ()
    # Declared for the checker: every subclass is made a dataclass by `_sums`, and every
    # rollup row counts its sessions (a row left with none is deleted).
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
    sessions: int

    @classmethod
    def of(cls, row: Mapping[str, Any] | sa.RowMapping) -> Self:
        """Sums from a mapping that has each field by name (a result row's `_mapping`);
        a sum over no rows (NULL) is 0."""
        return cls(**{name: int(row[name] or 0) for name in cls.FIELDS})

    def add(self, other: Self) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def subtract(self, other: Self) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) - getattr(other, name))

    def values(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.FIELDS}

    def __bool__(self) -> bool:
        """False when every sum is 0 (a delta that changes nothing)."""
        return any(getattr(self, name) for name in self.FIELDS)

    def average(self, name: str, digits: int = 2) -> float | None:
        """The mean of a summed value (`quality` → quality_sum / quality_n), None for none."""
        count = getattr(self, f"{name}_n")
        return round(getattr(self, f"{name}_sum") / count, digits) if count else None


def _sums(cls: type[S]) -> type[S]:
    result = dataclass(slots=True)(cls)
    result.FIELDS = tuple(f.name for f in fields(result))
    return result


@_sums
class TotalSums(Sums):
    """What `daily_totals` keeps for one practice date; also the sum of any days."""

    minutes: int = 0
    sessions: int = 0
    exam_minutes: int = 0
    exam_sessions: int = 0
    performance_minutes: int = 0
    performance_sessions: int = 0
    slow_minutes: int = 0
    slow_sessions: int = 0
    mood_sum: int = 0
    mood_n: int = 0
    quality_sum: int = 0
    quality_n: int = 0
    enjoyment_sum: int = 0
    enjoyment_n: int = 0
    clean_runs: int = 0
    tempos_reached: int = 0


@_sums
class BreakdownSums(Sums):
    """What the daily, monthly and lifetime breakdowns keep for one object (an instrument,
    piece, section, skill, tag, goal, start hour, length bucket or piece worked on as a
    whole) over their span."""

    minutes: int = 0
    sessions: int = 0
    quality_sum: int = 0
    quality_n: int = 0
    enjoyment_sum: int = 0
    enjoyment_n: int = 0
    confidence_sum: int = 0
    confidence_n: int = 0
    tempo_sum: int = 0
    tempo_n: int = 0
    ratio_sum: int = 0
    ratio_n: int = 0


NO_INSTRUMENT = "none"
#: Session-length buckets (minutes, inclusive lower bound) and their keys, in order.
LENGTH_BUCKETS = (
    (0, "0-14"),
    (15, "15-29"),
    (30, "30-44"),
    (45, "45-59"),
    (60, "60-89"),
    (90, "90+"),
)
CHUNK = 500
TOTAL_KEY = ("profile_id", "audience", "practice_date")
DAILY_KEY = ("profile_id", "audience", "practice_date", "dimension", "key")
MONTHLY_KEY = ("profile_id", "audience", "dimension", "month", "key")
LIFETIME_KEY = ("profile_id", "audience", "dimension", "key")

TotalKey = tuple[uuid.UUID, str, date]
BreakdownKey = tuple[uuid.UUID, str, date, str, str]


def audiences_of(private: bool) -> tuple[str, ...]:
    """The rollup rows a session counts in: every session in "all", a session that is not
    private in "shared" too (see `stats.models.AUDIENCES`)."""
    return ("all",) if private else ("all", "shared")


def audience_for(profile) -> str:
    """The rollup rows this request reads for `profile`: "all" for the musician (and
    anyone else `policy.can_view_private` lets see private entries, the worker and
    commands), "shared" — non-private sessions only — for a linked teacher."""
    return "all" if policy.sees_private(profile) else "shared"


def length_bucket(minutes: int) -> str:
    key = LENGTH_BUCKETS[0][1]
    for lower, name in LENGTH_BUCKETS:
        if minutes >= lower:
            key = name
    return key


def item_minutes(duration: int, items: list[int | None]) -> list[int]:
    """Minutes per item: as logged, else an equal share of what the logged ones leave.

    The remainder of the integer split goes to the first unspecified items, so the shares
    add up exactly to the session's unassigned minutes.
    """
    given = sum(m for m in items if m is not None)
    open_items = sum(1 for m in items if m is None)
    if not open_items:
        return [m or 0 for m in items]
    share, extra = divmod(max(duration - given, 0), open_items)
    result = []
    for m in items:
        if m is None:
            result.append(share + (1 if extra > 0 else 0))
            extra -= 1
        else:
            result.append(m)
    return result


class RollupRows(NamedTuple):
    """One rollup table, its key columns and the sums to write under each key."""

    table: sa.Table
    key_columns: tuple[str, ...]
    fields: tuple[str, ...]
    rows: dict


class Contributions:
    """What a set of sessions adds to the rollups, as sums per rollup row."""

    def __init__(self) -> None:
        self.totals: dict[TotalKey, TotalSums] = defaultdict(TotalSums)
        self.breakdowns: dict[BreakdownKey, BreakdownSums] = defaultdict(BreakdownSums)
        # (profile id, audience, dimension, first day of the month, key) → the month's sums.
        self.monthly: dict[tuple, BreakdownSums] = defaultdict(BreakdownSums)
        # (profile id, audience, dimension, key) → the sums over every practice date.
        self.lifetime: dict[tuple, BreakdownSums] = defaultdict(BreakdownSums)

    def tables(self) -> list[RollupRows]:
        """Each rollup table with its key columns, its summed fields and these rows."""
        return [
            RollupRows(DailyTotal.__table__, TOTAL_KEY, TotalSums.FIELDS, self.totals),
            RollupRows(DailyBreakdown.__table__, DAILY_KEY, BreakdownSums.FIELDS, self.breakdowns),
            RollupRows(MonthlyBreakdown.__table__, MONTHLY_KEY, BreakdownSums.FIELDS, self.monthly),
            RollupRows(
                LifetimeBreakdown.__table__, LIFETIME_KEY, BreakdownSums.FIELDS, self.lifetime
            ),
        ]

    def subtract(self, other: Contributions) -> None:
        for mine, theirs in zip(self.tables(), other.tables(), strict=True):
            for key, sums in theirs.rows.items():
                mine.rows[key].subtract(sums)

    def add_session(self, s, items: list, tag_ids: list, goal_ids: list) -> None:
        """Add one session (a row of practice_sessions) with its items, tag and goal ids,
        to the rows of each audience it counts for (worked out once, added to each)."""
        duration = s.duration_minutes
        total = TotalSums()
        total.minutes, total.sessions = duration, 1
        if s.exam_prep:
            total.exam_minutes, total.exam_sessions = duration, 1
        if s.performance_prep:
            total.performance_minutes, total.performance_sessions = duration, 1
        if s.mode == "slow":
            total.slow_minutes, total.slow_sessions = duration, 1
        if s.mood is not None:
            total.mood_sum, total.mood_n = s.mood, 1
        if s.quality is not None:
            total.quality_sum, total.quality_n = s.quality, 1
        if s.enjoyment is not None:
            total.enjoyment_sum, total.enjoyment_n = s.enjoyment, 1
        if s.quality is not None and s.quality >= 4:
            total.clean_runs = sum(1 for i in items if i.run_through)
        total.tempos_reached = sum(
            1 for i in items if i.tempo_bpm and i.target and i.tempo_bpm >= i.target
        )
        per_key, tempos = _breakdowns(s, items, tag_ids, goal_ids)
        day, month = s.practice_date, s.practice_date.replace(day=1)
        quality, enjoyment, confidence = s.quality, s.enjoyment, s.confidence
        for audience in audiences_of(bool(s.private)):
            self.totals[(s.profile_id, audience, day)].add(total)
            for (dimension, key), minutes in per_key.items():
                tempo = tempos.get((dimension, key))
                for row in (
                    self.breakdowns[(s.profile_id, audience, day, dimension, key)],
                    self.monthly[(s.profile_id, audience, dimension, month, key)],
                    self.lifetime[(s.profile_id, audience, dimension, key)],
                ):
                    row.minutes += minutes
                    row.sessions += 1
                    if quality is not None:
                        row.quality_sum += quality
                        row.quality_n += 1
                    if enjoyment is not None:
                        row.enjoyment_sum += enjoyment
                        row.enjoyment_n += 1
                    if confidence is not None:
                        row.confidence_sum += confidence
                        row.confidence_n += 1
                    if tempo is not None:
                        row.tempo_sum += tempo.tempo_sum
                        row.tempo_n += tempo.tempo_n
                        row.ratio_sum += tempo.ratio_sum
                        row.ratio_n += tempo.ratio_n


def _breakdowns(
    s, items: list, tag_ids: list, goal_ids: list
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], BreakdownSums]]:
    """One session's minutes for each (dimension, key) it counts for — its instrument,
    start hour, length, tags, goals, and each item's piece, section, skill or whole piece —
    and the tempo sums of the pieces and sections it reached a tempo in."""
    duration = s.duration_minutes
    per_key: dict[tuple[str, str], int] = defaultdict(int)
    per_key[("instrument", str(s.instrument_id) if s.instrument_id else NO_INSTRUMENT)] += duration
    local_hour = s.started_at.astimezone(ZoneInfo(s.timezone)).hour
    per_key[("hour", f"{local_hour:02d}")] += duration
    per_key[("length", length_bucket(duration))] += duration
    for tag_id in tag_ids:
        per_key[("tag", str(tag_id))] += duration
    for goal_id in goal_ids:
        per_key[("goal", str(goal_id))] += duration
    # Tempo per piece/section: bpm reached, and per mille of the target where known.
    tempos: dict[tuple[str, str], BreakdownSums] = defaultdict(BreakdownSums)
    shares = item_minutes(duration, [i.minutes for i in items])
    for item, minutes in zip(items, shares, strict=True):
        for dimension, obj_id in (
            ("piece", item.piece_id),
            ("section", item.section_id),
            ("skill", item.skill_id),
            ("whole", item.piece_id if item.section_id is None else None),
        ):
            if obj_id is not None:
                per_key[(dimension, str(obj_id))] += minutes
                if item.tempo_bpm and dimension != "skill":
                    tempo = tempos[(dimension, str(obj_id))]
                    tempo.tempo_sum += item.tempo_bpm
                    tempo.tempo_n += 1
                    if item.target:
                        tempo.ratio_sum += round(1000 * item.tempo_bpm / item.target)
                        tempo.ratio_n += 1
    return per_key, tempos


_S = PracticeSession.__table__
_I = SessionItem.__table__
SESSION_COLUMNS = (
    _S.c.id,
    _S.c.profile_id,
    _S.c.practice_date,
    _S.c.started_at,
    _S.c.timezone,
    _S.c.duration_minutes,
    _S.c.instrument_id,
    _S.c.mode,
    _S.c.exam_prep,
    _S.c.performance_prep,
    _S.c.mood,
    _S.c.quality,
    _S.c.enjoyment,
    _S.c.confidence,
    _S.c.private,
)


def contributions(conn: sa.Connection, session_ids: Iterable[uuid.UUID]) -> Contributions:
    """The stored sessions' contributions, read from the database as it is now."""
    result = Contributions()
    ids = list(session_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _add_sessions(conn, result, sa.select(*SESSION_COLUMNS).where(_S.c.id.in_(chunk)))
    return result


def _add_sessions(conn: sa.Connection, result: Contributions, stmt: sa.Select) -> None:
    sessions = list(conn.execute(stmt))
    if not sessions:
        return
    ids = [s.id for s in sessions]
    items: dict[uuid.UUID, list] = defaultdict(list)
    sections, pieces = Section.__table__, Piece.__table__
    target = sa.func.coalesce(
        _I.c.target_tempo_bpm, sections.c.target_tempo_bpm, pieces.c.target_tempo_bpm
    )
    for row in conn.execute(
        sa.select(
            _I.c.session_id,
            _I.c.piece_id,
            _I.c.section_id,
            _I.c.skill_id,
            _I.c.minutes,
            _I.c.tempo_bpm,
            _I.c.run_through,
            target.label("target"),
        )
        .select_from(_I)
        .outerjoin(sections, sections.c.id == _I.c.section_id)
        .outerjoin(pieces, pieces.c.id == _I.c.piece_id)
        .where(_I.c.session_id.in_(ids))
        .order_by(_I.c.session_id, _I.c.position, _I.c.id)
    ):
        items[row.session_id].append(row)
    # Tags and goals linked to the sessions, in one read.
    links: dict[str, dict[uuid.UUID, list]] = {"tag": defaultdict(list), "goal": defaultdict(list)}
    for row in conn.execute(
        sa.union_all(
            sa.select(
                session_tags.c.session_id,
                sa.literal("tag").label("kind"),
                session_tags.c.tag_id.label("target"),
            ).where(session_tags.c.session_id.in_(ids)),
            sa.select(
                session_goals.c.session_id,
                sa.literal("goal").label("kind"),
                session_goals.c.goal_id.label("target"),
            ).where(session_goals.c.session_id.in_(ids)),
        )
    ):
        links[row.kind][row.session_id].append(row.target)
    for s in sessions:
        result.add_session(s, items[s.id], links["tag"][s.id], links["goal"][s.id])


def apply(conn: sa.Connection, delta: Contributions, fresh: bool = False) -> None:
    """Add a delta to the rollup tables and drop rows that no longer count any session.

    `fresh` means the profiles' rows were just deleted (a rebuild): plain inserts then.
    """
    for rollup in delta.tables():
        if fresh:
            _insert_fresh(conn, rollup.table, rollup.key_columns, rollup.rows)
        else:
            changed = {key: sums for key, sums in rollup.rows.items() if sums}
            _upsert(conn, rollup.table, rollup.key_columns, rollup.fields, changed)


def _insert_fresh(conn, table: sa.Table, key_cols: tuple, rows: dict[tuple, Sums]) -> None:
    params = [
        dict(zip(key_cols, key, strict=True)) | sums.values()
        for key, sums in rows.items()
        if sums.sessions > 0
    ]
    bulk_insert(table, params, conn)  # COPY on PostgreSQL


@functools.cache
def _upsert_statement(dialect: str, table: sa.Table, key_cols: tuple, fields: tuple) -> sa.Insert:
    """INSERT … ON CONFLICT (the key) DO UPDATE adding each field, in the dialect's words.

    Built once per table and dialect: a statement is immutable, and building its dozens of
    `field + excluded.field` expressions cost more than running it."""
    index = [table.c[c] for c in key_cols]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(table)
        return pg.on_conflict_do_update(
            index_elements=index, set_={f: table.c[f] + pg.excluded[f] for f in fields}
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    lite = sqlite_insert(table)
    return lite.on_conflict_do_update(
        index_elements=index, set_={f: table.c[f] + lite.excluded[f] for f in fields}
    )


def _upsert(conn, table: sa.Table, key_cols: tuple, fields: tuple, rows: dict[tuple, Sums]) -> None:
    if not rows:
        return
    params = [dict(zip(key_cols, key, strict=True)) | sums.values() for key, sums in rows.items()]
    # One statement for every row (executemany): its compiled form is cached per table.
    # Rows written into the statement itself (`.values([...])`) compiled anew each time,
    # and that compiling was most of the cost of logging a session.
    conn.execute(_upsert_statement(conn.dialect.name, table, key_cols, fields), params)
    if any(sums.sessions < 0 for sums in rows.values()):
        profiles = {key[0] for key in rows}
        empty = sa.delete(table).where(table.c.profile_id.in_(profiles), table.c.sessions <= 0)
        for date_column in {"month", "practice_date"} & set(key_cols):
            dates = {key[key_cols.index(date_column)] for key in rows}
            empty = empty.where(table.c[date_column].in_(dates))
        conn.execute(empty)


def rebuild(conn: sa.Connection, profile_ids: Iterable[uuid.UUID]) -> int:
    """Recompute the rollups of these profiles from their sessions; returns sessions read."""
    count = 0
    for profile_id in profile_ids:
        for rollup in Contributions().tables():
            table = rollup.table
            conn.execute(sa.delete(table).where(table.c.profile_id == profile_id))
        whole = Contributions()
        last_id = None
        while True:
            stmt = sa.select(_S.c.id).where(_S.c.profile_id == profile_id)
            if last_id is not None:
                stmt = stmt.where(_S.c.id > last_id)
            ids = list(conn.execute(stmt.order_by(_S.c.id).limit(CHUNK)).scalars())
            if not ids:
                break
            _add_sessions(conn, whole, sa.select(*SESSION_COLUMNS).where(_S.c.id.in_(ids)))
            count += len(ids)
            last_id = ids[-1]
        apply(conn, whole, fresh=True)
    return count
