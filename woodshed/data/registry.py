"""The export registry: which tables make up a musician's data, and how each one travels.

A `Part` names a table (an ORM model) and the key it has in the export document. Its
columns are exported as they are stored — uuids, instants and dates as strings — except
the owner (`profile_id`), the parent key of a nested part, the optimistic-locking
`version`, and columns that are `derived` from others. Foreign keys to other exported
tables are references: they keep their value in the document and are remapped when
imported ids have to change. Types, lengths, nullability, enumerations (`x IN (…)`) and
ranges (`x BETWEEN a AND b`) are read from the table itself, so the JSON Schema and the
import validation follow the models without being written twice.

Adding a table to the export is one `Part(...)` line in `woodshed/data/sections.py`;
`tests/data/test_registry.py` fails while a table is neither exported nor excluded.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from types import GenericAlias
from typing import Annotated, Any, Literal, TypeVar

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
)
from pydantic_core import PydanticCustomError

from woodshed.db import Base, UTCDateTime
from woodshed.validation import line

#: A time of day on the musician's clock (a reminder's 18:00): no UTC offset, so not JSON
#: Schema's `format: time` (RFC 3339 requires one) but `HH:MM[:SS]`.
LocalTime = Annotated[
    time,
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}),
]

ALWAYS_OMITTED = frozenset({"profile_id", "version"})
STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)
IN_LIST = re.compile(r"^(\w+) IN \((.+)\)$", re.S)
BETWEEN = re.compile(r"^(\w+) BETWEEN (-?\d+) AND (-?\d+)$")
NULL_OR = re.compile(r"^(\w+) IS NULL OR (.+)$", re.S)
QUOTED = re.compile(r"'((?:[^']|'')*)'")


@dataclass(frozen=True)
class Codec:
    """A column that needs more than the plain conversion on its way out and back in.

    `dump(value, ctx)` gives the document value, `load(value, ctx)` the stored one;
    `annotation` is the pydantic type of the document value (and so its JSON Schema).
    """

    annotation: Any
    key: str | None = None
    dump: Callable[[Any, Any], Any] = lambda value, _ctx: value
    load: Callable[[Any, Any], Any] = lambda value, _ctx: value


@dataclass(frozen=True)
class Link:
    """A many-to-many table kept as a list inside the owning object (`tags`, `goal_ids`).

    The list holds the target rows' ids, or with `label` the value of that column (tag
    names), which must be unique within the target part of the same document.
    """

    key: str
    table: sa.Table
    own: str
    other: str
    label: str | None = None

    @property
    def target_table(self) -> sa.Table:
        return next(iter(self.table.c[self.other].foreign_keys)).column.table


@dataclass(frozen=True)
class Part:
    """One table in the export: a top-level list, or nested under its parent part."""

    key: str
    model: type[Base]
    parent: str | None = None
    children: tuple[Part, ...] = ()
    links: tuple[Link, ...] = ()
    #: Objects are listed in this column order, then by id (a top-level part's order should
    #: match an index that starts with profile_id).
    order: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()
    derived: dict[str, Callable[[dict], Any]] = field(default_factory=dict)
    codecs: dict[str, Codec] = field(default_factory=dict)
    #: Called as after_import(profile, ids) once the rows exist (rebuild derived data).
    after_import: Callable[[Any, list[uuid.UUID]], None] | None = None
    #: The stored files that travel with each row in the ZIP export, from the row's
    #: exported values: {storage name: (size in bytes, SHA-256)}. A restore from a ZIP
    #: accepts exactly these files, checked against both.
    files: Callable[[dict[str, Any]], dict[str, tuple[int, str]]] | None = None
    #: An account counts as empty for a restore only if it has none of these rows.
    user_content: bool = True
    #: On restore, the account's existing rows of this part are replaced (one-per-profile).
    replace_existing: bool = False
    #: Restore through the ORM, so that flush hooks (e.g. statistics) see the rows; other
    #: parts are written in bulk.
    orm_writes: bool = False

    @property
    def table(self) -> sa.Table:
        return self.model.__table__

    @cached_property
    def columns(self) -> list[sa.Column]:
        """The exported columns: the id first, then the others in table order."""
        skip = set(ALWAYS_OMITTED) | set(self.omit) | set(self.derived)
        if self.parent:
            skip.add(self.parent)
        columns = [c for c in self.table.columns if c.name not in skip]
        return sorted(columns, key=lambda c: not c.primary_key)

    def doc_key(self, column: sa.Column) -> str:
        codec = self.codecs.get(column.name)
        return (codec.key if codec and codec.key else None) or column.name

    @cached_property
    def references(self) -> dict[str, sa.Table]:
        """Exported columns holding the id of a row in another table."""
        refs = {}
        for column in self.columns:
            if column.name in self.codecs or column.primary_key:
                continue
            for fk in column.foreign_keys:
                refs[column.name] = fk.column.table
        return refs

    def walk(self):
        """This part and every nested part, parents first."""
        yield self
        for child in self.children:
            yield from child.walk()

    @cached_property
    def schema(self) -> type[BaseModel]:
        """The pydantic model of one exported object (validation on import, JSON Schema)."""
        fields: dict[str, Any] = {}
        for column in self.columns:
            codec = self.codecs.get(column.name)
            if codec is not None:
                fields[self.doc_key(column)] = (codec.annotation, ...)
            else:
                fields[column.name] = column_field(column)
        # The item types are built at run time, so the lists are spelled GenericAlias(list, …)
        # (the same object as list[…]), which the checker does not take for an annotation.
        for child in self.children:
            fields[child.key] = (GenericAlias(list, child.schema), Field(default_factory=list))
        for link in self.links:
            item = str if link.label else uuid.UUID
            fields[link.key] = (GenericAlias(list, item), Field(default_factory=list))
        return create_model(_model_name(self), __config__=STRICT, **fields)


def _model_name(part: Part) -> str:
    return "Export" + part.model.__name__


# --- reading types from the table ---------------------------------------------------------

MAX_JSON_DEPTH = 20


def shallow(value: Any) -> Any:
    """Refuse JSON nested deeper than anything Woodshed stores (and than recursion allows)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise PydanticCustomError("json_depth", "This value nests too deeply.")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return value


ShallowJson = Annotated[Any, AfterValidator(shallow)]


def _no_nul(value: str) -> str:
    # Other control characters are restored as they were exported (older exports may hold
    # them); a NUL cannot be stored by PostgreSQL at all, and answered 500 there.
    if "\x00" in value:
        raise PydanticCustomError("nul", "Remove the NUL character (U+0000): it cannot be stored.")
    return value


#: Text without a length limit (notes, descriptions, comments).
LongText = Annotated[str, AfterValidator(_no_nul)]


def _check_rules(table: sa.Table) -> dict[str, dict[str, Any]]:
    """Enumerations and ranges stated by the table's CHECK constraints, per column."""
    rules: dict[str, dict[str, Any]] = {}
    for constraint in table.constraints:
        if not isinstance(constraint, sa.CheckConstraint):
            continue
        text = str(constraint.sqltext).strip()
        if m := NULL_OR.match(text):
            text = m.group(2).strip()
            if text.startswith("(") and text.endswith(")"):
                text = text[1:-1].strip()
        if m := IN_LIST.match(text):
            values = [v.replace("''", "'") for v in QUOTED.findall(m.group(2))]
            rules.setdefault(m.group(1), {})["enum"] = tuple(values)
        elif m := BETWEEN.match(text):
            rules.setdefault(m.group(1), {}).update(ge=int(m.group(2)), le=int(m.group(3)))
    return rules


def column_field(column: sa.Column) -> tuple[Any, Any]:
    """The pydantic (annotation, default) of a stored column."""
    rules = _check_rules(column.table).get(column.name, {})
    kind = column.type
    annotation: Any
    if "enum" in rules:
        annotation = Literal[rules["enum"]]
    elif isinstance(kind, sa.Uuid):
        annotation = uuid.UUID
    elif isinstance(kind, UTCDateTime):
        annotation = AwareDatetime
    elif isinstance(kind, sa.DateTime):
        annotation = datetime
    elif isinstance(kind, sa.Date):
        annotation = date
    elif isinstance(kind, sa.Time):
        annotation = LocalTime
    elif isinstance(kind, sa.Boolean):
        annotation = Annotated[bool, Field(strict=True)]
    elif isinstance(kind, sa.Float):
        annotation = Annotated[float, Field(allow_inf_nan=False)]
    elif isinstance(kind, sa.Integer):
        bounds = {k: rules[k] for k in ("ge", "le") if k in rules}
        annotation = Annotated[int, Field(strict=True, **bounds)]
    elif isinstance(kind, sa.String) and kind.length:
        # Every bounded string column holds one line (titles, names, addresses, keys).
        annotation = line(kind.length)
    elif isinstance(kind, sa.Text | sa.String):
        annotation = LongText
    elif isinstance(kind, sa.JSON):
        annotation = ShallowJson
    else:  # pragma: no cover - a new column type needs a decision here
        raise TypeError(f"No export type for {column.table.name}.{column.name}: {kind!r}")
    if column.nullable and not column.primary_key:
        return annotation | None, None
    if column.primary_key or (column.default is None and column.server_default is None):
        return annotation, ...
    default = column.default.arg if isinstance(column.default, sa.ColumnDefault) else None
    if callable(default) or default is None:
        # A computed default (a timestamp, an empty list): absent means "compute it".
        return annotation, None
    return annotation, default


# --- converting values ----------------------------------------------------------------------


T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """`items` in consecutive slices of at most `size` (itertools.batched needs 3.12)."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def to_document(value: Any) -> Any:
    """A stored value as JSON: uuids, instants and dates become strings."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value
