"""Run the benchmark: `python -m bench` (or `make bench`).

Environment: WOODSHED_BENCH_DATABASE_URL (default: the local PostgreSQL database `test`),
BENCH_SIZES (sessions per musician, default 1000,20000,100000), BENCH_REQUESTS (measured
requests per scenario and musician, default 40). After the page and API latencies it
measures the bulk jobs: export and imports of 20,000 sessions (bench.data) and 10,000
due reminders through the worker (bench.worker), recordings processed per minute of audio
(bench.recordings) and the ZIP export of 20 takes, ~100 MB (bench.archive); BENCH_BULK=0
skips them. With the page weights: the offline app shell's
size and the dashboard's first render offline (bench.offline). A dedicated
schema is created and dropped (kept with BENCH_KEEP=1, for profiling); results are also
written to bench-results/latest.json.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bench import data, offline, pageweight
from bench.scenarios import COMPARISONS, SCENARIOS
from bench.seed import Musician, create_musician
from bench.server import Client, Sample, Server

DEFAULT_URL = "postgresql+psycopg://127.0.0.1:5432/test"
WARMUP = 5


class Bench:
    def __init__(self, server: Server, musicians: list[Musician], requests: int) -> None:
        self.server = server
        self.requests = requests
        self.clients: dict[str, Client] = {}
        for m in musicians:
            client = Client(server.base)
            client.sign_in(m.email, m.password)
            client.token = m.token
            self.clients[m.name] = client

    def get(self, musician: Musician, path: str, api: bool = False) -> Sample:
        return self.clients[musician.name].get(path, api=api)

    def repeat(self, musician: Musician, path: str, api: bool = False) -> list[Sample]:
        for _ in range(WARMUP):
            self.get(musician, path, api)
        samples = [self.get(musician, path, api) for _ in range(self.requests)]
        bad = [s.status for s in samples if s.status != 200]
        if bad:
            raise RuntimeError(f"{path} answered {bad[0]} for {musician.name}")
        return samples


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def main() -> int:
    base_url = os.environ.get("WOODSHED_BENCH_DATABASE_URL", DEFAULT_URL)
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,20000,100000").split(",")]
    requests = int(os.environ.get("BENCH_REQUESTS", "40"))
    schema = f"ws_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError as exc:
        print(
            f"PostgreSQL is not reachable at {base_url}: {exc.__class__.__name__}", file=sys.stderr
        )
        return 1
    url = (
        sa.make_url(base_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    instance = tempfile.mkdtemp(prefix="woodshed-bench-")
    env = os.environ | {
        "WOODSHED_DATABASE_URL": url,
        "WOODSHED_INSTANCE_PATH": instance,
        "WOODSHED_SECRET_KEY": secrets.token_urlsafe(48),
        "WOODSHED_BENCH_METRICS": "true",
        "WOODSHED_API_RATE_LIMIT": "1000000 per minute",
        "WOODSHED_LOG_LEVEL": "WARNING",
    }
    try:
        musicians = seed(env, url, sizes)
        with Server(env) as server:
            bench = Bench(server, musicians, requests)
            results = measure(bench, musicians)
            weights = pageweight.run(server.base, musicians[0].email, musicians[0].password)
            weights += offline.run(server.base, musicians[0].email, musicians[0].password)
        report(results, musicians)
        if weights:
            print()
            data.print_figures(weights)
        bulk = measure_bulk(base_url) if os.environ.get("BENCH_BULK", "1") != "0" else []
        Path("bench-results").mkdir(exist_ok=True)
        Path("bench-results/latest.json").write_text(
            json.dumps({"latency": results, "page_weight": weights, "bulk": bulk}, indent=2)
        )
    finally:
        if os.environ.get("BENCH_KEEP") == "1":
            print(f"kept the schema {schema} (BENCH_KEEP=1); drop it when done")
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
    return 0


def seed(env: dict, url: str, sizes: list[int]) -> list[Musician]:
    from woodshed import create_app, migrate
    from woodshed.db import db, make_engine

    migrator = Flask("bench-migrate")
    migrator.extensions["woodshed.engine"] = make_engine(url)
    migrate.upgrade(migrator)
    migrator.extensions["woodshed.engine"].dispose()
    os.environ.update({k: env[k] for k in ("WOODSHED_INSTANCE_PATH", "WOODSHED_SECRET_KEY")})
    app = create_app({"DATABASE_URL": url})
    musicians = []
    with app.app_context():
        for size in sizes:
            started = time.perf_counter()
            musicians.append(create_musician(f"m{size}", size))
            print(
                f"seeded {size:>7} sessions in {time.perf_counter() - started:5.1f} s", flush=True
            )
        # What autovacuum would do a minute later: plans are chosen with real row counts.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    app.extensions["woodshed.engine"].dispose()
    return musicians


def measure(bench: Bench, musicians: list[Musician]) -> list[dict]:
    results = []
    for scenario in SCENARIOS:
        for m in musicians:
            samples = scenario.run(bench, m)
            times = [s.server_ms for s in samples]
            counts = {s.statements for s in samples}
            results.append(
                {
                    "scenario": scenario.name,
                    "sessions": m.sessions,
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(percentile(times, 0.95), 1),
                    "statements": max(c for c in counts if c is not None)
                    if counts != {None}
                    else None,
                }
            )
    return results


def measure_bulk(base_url: str) -> list[dict]:
    """The bulk jobs of PERF-EXPORT and PERF-WORKER, printed as a second table."""
    from bench import worker

    figures = data.run(base_url)
    w = worker.run(base_url, reminders=10_000, workers=2)
    figures.append(
        {
            "name": f"worker: {w['reminders']:,} due reminders, {w['workers']} workers "
            f"({w['delivered']:,} delivered)",
            "value": w["seconds"],
            "unit": "s",
            "cpu": None,
            "target": f"≤ {worker.TARGET_SECONDS:.0f} s",
        }
    )
    from bench import archive, recordings

    figures.extend(recordings.run())
    figures.extend(archive.run(base_url))
    print()
    data.print_figures(figures)
    return figures


def report(results: list[dict], musicians: list[Musician]) -> None:
    sizes = [m.sessions for m in musicians]
    head = f"{'scenario':<36}" + "".join(f"{f'{s:,} p50/p95 ms':>22}" for s in sizes)
    head += f"{'stmts':>8}{'ratio':>8}"
    print()
    print(head)
    print("-" * len(head))
    by = {(r["scenario"], r["sessions"]): r for r in results}
    for name in dict.fromkeys(r["scenario"] for r in results):
        line = f"{name:<36}"
        for s in sizes:
            r = by[(name, s)]
            line += f"{r['p50_ms']:>12.1f} / {r['p95_ms']:<7.1f}"
        counts = sorted({by[(name, s)]["statements"] for s in sizes} - {None})
        line += f"{'/'.join(map(str, counts)):>8}"
        ratio = by[(name, sizes[-1])]["p50_ms"] / by[(name, sizes[0])]["p50_ms"]
        line += f"{ratio:>8.2f}"
        print(line)
    print(
        f"\nserver time = Server-Timing app;dur (p50/p95 of the measured requests); stmts = SQL "
        f"statements per request; ratio = p50 at {sizes[-1]:,} / p50 at {sizes[0]:,} sessions."
    )
    if COMPARISONS:
        print()
        for name, base, factor, quality_id in COMPARISONS:
            ratios = "  ".join(
                f"{s:,}: {by[(name, s)]['p50_ms'] / by[(base, s)]['p50_ms']:.2f}" for s in sizes
            )
            print(f"{quality_id} {name} / {base} (target ≤ {factor:g}): {ratios}")


if __name__ == "__main__":
    sys.exit(main())
