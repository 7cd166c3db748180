"""Database plumbing: declarative base, UTC datetimes, engine set-up and the session lifecycle.

One SQLAlchemy session per application context (so per request or per job). Services
flush; the request (see `commit_request`) or the job commits. Tests bind the session to a
connection inside an outer transaction so each test is rolled back.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

from woodshed.errors import PreconditionFailed

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as UTC; both databases hand back aware UTC datetimes."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), date: sa.Date(), uuid.UUID: sa.Uuid()}

    if TYPE_CHECKING:
        # Every model here is mapped to a Table (DeclarativeBase types it as a FromClause).
        __table__: ClassVar[sa.Table]


class Clock:
    """The one clock the code reads. Tests set `frozen` to a fixed instant."""

    frozen: datetime | None = None


def utcnow() -> datetime:
    return Clock.frozen if Clock.frozen is not None else datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A UUIDv7: time-ordered, so new rows append to indexes instead of scattering."""
    ms = int(time.time() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VersionMixin:
    """Optimistic concurrency: `version` goes up on each update and is the ETag.

    SQLAlchemy adds `WHERE version = <read version>` to every UPDATE, so a concurrent
    write raises StaleDataError instead of being silently overwritten.
    """

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


#: How long a web request waits for a lock (SQLite's write lock, a PostgreSQL row lock) and
#: for one statement, and how long anyone waits to connect; past that the request answers
#: 503 with Retry-After rather than hanging (docs/security.md).
LOCK_TIMEOUT_SECONDS = 10
STATEMENT_TIMEOUT_SECONDS = 20
CONNECT_TIMEOUT_SECONDS = 5


def _sqlite_pragmas(dbapi_connection, _record):
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
    # SAVEPOINTs (nested transactions, rolled-back tests) behave as documented.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not left in free pages (erasure, SEC).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(_lock_timeout() * 1000)}")
    cursor.close()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sqlite_begin(conn) -> None:
    """Writers take SQLite's write lock up front (waiting for it, up to busy_timeout).

    A deferred transaction that reads first and writes later fails at once if another
    writer committed in between; requests that change things and jobs that declare
    `g.write_intent` therefore begin IMMEDIATE. Reads stay concurrent.
    """
    writing = has_app_context() and (
        g.get("write_intent") or (has_request_context() and request.method not in SAFE_METHODS)
    )
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _postgres_settings(dbapi_connection, _record):
    with dbapi_connection.cursor() as cursor:
        # A commit is on disk before it is acknowledged, whatever the server's default says.
        cursor.execute("SET synchronous_commit TO on")
        # Every query reads one musician's rows along an index; starting parallel workers
        # for it costs milliseconds more than the work (seen in `make bench`).
        cursor.execute("SET max_parallel_workers_per_gather TO 0")
    dbapi_connection.commit()


def _lock_timeout() -> float:
    if has_app_context():
        return current_app.config.get("DB_LOCK_TIMEOUT_SECONDS", LOCK_TIMEOUT_SECONDS)
    return LOCK_TIMEOUT_SECONDS


def _postgres_begin(conn) -> None:
    """A web request's transaction gives up on a lock or a statement that takes too long
    (then it answers 503); the worker, imports and maintenance commands are not limited."""
    if not has_request_context():
        return
    config = current_app.config
    lock = int(config.get("DB_LOCK_TIMEOUT_SECONDS", LOCK_TIMEOUT_SECONDS) * 1000)
    statement = int(config.get("DB_STATEMENT_TIMEOUT_SECONDS", STATEMENT_TIMEOUT_SECONDS) * 1000)
    # On the driver's cursor: bookkeeping, not one of the request's counted statements.
    # One round trip: set_config(…, true) is SET LOCAL.
    with conn.connection.dbapi_connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, true), "
            "set_config('statement_timeout', %s, true)",
            (f"{lock}ms", f"{statement}ms"),
        )


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the settings Woodshed relies on for each database."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = sa.create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_timeout", CONNECT_TIMEOUT_SECONDS)  # waiting for a free connection
    if url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_settings)
        event.listen(engine, "begin", _postgres_begin)
    return engine


def _scope() -> int:
    return id(g._get_current_object()) if has_app_context() else 0


class Database:
    """The unbound database extension: `db.session` is the current context's session."""

    def __init__(self) -> None:
        # scoped_session calls any session factory; its stubs ask for a sessionmaker.
        factory = cast("sessionmaker[Session]", self._make_session)
        self.session: scoped_session[Session] = scoped_session(factory, scopefunc=_scope)

    def init_app(self, app: Flask) -> None:
        app.extensions["woodshed.engine"] = make_engine(app.config["DATABASE_URL"])
        app.teardown_appcontext(self._teardown)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["woodshed.engine"]

    @staticmethod
    def _test_connection() -> sa.Connection | None:
        """The connection holding a test's outer transaction, when a test runs the app."""
        return current_app.extensions.get("woodshed.test_connection")

    def _make_session(self) -> Session:
        bind = self._test_connection() or self.engine
        return Session(bind=bind, join_transaction_mode="create_savepoint", autoflush=True)

    def _teardown(self, _exc) -> None:
        self.session.remove()

    def after_commit(self, action) -> None:
        """Call `action()` once the current transaction has committed (never if it rolls back)."""
        event.listen(self.session(), "after_commit", lambda _session: action(), once=True)

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database and empty it, so that erased
        rows (zeroed there by secure_delete) leave no copy behind. Nothing on PostgreSQL, nor
        inside a test's outer transaction: nothing is committed there to copy, and the
        checkpoint would wait out busy_timeout on that transaction's lock."""
        if self.engine.dialect.name != "sqlite" or self._test_connection() is not None:
            return
        raw = self.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


db = Database()


def check_version(obj: VersionMixin, expected: int | None) -> None:
    """Refuse a write based on a stale read (If-Match header or a form's hidden version)."""
    if expected is not None and obj.version != expected:
        raise PreconditionFailed(stale_object=obj)


def rowcount(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (its result is a CursorResult)."""
    return cast("sa.CursorResult[Any]", result).rowcount


def insert_ignore(model, rows: list[dict], conflict: list[str]) -> None:
    """Insert rows, silently skipping those that hit the unique key `conflict`.

    `INSERT … ON CONFLICT DO NOTHING` on both databases: generating rows that may exist
    already (occurrences, deliveries) stays idempotent even when two processes race.
    """
    if not rows:
        return
    statement: Any
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(model).on_conflict_do_nothing(index_elements=conflict)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(model).on_conflict_do_nothing(index_elements=conflict)
    db.session.execute(statement, rows)


@contextlib.contextmanager
def bookkeeping(what: str) -> Iterator[None]:
    """A write a reading request makes on the side (when a sign-in session or a token was
    last used), flushed at once in a savepoint. If the database is busy — another writer
    holds SQLite's write lock past busy_timeout (or committed since this request began
    reading), or a PostgreSQL lock wait passes lock_timeout — it is left for a later
    request and the page is served, instead of answering 503 for a detail."""
    try:
        with db.session.begin_nested():
            yield
    except sa.exc.OperationalError:
        log.info("%s skipped: database busy", what)


def after_commit(action: Callable[[], object]) -> None:
    """Run `action` once the request's transaction commits, never if it rolls back
    (files go only with their rows). A failing action is logged, not raised: the rows
    are committed already, and a stray file is swept later."""
    session = db.session()
    armed = [True]

    def run(_session) -> None:
        if armed[0]:
            armed[0] = False
            try:
                action()
            except Exception:
                log.exception("an action after commit failed")

    def rolled_back(_session, previous) -> None:
        if previous.parent is None:  # a savepoint's rollback leaves the action armed
            armed[0] = False

    event.listen(session, "after_commit", run, once=True)
    event.listen(session, "after_soft_rollback", rolled_back)


def on_rollback(action: Callable[[], object]) -> None:
    """Run `action` if the request's transaction rolls back as a whole (a savepoint's
    rollback does not count), never once it has committed: a file stored for rows that
    were not kept is deleted again."""
    session = db.session()
    armed = [True]

    def run(_session, previous) -> None:
        if armed[0] and previous.parent is None:
            armed[0] = False
            action()

    def committed(_session) -> None:
        armed[0] = False

    event.listen(session, "after_soft_rollback", run)
    event.listen(session, "after_commit", committed, once=True)


def json_rows(
    rows: list[tuple], param: str = "rows", **columns: sa.types.TypeEngine
) -> sa.Subquery:
    """A table of values sent as one JSON parameter, to join or correlate against.

    `columns` name the values of each row, in order, with their types; each value travels
    as the database stores it (SQLite keeps ids as hex, dates as ISO text). The statement's
    text does not depend on the number of rows, so SQLAlchemy compiles it once and a long
    list costs one bound value instead of one per cell (json_each on SQLite,
    json_array_elements on PostgreSQL).
    """
    if not all(name.isidentifier() for name in columns) or not param.isidentifier():
        raise ValueError("json_rows: column and parameter names must be identifiers")
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql":
        picks = ", ".join(
            f"CAST(value->>{i} AS {type_.compile(dialect)}) AS {name}"
            for i, (name, type_) in enumerate(columns.items())
        )
        source = f"json_array_elements(CAST(:{param} AS json))"
    else:
        picks = ", ".join(
            f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(columns)
        )
        source = f"json_each(:{param})"
    processors = [type_.bind_processor(dialect) for type_ in columns.values()]
    stored = [
        [proc(v) if proc and v is not None else v for proc, v in zip(processors, row, strict=True)]
        for row in rows
    ]
    return (
        sa.text(f"SELECT {picks} FROM {source}")  # noqa: S608  (identifiers checked above)
        .bindparams(sa.bindparam(param, json.dumps(stored, default=str)))
        .columns(*(sa.column(name, type_) for name, type_ in columns.items()))
        .subquery(param)
    )


_MISSING = object()


def _filled(table: sa.Table, rows: list[dict]) -> tuple[list[str], list[list]]:
    """The rows as lists over one set of columns, Python-side defaults filled in.

    Columns absent from every row and generated by the database (an integer key) are left
    to it; otherwise a missing value takes the column's default, or null.
    """
    present = set().union(*rows)
    columns = [
        c
        for c in table.columns
        if c.name in present or c.default is not None or (c.nullable and not c.primary_key)
    ]
    # Per column: its name and what fills it when a row leaves it out (the default's
    # value, or null); a callable default (a new id) is called once per row that needs it.
    fills: list[tuple[str, object]] = []
    called: list[tuple[int, Callable[[object], object]]] = []
    for i, column in enumerate(columns):
        # A Column's default is a ColumnDefault (scalar or callable) when set here.
        default = cast("sa.ColumnDefault | None", column.default)
        if default is not None and default.is_callable:
            fills.append((column.name, _MISSING))
            called.append((i, default.arg))
        else:
            fills.append((column.name, None if default is None else default.arg))
    values = []
    for row in rows:
        line = [row.get(name, fill) for name, fill in fills]
        for i, make in called:
            if line[i] is _MISSING:
                line[i] = make(None)
        values.append(line)
    return [name for name, _ in fills], values


def bulk_insert(table: sa.Table, rows: list[dict], connection: sa.Connection | None = None) -> None:
    """Insert many rows at once (imports): COPY on PostgreSQL, executemany on SQLite.

    Rows may leave out columns with defaults. This is for rows whose model needs no ORM
    events: nothing but the database sees them.
    """
    if not rows:
        return
    names, values = _filled(table, rows)
    connection = connection or db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(sa.insert(table), [dict(zip(names, v, strict=True)) for v in values])
        return
    from psycopg.types.json import Json

    json_at = [i for i, n in enumerate(names) if isinstance(table.c[n].type, sa.JSON)]
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in names)
    statement = f"COPY {table.name} ({quoted}) FROM STDIN"
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None  # a live psycopg connection
    cursor = driver_connection.cursor()
    try:
        with cursor, cursor.copy(statement) as copy:
            for line in values:
                for i in json_at:
                    line[i] = None if line[i] is None else Json(line[i])
                copy.write_row(line)
    except connection.dialect.loaded_dbapi.IntegrityError as exc:
        # The same exception as through SQLAlchemy, so callers handle one kind.
        raise sa.exc.IntegrityError(statement, None, exc) from None
