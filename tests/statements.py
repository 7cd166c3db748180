"""Counting SQL statements (PERF-QUERIES): a page must cost the same for 1 row as for many."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event


@contextmanager
def count_statements(app: Flask) -> Iterator[list[str]]:
    """Collect every statement the app's engine sends while the block runs."""
    engine = app.extensions["woodshed.engine"]
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
