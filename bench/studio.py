"""The studio dashboard with many students: p50 within 2× of one student's own dashboard,
and the statements it runs independent of the number of students.

    python -m bench.studio                      # the local PostgreSQL database `test`
    BENCH_STUDENTS=40 BENCH_SESSIONS=365 python -m bench.studio

Seeds a teacher and BENCH_STUDENTS students with BENCH_SESSIONS sessions each (a year of
daily practice by default), links them, and measures `GET /studio` for the teacher with
1 and with all students against `GET /` (the dashboard) of one student, on `woodshed
serve`, in a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time

import sqlalchemy as sa
from flask import Flask

from bench.seed import create_musician
from bench.server import Client, Server

DEFAULT_URL = "postgresql+psycopg://127.0.0.1:5432/test"
WARMUP = 5


def _seed(env: dict, url: str, students: int, sessions: int) -> dict:
    from woodshed import create_app, migrate
    from woodshed.db import db, make_engine, utcnow
    from woodshed.teaching.models import SCOPES, Link

    migrator = Flask("bench-migrate")
    migrator.extensions["woodshed.engine"] = make_engine(url)
    migrate.upgrade(migrator)
    migrator.extensions["woodshed.engine"].dispose()
    os.environ.update({k: env[k] for k in ("WOODSHED_INSTANCE_PATH", "WOODSHED_SECRET_KEY")})
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        started = time.perf_counter()
        few, many = create_musician("teacherfew", 10), create_musician("teachermany", 10)
        pupils = [create_musician(f"s{n}", sessions, seed=n) for n in range(students)]
        now = utcnow()
        for teacher, taught in ((few, pupils[:1]), (many, pupils)):
            from woodshed.accounts.models import User

            user = db.session.scalar(sa.select(User).where(User.email == teacher.email))
            user.is_teacher = True
            for pupil in taught:
                db.session.add(
                    Link(
                        kind="teacher",
                        user_id=user.id,
                        profile_id=pupil.profile_id,
                        scopes=list(SCOPES),
                        accepted_by=user.id,
                        accepted_at=now,
                    )
                )
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        print(
            f"seeded {students} students × {sessions} sessions in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    app.extensions["woodshed.engine"].dispose()
    return {"few": few, "many": many, "student": pupils[0]}


def _measure(base: str, musician, path: str, requests: int) -> dict:
    client = Client(base)
    client.sign_in(musician.email, musician.password)
    for _ in range(WARMUP):
        client.get(path)
    samples = [client.get(path) for _ in range(requests)]
    bad = [s.status for s in samples if s.status != 200]
    if bad:
        raise RuntimeError(f"{path} answered {bad[0]} for {musician.name}")
    return {
        "p50_ms": round(statistics.median(s.server_ms for s in samples), 1),
        "statements": max((s.statements or 0) for s in samples),
    }


def run(base_url: str, students: int, sessions: int, requests: int) -> list[dict]:
    schema = f"ws_bench_studio_{secrets.token_hex(3)}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = (
        sa.make_url(base_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    env = os.environ | {
        "WOODSHED_DATABASE_URL": url,
        "WOODSHED_INSTANCE_PATH": tempfile.mkdtemp(prefix="woodshed-bench-studio-"),
        "WOODSHED_SECRET_KEY": secrets.token_urlsafe(48),
        "WOODSHED_BENCH_METRICS": "true",
        "WOODSHED_LOG_LEVEL": "WARNING",
    }
    try:
        people = _seed(env, url, students, sessions)
        with Server(env) as server:
            rows = [
                ("GET / (one student's dashboard)", people["student"], "/"),
                ("GET /studio, 1 student", people["few"], "/studio"),
                (f"GET /studio, {students} students", people["many"], "/studio"),
                (f"GET /studio/compare, {students} students", people["many"], "/studio/compare"),
            ]
            results = [
                {"scenario": name} | _measure(server.base, who, path, requests)
                for name, who, path in rows
            ]
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
    return results


def main() -> int:
    students = int(os.environ.get("BENCH_STUDENTS", "40"))
    sessions = int(os.environ.get("BENCH_SESSIONS", "365"))
    requests = int(os.environ.get("BENCH_REQUESTS", "40"))
    results = run(os.environ.get("WOODSHED_BENCH_DATABASE_URL", DEFAULT_URL), students, sessions,
                  requests)  # fmt: skip
    print(f"{'scenario':<42} {'p50 ms':>8} {'statements':>10}")
    for r in results:
        print(f"{r['scenario']:<42} {r['p50_ms']:>8} {r['statements']:>10}")
    own, many = results[0]["p50_ms"], results[2]["p50_ms"]
    ratio = many / own if own else float("inf")
    same = results[1]["statements"] == results[2]["statements"]
    print(f"studio/{students} ÷ own dashboard: {ratio:.2f} (target ≤ 2.0)")
    print(f"statements independent of the number of students: {'yes' if same else 'NO'}")
    return 0 if ratio <= 2.0 and same else 1


if __name__ == "__main__":
    sys.exit(main())
