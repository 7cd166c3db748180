"""What `make bench` measures. Each scenario is a function (bench, musician) → samples.

To add one, write a function and append a `Scenario` to `SCENARIOS`; `bench.get(...)`
measures a page or API call on the running server, and any scenario may instead time
something else (an export, a worker run) and return its own `Sample`s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.seed import Musician
from bench.server import Sample


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
]
