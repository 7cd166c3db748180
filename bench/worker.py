"""PERF-WORKER: 10,000 due reminders claimed and queued in at most 60 s (SMTP excluded).

    python -m bench.worker                          # temporary SQLite database
    python -m bench.worker --database-url postgresql+psycopg://127.0.0.1:5432/test
    python -m bench.worker --reminders 10000 --workers 2

Seeds musicians with daily in-app reminders that are all due at the same instant, then
runs `--workers` worker passes at once (threads, one connection each) and times how long
it takes until every reminder is scheduled, claimed and delivered in-app. In-app delivery
is the part of "queued" a worker does itself; email would add only SMTP time.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

TARGET_SECONDS = 60.0
PER_PROFILE = 50


def _database(url: str | None, tmp: Path) -> tuple[str, callable]:
    if url is None:
        return f"sqlite:///{tmp / 'bench-worker.db'}", lambda: None
    if url.startswith("postgresql"):
        schema = f"bench_worker_{secrets.token_hex(4)}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')

        def drop() -> None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()

        scoped = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        return scoped.render_as_string(hide_password=False), drop
    return url, lambda: None


def _seed(app, reminders: int, created: datetime) -> None:
    from woodshed.accounts.models import User
    from woodshed.db import db, new_id
    from woodshed.notify.models import Reminder
    from woodshed.profiles.models import MusicianProfile

    with app.app_context():
        profiles = []
        for p in range((reminders + PER_PROFILE - 1) // PER_PROFILE):
            user = User(email=f"bench{p}@example.org", password_hash="!unusable")  # noqa: S106
            user.profile = MusicianProfile(
                display_name=f"Bench {p}", timezone="UTC", rest_weekdays=[]
            )
            db.session.add(user)
            profiles.append(user.profile)
        db.session.flush()
        rows = [
            {
                "id": new_id(),
                "profile_id": profiles[i // PER_PROFILE].id,
                "kind": "daily",
                "time_of_day": datetime(2000, 1, 1, 18, 0).time(),
                "days": [],
                "channels": ["in_app"],
                "message": f"bench {i}",
                "active": True,
                "scheduled_until": created,
                "next_due_at": created,
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
            for i in range(reminders)
        ]
        db.session.execute(sa.insert(Reminder.__table__), rows)
        db.session.commit()


def run(database_url: str | None, reminders: int, workers: int) -> dict:
    from flask import Flask

    from woodshed import create_app, migrate
    from woodshed.db import Clock, db, make_engine
    from woodshed.notify import worker
    from woodshed.notify.models import Delivery

    with tempfile.TemporaryDirectory(prefix="woodshed-bench-") as tmp:
        url, drop = _database(database_url, Path(tmp))
        try:
            setup = Flask("migrate")
            setup.extensions["woodshed.engine"] = make_engine(url)
            migrate.upgrade(setup)
            setup.extensions["woodshed.engine"].dispose()
            app = create_app(
                {
                    "DATABASE_URL": url,
                    "SECRET_KEY": secrets.token_urlsafe(40),
                    "SMTP_URL": None,
                    "LOG_LEVEL": "WARNING",
                }
            )
            created = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
            Clock.frozen = created
            _seed(app, reminders, created)
            Clock.frozen = created + timedelta(hours=6, minutes=1)  # 18:01: all due

            totals: Counter = Counter()
            lock = threading.Lock()

            def one(n: int) -> None:
                with app.app_context():
                    counts = worker.run_once(f"bench-{n}")
                with lock:
                    totals.update(counts)

            started = time.perf_counter()
            threads = [threading.Thread(target=one, args=(n,)) for n in range(workers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
            with app.app_context():
                sent = db.session.scalar(
                    sa.select(sa.func.count()).where(Delivery.status == "sent")
                )
            app.extensions["woodshed.engine"].dispose()
            Clock.frozen = None
        finally:
            drop()
    return {
        "database": url.split(":", 1)[0].split("+")[0],
        "reminders": reminders,
        "workers": workers,
        "delivered": sent,
        "seconds": round(elapsed, 2),
        "per_second": round(sent / elapsed) if elapsed else 0,
        "ok": sent == reminders and elapsed <= TARGET_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    result = run(args.database_url, args.reminders, args.workers)
    print(
        f"{'PERF-WORKER':<12} {'db':<11} {'due':>7} {'workers':>7} {'delivered':>9} "
        f"{'seconds':>8} {'per s':>7}  target ≤ {TARGET_SECONDS:.0f} s"
    )
    print(
        f"{'':<12} {result['database']:<11} {result['reminders']:>7} {result['workers']:>7} "
        f"{result['delivered']:>9} {result['seconds']:>8} {result['per_second']:>7}  "
        f"{'ok' if result['ok'] else 'FAILED'}"
    )
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
