"""Keyset pagination over any sort order: the cursor holds the sort key of the last row.

Every list the API answers is paged here. `keyset_page(stmt, order, query)` adds the sort
expressions to the select, orders by them, continues after the cursor's key and cuts one
page in the database (no list is read whole to be sliced). The key is read back from the
database (not recomputed in Python), so `lower(title)` means the same on both sides of
the cursor even where SQLite and Python disagree about non-ASCII letters.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute

from woodshed.api.pagination import ListQuery, decode_cursor, page_of
from woodshed.db import db
from woodshed.errors import DomainError

#: (expression, descending) pairs; the last one must make the order total (an id).
Order = Sequence[tuple[sa.ColumnElement[Any] | QueryableAttribute[Any], bool]]

BAD_CURSOR = "This cursor is not valid; start again from the first page."


def _parse(value, type_: sa.types.TypeEngine):
    """A cursor value back in the Python type its column binds."""
    if value is None:
        raise ValueError("null in cursor")
    if isinstance(type_, sa.Uuid):
        return uuid.UUID(str(value))
    if isinstance(type_, sa.Boolean):
        if not isinstance(value, bool):
            raise ValueError("not a boolean")
        return value
    if isinstance(type_, sa.Integer):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
            raise ValueError("not a 64-bit integer")
        return value
    python_type = getattr(getattr(type_, "impl", type_), "python_type", str)
    if python_type is datetime or isinstance(getattr(type_, "impl", None), sa.DateTime):
        parsed = datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:
            raise ValueError("naive datetime")
        return parsed
    if isinstance(type_, sa.Date) or python_type is date:
        return date.fromisoformat(str(value))
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not a string the database can compare")
    return value


def after(order: Order, values: list) -> sa.ColumnElement[bool]:
    """Rows that sort after `values` in `order` (mixed directions allowed)."""
    clauses = []
    for i, (expr, desc) in enumerate(order):
        equal = [e == v for (e, _), v in zip(order[:i], values[:i], strict=True)]
        clauses.append(sa.and_(*equal, expr < values[i] if desc else expr > values[i]))
    return sa.or_(*clauses)


def ordered(order: Order) -> list[sa.ColumnElement[Any]]:
    """`order` as ORDER BY terms (for a list read whole, such as a menu's)."""
    return [expr.desc() if desc else expr.asc() for expr, desc in order]


def keyset_page(
    stmt: sa.Select, order: Order, query: ListQuery, options=()
) -> tuple[list, str | None]:
    """One page of `stmt` in `order`, and the cursor of the next page.

    The page holds the entities of a `select(Model)`, or, when `stmt` selects several
    columns, a dict per row of those columns by name.
    """
    names = [c["name"] for c in stmt.column_descriptions]
    keys = [expr.label(f"_k{i}") for i, (expr, _) in enumerate(order)]
    raw = decode_cursor(query.cursor, len(order))
    if raw is not None:
        try:
            values = [_parse(v, expr.type) for v, (expr, _) in zip(raw, order, strict=True)]
        except (ValueError, TypeError):
            raise DomainError({"cursor": BAD_CURSOR}) from None
        stmt = stmt.where(after(order, values))
    stmt = stmt.add_columns(*keys).order_by(*ordered(order))
    if options:
        stmt = stmt.options(*options)
    rows = list(db.session.execute(stmt.limit(query.limit + 1)))
    width = len(names)
    page, cursor = page_of(rows, query.limit, lambda row: list(row[width:]))
    if width == 1:
        return [row[0] for row in page], cursor
    return [dict(zip(names, row[:width], strict=True)) for row in page], cursor
