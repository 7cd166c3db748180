"""What `make bench` measures. Each scenario is a function (bench, musician) → samples.

To add one, write a function and append a `Scenario` to `SCENARIOS`; `bench.get(...)`
measures a page or API call on the running server, and any scenario may instead time
something else (an export, a worker run) and return its own `Sample`s.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.seed import Musician
from bench.server import Client, Sample


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[object, Musician], list[Sample]]


def page(path: str) -> Callable:
    def run(bench, musician: Musician) -> list[Sample]:
        return bench.repeat(musician, path, api=False)

    return run


def api(path: str) -> Callable:
    def run(bench, musician: Musician) -> list[Sample]:
        return bench.repeat(musician, path, api=True)

    return run


def session_lookup(bench, musician: Musician) -> list[Sample]:
    """The yardstick of PERF-SEARCH: reading one session by its id."""
    _sample, body = bench.clients[musician.name].send("GET", "/api/v1/sessions?limit=1")
    session_id = json.loads(body)["items"][0]["id"]
    return bench.repeat(musician, f"/api/v1/sessions/{session_id}", api=True)


WRITERS = 20


def log_sessions(bench, musician: Musician) -> list[Sample]:
    """PERF-WRITE: WRITERS clients log sessions at once (items, a tempo, tags, ratings),
    each write keeping the daily, monthly and lifetime rollups in its transaction."""
    reader = bench.clients[musician.name]
    _sample, body = reader.send("GET", "/api/v1/pieces?limit=50", api=True)
    pieces = [p["id"] for p in json.loads(body)["items"]]
    rnd = random.Random(musician.sessions)

    def payload() -> dict:
        started = datetime.now(UTC) - timedelta(minutes=rnd.randint(60, 600))
        return {
            "started_at": started.isoformat(),
            "duration_minutes": rnd.randint(10, 90),
            "items": [{"piece_id": rnd.choice(pieces), "tempo_bpm": rnd.randint(60, 120)}],
            "tags": ["scales"],
            "quality": rnd.randint(1, 5),
        }

    def writer(count: int) -> list[Sample]:
        client = Client(bench.server.base)
        client.token = reader.token
        return [client.send("POST", "/api/v1/sessions", payload())[0] for _ in range(count)]

    per_writer = max(2, bench.requests // 10)
    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, [1] * WRITERS))  # warm-up
        results = list(pool.map(writer, [per_writer] * WRITERS))
    samples = [s for batch in results for s in batch]
    bad = [s.status for s in samples if s.status != 201]
    if bad:
        raise RuntimeError(f"logging a session answered {bad[0]} for {musician.name}")
    return samples


SCENARIOS: list[Scenario] = [
    Scenario("dashboard  GET /", page("/")),
    Scenario("stats page GET /stats", page("/stats")),
    Scenario("badges     GET /stats/badges", page("/stats/badges")),
    Scenario("api stats/summary", api("/api/v1/stats/summary")),
    Scenario("api stats/heatmap", api("/api/v1/stats/heatmap")),
    Scenario("api stats/timeseries?bucket=week", api("/api/v1/stats/timeseries?bucket=week")),
    Scenario("api stats/breakdown?by=piece", api("/api/v1/stats/breakdown?by=piece")),
    Scenario("api stats/streaks", api("/api/v1/stats/streaks")),
    Scenario("api stats/progress?kind=section", api("/api/v1/stats/progress?kind=section")),
    Scenario("api badges", api("/api/v1/badges")),
    # PERF-SEARCH: search within 2× of reading one object (see COMPARISONS).
    Scenario("api GET sessions/{id}", session_lookup),
    Scenario("search page GET /search?q=debussy", page("/search?q=debussy")),
    Scenario("api search?q=debussy", api("/api/v1/search?q=debussy")),
    Scenario("api search?q=arpeggios+left", api("/api/v1/search?q=arpeggios+left")),
    Scenario("api search?q=slow&kind=session", api("/api/v1/search?q=slow&kind=session")),
    # Last: it adds sessions to the journals the scenarios above read.
    Scenario(f"api POST sessions, {WRITERS} at once", log_sessions),
]


#: Targets that compare two scenarios (p50 of the first ≤ factor × p50 of the second), at
#: every size; `make bench` prints each ratio after the table.
COMPARISONS: list[tuple[str, str, float, str]] = [
    (name, "api GET sessions/{id}", 2.0, "PERF-SEARCH")
    for name in (
        "search page GET /search?q=debussy",
        "api search?q=debussy",
        "api search?q=arpeggios+left",
        "api search?q=slow&kind=session",
    )
]
