"""Per-request measurements for `make bench` and for anyone reading response headers.

Every response carries `Server-Timing: app;dur=<ms>` (time in the application, commit
included). With WOODSHED_BENCH_METRICS=true it also carries `X-Query-Count`, the number of
SQL statements the request ran (counted with a SQLAlchemy cursor event); that is off by
default because it adds a little work to every statement.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _count_statement(*_args) -> None:
    if has_request_context() and "query_count" in g:
        g.query_count += 1


def init_app(app: Flask) -> None:
    """Register before the request-committing hook, so the timing includes the commit."""
    counting = app.config.get("BENCH_METRICS", False)
    if counting and not event.contains(Engine, "before_cursor_execute", _count_statement):
        # On the Engine class, so connections the app is handed (tests) count too; only
        # requests of an app with the setting on have a counter in `g`.
        event.listen(Engine, "before_cursor_execute", _count_statement)

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()
        if counting:
            g.query_count = 0

    @app.after_request
    def _timing_headers(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None:
            elapsed = (time.perf_counter() - started) * 1000
            response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
        if counting:
            response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        return response
