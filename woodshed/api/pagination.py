"""Cursor pagination: lists answer {"items": [...], "next_cursor": str | null}.

A cursor is the sort key of the last item returned, base64-encoded; it stays valid while
rows are added or removed, unlike an offset.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Generic, TypeVar

from pydantic import Field

from woodshed.errors import DomainError
from woodshed.validation import Schema, max_length

T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class ListQuery(Schema):
    limit: int = Field(50, ge=1, le=200, description="How many items to return.")
    cursor: Annotated[str, *max_length(500)] | None = Field(
        None, description="`next_cursor` from the previous page."
    )


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list | None:
    """The sort key inside a cursor; a tampered cursor is a 422 on `cursor`."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != arity
        or any(isinstance(v, str) and "\x00" in v for v in values)  # PostgreSQL refuses NUL
    ):
        raise DomainError({"cursor": "This cursor is not valid; start again from the first page."})
    return values


def page_of(rows: list, limit: int, key) -> tuple[list, str | None]:
    """Cut a `limit + 1` query result into a page and the cursor of the next one."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
