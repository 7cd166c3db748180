"""PERF-EXPORT: export 20,000 sessions and import 20,000 spreadsheet rows over HTTP.

Run on its own with `python -m bench.data` (PostgreSQL at WOODSHED_BENCH_DATABASE_URL, by
default the local server's database `test`, in a schema of its own that is dropped
afterwards; `--sqlite` for a temporary SQLite file). `make bench` can call `run()`, which
answers one dict per measurement: name, value, unit, target.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

DEFAULT_URL = "postgresql+psycopg://127.0.0.1:5432/test"
SESSIONS = 20_000


@contextmanager
def database(url: str | None, sqlite: bool = False) -> Iterator[str]:
    """A fresh, empty database URL (a new PostgreSQL schema or SQLite file), removed after."""
    if sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    base = url or os.environ.get("WOODSHED_BENCH_DATABASE_URL", DEFAULT_URL)
    schema = f"ws_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            sa.make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def make_app(url: str, folder: Path) -> Flask:
    from woodshed import create_app, migrate

    app = create_app(
        {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": url,
            "STORAGE_PATH": str(folder / "storage"),
            "API_RATE_LIMIT": "100000 per minute",
            "LOG_LEVEL": "WARNING",
        }
    )
    migrate.upgrade(app)
    return app


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app on a free local port, in a thread (a real HTTP server)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def new_musician(app: Flask, name: str) -> tuple[object, str]:
    """An account with its profile and an API token (committed)."""
    from woodshed.accounts.models import User
    from woodshed.accounts.services import issue_api_token
    from woodshed.db import db
    from woodshed.profiles.models import MusicianProfile

    with app.app_context():
        user = User(email=f"{name}@bench.example", password_hash="!")  # noqa: S106 - no sign-in
        user.profile = MusicianProfile(
            display_name=name, timezone="Europe/Berlin", rest_weekdays=[]
        )
        db.session.add(user)
        db.session.flush()
        token, _ = issue_api_token(user, "bench")
        profile_id = user.profile.id
        db.session.commit()
    return profile_id, token


def seed_sessions(app: Flask, profile_id, n: int = SESSIONS) -> None:
    """`n` sessions over ten years with items, tags, goals and evidence (bulk inserts)."""
    from woodshed.db import db, new_id
    from woodshed.journal.models import (
        Evidence,
        PracticeSession,
        SessionItem,
        Tag,
        session_tags,
    )
    from woodshed.profiles.models import Instrument
    from woodshed.repertoire.models import Piece, Section, Skill
    from woodshed.timeutil import practice_date

    rng = random.Random(1)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with app.app_context():
        instrument = {"id": new_id(), "profile_id": profile_id, "name": "Piano"}
        pieces = [
            {"id": new_id(), "profile_id": profile_id, "title": f"Piece {i}"} for i in range(40)
        ]
        sections = [
            {
                "id": new_id(),
                "profile_id": profile_id,
                "piece_id": p["id"],
                "name": "A",
                "bar_start": 1,
                "bar_end": 8,
            }
            for p in pieces
        ]
        skills = [
            {"id": new_id(), "profile_id": profile_id, "name": f"Skill {i}", "key": f"skill {i}"}
            for i in range(10)
        ]
        tags = [
            {"id": new_id(), "profile_id": profile_id, "name": f"tag{i}", "key": f"tag{i}"}
            for i in range(8)
        ]
        for model, rows in (
            (Instrument, [instrument]),
            (Piece, pieces),
            (Section, sections),
            (Skill, skills),
            (Tag, tags),
        ):
            db.session.execute(sa.insert(model), rows)
        for start in range(0, n, 2000):
            sessions, items, links, evidence = [], [], [], []
            for i in range(start, min(n, start + 2000)):
                started = now - timedelta(hours=4 * i + rng.randint(0, 3))
                sid = new_id()
                sessions.append(
                    {
                        "id": sid,
                        "profile_id": profile_id,
                        "started_at": started,
                        "practice_date": practice_date(started, "Europe/Berlin", 4),
                        "timezone": "Europe/Berlin",
                        "duration_minutes": rng.randint(10, 90),
                        "instrument_id": instrument["id"],
                        "notes": f"Session {i}: slow practice",
                        "next_time": "Start with scales",
                        "mood": rng.randint(1, 5),
                    }
                )
                piece = rng.randrange(len(pieces))
                items.append(
                    {
                        "id": new_id(),
                        "session_id": sid,
                        "position": 0,
                        "piece_id": pieces[piece]["id"],
                        "section_id": sections[piece]["id"],
                        "bar_start": 1,
                        "bar_end": 8,
                        "minutes": 10,
                        "tempo_bpm": 60,
                    }
                )
                items.append(
                    {
                        "id": new_id(),
                        "session_id": sid,
                        "position": 1,
                        "skill_id": rng.choice(skills)["id"],
                        "minutes": 5,
                    }
                )
                for tag in rng.sample(tags, 2):
                    links.append({"session_id": sid, "tag_id": tag["id"]})
                if i % 5 == 0:
                    evidence.append(
                        {
                            "id": new_id(),
                            "session_id": sid,
                            "kind": "note",
                            "text": "Recorded a take",
                            "position": 0,
                        }
                    )
            db.session.execute(sa.insert(PracticeSession), sessions)
            db.session.execute(sa.insert(SessionItem), items)
            db.session.execute(sa.insert(session_tags), links)
            if evidence:
                db.session.execute(sa.insert(Evidence), evidence)
        db.session.commit()
    # A ten-year-old account has planner statistics; a freshly seeded one needs them made.
    with app.extensions["woodshed.engine"].connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")


def spreadsheet(n: int = SESSIONS) -> bytes:
    """A practice log of `n` rows, as a musician's spreadsheet might hold it."""
    rng = random.Random(2)
    start = datetime(2015, 1, 1)
    lines = ["Date;Time;Minutes;Instrument;Piece;Section;Skill;Tags;Notes;Mood"]
    for i in range(n):
        when = start + timedelta(hours=4 * i)
        lines.append(
            f"{when:%d/%m/%Y};{when:%H:%M};{rng.choice(['45', '1:30', '1h15m', '20'])};"
            f"{rng.choice(['Piano', 'Violin'])};Piece {rng.randrange(60)};"
            f"{rng.randint(1, 20)}-{rng.randint(21, 40)};Skill {rng.randrange(12)};"
            f"tag{rng.randrange(8)}, tag{rng.randrange(8)};Row {i} notes;{rng.randint(1, 5)}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def _multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
        f"\r\nContent-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def _request(url: str, token: str, body: bytes | None = None, boundary: str | None = None):
    request = urllib.request.Request(  # noqa: S310 - our own local server
        url, data=body, method="POST" if body else "GET"
    )
    request.add_header("Authorization", f"Bearer {token}")
    if boundary:
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    return urllib.request.urlopen(request, timeout=600)  # noqa: S310 - our own local server


def measure_export(base: str, token: str, keep: bool = False) -> dict:
    """Seconds to the last byte of GET /api/v1/export, and its size (and body if `keep`)."""
    started, cpu = time.perf_counter(), time.process_time()
    size, chunks = 0, []
    with _request(f"{base}/api/v1/export", token) as response:
        while chunk := response.read(1 << 16):
            size += len(chunk)
            if keep:
                chunks.append(chunk)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu": time.process_time() - cpu,
        "bytes": size,
        "body": b"".join(chunks),
    }


def measure_export_memory(base: str, token: str) -> int:
    """Peak Python memory allocated while the export streams (tracemalloc, slower run)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        measure_export(base, token)
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def measure_import(
    base: str, token: str, content: bytes, dry_run: bool, filename: str = "log.csv"
) -> dict:
    body, boundary = _multipart({"dry_run": "true" if dry_run else "false"}, filename, content)
    started, cpu = time.perf_counter(), time.process_time()
    with _request(f"{base}/api/v1/import", token, body, boundary) as response:
        response.read()
        status = response.status
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "status": status,
    }


def run(database_url: str | None = None, sessions: int = SESSIONS, sqlite: bool = False):
    """All data measurements; one dict per figure."""
    with database(database_url, sqlite) as url, tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, Path(tmp))
        exporter, export_token = new_musician(app, "exporter")
        seed_sessions(app, exporter, sessions)
        _importer, import_token = new_musician(app, "importer")
        content = spreadsheet(sessions)
        _restorer, restore_token = new_musician(app, "restorer")
        with serve(app) as base:
            export = min(
                (measure_export(base, export_token, keep=True) for _ in range(3)),
                key=lambda e: e["seconds"],
            )
            memory = measure_export_memory(base, export_token)
            preview = measure_import(base, import_token, content, dry_run=True)
            commit = measure_import(base, import_token, content, dry_run=False)
            again = measure_import(base, import_token, content, dry_run=False)
            restored = measure_import(
                base, restore_token, export["body"], dry_run=False, filename="export.json"
            )
        app.extensions["woodshed.engine"].dispose()
        dialect = sa.make_url(url).get_backend_name()
    n = f"{sessions:,}"
    return [
        figure(f"export {n} sessions (JSON, {dialect}, best of 3)", export, "≤ 5 s"),
        {**figure("  size of that export", None), "value": export["bytes"] / 1e6, "unit": "MB"},
        {
            **figure("  peak Python memory while streaming it", None, "bounded"),
            "value": memory / 1e6,
            "unit": "MB",
        },
        figure(f"preview {n} CSV rows (dry run)", preview),
        figure(f"import {n} CSV rows (commit)", commit, "≤ 30 s"),
        figure("  the same file again (all rows skipped)", again),
        figure(f"restore the {n}-session JSON export (commit)", restored, "≤ 30 s"),
    ]


def figure(name: str, timing: dict | None, target: str = "") -> dict:
    """One line of the report: wall-clock seconds, and CPU seconds of the Woodshed process."""
    timing = timing or {"seconds": 0.0, "cpu": None}
    return {
        "name": name,
        "value": timing["seconds"],
        "unit": "s",
        "cpu": timing["cpu"],
        "target": target,
    }


def print_figures(results: list[dict]) -> None:
    width = max(len(r["name"]) for r in results)
    print(f"{'measurement':<{width}}  {'value':>9}  {'app CPU':>8}  target")
    for r in results:
        cpu = f"{r['cpu']:>6.2f} s" if r.get("cpu") is not None else " " * 8
        print(f"{r['name']:<{width}}  {r['value']:>7.2f} {r['unit']:<2}  {cpu}  {r['target']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--sqlite", action="store_true", help="use a temporary SQLite file")
    args = parser.parse_args()
    print_figures(run(args.database_url, args.sessions, args.sqlite))


if __name__ == "__main__":
    main()
