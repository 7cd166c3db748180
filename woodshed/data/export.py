"""The full-account JSON export, written as a stream.

Top-level rows are read in keyset-paginated batches (by id) and each batch's nested rows
and links with one query per nested table, so memory stays bounded by the batch size and
the statement count by the number of batches, whatever the account's size. Rows are read
with Core selects: nothing lands in the ORM identity map while the stream runs.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from woodshed import __version__
from woodshed.data.registry import Link, Part, to_document
from woodshed.data.sections import FORMAT, PARTS, VERSION
from woodshed.db import UTCDateTime, db, utcnow
from woodshed.profiles.models import MusicianProfile
from woodshed.profiles.schemas import ProfileFields
from woodshed.storage import storage

BATCH = 1000
#: Scratch files of imports in progress are not part of the account's files.
SCRATCH_PREFIX = "imports/"


@dataclass
class ExportContext:
    profile: MusicianProfile
    owner_user_id: uuid.UUID | None
    _labels: dict[tuple[str, str], dict] = field(default_factory=dict)

    def labels(self, link: Link, label: str) -> dict:
        """{id: label} of the link's target rows of this profile (tag names), read once;
        `label` is the link's label column."""
        target = link.target_table
        key = (target.name, label)
        if key not in self._labels:
            rows = db.session.execute(
                sa.select(_uuid_text(target.c.id), target.c[label]).where(
                    target.c.profile_id == self.profile.id
                )
            )
            self._labels[key] = dict(rows.all())
        return self._labels[key]


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _begin_snapshot() -> None:
    """Read the whole export from one snapshot, even while the musician keeps logging.

    SQLite's read transaction is a snapshot already; PostgreSQL needs REPEATABLE READ,
    which can only be chosen when this export owns its connection's transaction.
    """
    bind = db.session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        db.session.rollback()
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def export_document(profile: MusicianProfile) -> Iterator[str]:
    """The export as JSON text in chunks (one per batch of rows)."""
    ctx = ExportContext(profile, profile.user_id)
    for part in PARTS:  # a column the export cannot write fails now, before any byte
        for each in part.walk():
            for column in each.columns:
                _converter(each, column, ctx)
    _begin_snapshot()
    user = profile.user
    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "generator": f"Woodshed {__version__}",
        "account": {"email": user.email, "created_at": user.created_at.isoformat()}
        if user
        else None,
        "profile": ProfileFields.model_validate(profile).model_dump(mode="json"),
    }
    yield dumps(head)[:-1]
    for part in PARTS:
        yield f',"{part.key}":['
        separator = ""
        for objects in top_level_batches(part, ctx):
            yield separator + dumps(objects)[1:-1]
            separator = ","
        yield "]"
    yield ',"files":' + dumps(file_manifest(profile)) + "}"


def file_manifest(profile: MusicianProfile) -> list[dict]:
    return [
        {"name": f.name, "size": f.size, "sha256": f.sha256}
        for f in storage().list(profile)
        if not f.name.startswith(SCRATCH_PREFIX)
    ]


def _same(value):
    return value


def _iso(value):
    return None if value is None else value.isoformat()


def _converter(part: Part, column: sa.Column, ctx: ExportContext):
    codec = part.codecs.get(column.name)
    if codec is not None:
        return lambda value: to_document(codec.dump(value, ctx))
    kind = column.type
    if isinstance(kind, sa.Date | sa.DateTime | sa.Time | UTCDateTime):
        return _iso
    if isinstance(kind, sa.Uuid | sa.String | sa.Integer | sa.Float | sa.Boolean | sa.JSON):
        return _same  # uuids arrive as text already (see _uuid_text)
    # Every column type needs a decision; failing here fails the whole export before
    # its first byte, never a half-written file (tests/data/test_export.py).
    raise TypeError(f"No export conversion for {column.table.name}.{column.name}: {kind!r}")


def _uuid_text(column: sa.Column) -> sa.ColumnElement:
    """A uuid column read as its canonical text by the database itself.

    Turning tens of thousands of values into UUID objects and back into text costs more
    than everything else the export does on SQLite, which stores them as 32 hex digits.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(column, sa.Text).label(column.name)
    hex_ = sa.type_coerce(column, sa.String)
    parts = [sa.func.substr(hex_, start, length) for start, length in UUID_PARTS]
    text: sa.ColumnElement[str] = parts[0]
    for part in parts[1:]:
        text = text.concat("-").concat(part)
    return sa.type_coerce(text, sa.String).label(column.name)


UUID_PARTS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


def _readable(part: Part, column: sa.Column) -> sa.ColumnElement:
    if isinstance(column.type, sa.Uuid) and column.name not in part.codecs:
        return _uuid_text(column)
    return column


def _select(part: Part) -> sa.Select:
    """The exported columns (id first), then the parent key for a nested part."""
    columns = [_readable(part, c) for c in part.columns]
    if part.parent:
        columns.append(_uuid_text(part.table.c[part.parent]))
    return sa.select(*columns)


def _after(keys: list, values: tuple) -> sa.ColumnElement:
    """(k1, k2, …) > (v1, v2, …), written so an index on k1 can seek to v1."""
    if len(keys) == 1:
        return keys[0] > values[0]
    return sa.and_(
        keys[0] >= values[0],
        sa.or_(keys[0] > values[0], _after(keys[1:], values[1:])),
    )


def top_level_batches(part: Part, ctx: ExportContext) -> Iterator[list[dict]]:
    """The profile's rows of a top-level part as documents, BATCH at a time.

    Keyset pagination on the part's `order` columns and the id (sessions: by start time,
    which the profile's index already sorts).
    """
    table = part.table
    keys = [table.c[name] for name in part.order] + [table.c.id]
    owned = table.c.profile_id == ctx.profile.id
    before = None  # the previous batch's last key
    while True:
        stmt = _select(part).add_columns(*keys).where(owned)
        if before is not None:
            stmt = stmt.where(_after(keys, before))
        rows = _rows(stmt.order_by(*keys).limit(BATCH))
        if not rows:
            return
        last = tuple(rows[-1][-len(keys) :])
        scope: sa.Select | list
        if db.session.get_bind().dialect.name == "postgresql":
            # PostgreSQL plans a key range far better than a thousand bound ids …
            scope = sa.select(table.c.id).where(owned, sa.not_(_after(keys, last)))
            if before is not None:
                scope = scope.where(_after(keys, before))
        else:
            # … SQLite the other way round.
            scope = [row[-1] for row in rows]
        yield documents(part, rows, scope, ctx)
        if len(rows) < BATCH:
            return
        before = last


def _rows(stmt) -> Sequence[sa.Row]:
    return db.session.connection().execute(stmt).all()


def documents(part: Part, rows: Sequence[sa.Row], scope, ctx: ExportContext) -> list[dict]:
    """Rows (id first) of one part as export objects, with their nested parts and links.

    `scope` (a select of ids, or a list of them) names these rows; nested rows and links
    are read through it.
    """
    nested = [(child.key, _children(child, scope, ctx)) for child in part.children]
    linked = [(link.key, _links(link, scope, ctx)) for link in part.links]
    keys = [part.doc_key(c) for c in part.columns]
    convert = [_converter(part, c, ctx) for c in part.columns]
    out = []
    for row in rows:
        obj = {k: f(v) for k, f, v in zip(keys, convert, row, strict=False)}
        for key, by_parent in nested:
            obj[key] = by_parent.get(row[0], [])
        for key, by_owner in linked:
            obj[key] = by_owner.get(row[0], [])
        out.append(obj)
    return out


def _children(child: Part, parents, ctx: ExportContext) -> dict:
    table = child.table
    if child.parent is None:
        raise TypeError(f"The nested part {child.key} names no parent column")
    parent = table.c[child.parent]
    order = [table.c[name] for name in child.order] + [table.c.id]
    rows = _rows(_select(child).where(parent.in_(parents)).order_by(parent, *order))
    scope = sa.select(table.c.id).where(parent.in_(parents))
    grouped: dict = defaultdict(list)
    for row, obj in zip(rows, documents(child, rows, scope, ctx), strict=True):
        grouped[row[-1]].append(obj)
    return grouped


def _links(link: Link, owners, ctx: ExportContext) -> dict:
    own, other = link.table.c[link.own], link.table.c[link.other]
    grouped: dict = defaultdict(list)
    query = sa.select(_uuid_text(own), _uuid_text(other)).where(own.in_(owners))
    for owner, target in _rows(query):
        grouped[owner].append(target)
    if link.label:
        names = ctx.labels(link, link.label)
        return {k: sorted((names[v] for v in vs), key=str.casefold) for k, vs in grouped.items()}
    return {k: sorted(vs) for k, vs in grouped.items()}
