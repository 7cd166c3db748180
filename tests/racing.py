"""Racing threads: start several calls at the same instant and collect what each returned."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def race(count: int, call: Callable[[int], T]) -> list[T]:
    """Call `call(i)` from `count` threads released together; every result, in order.

    An exception in any thread fails the caller, with all of them listed.
    """
    start = threading.Barrier(count)
    results: list = [None] * count
    failures: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = call(i)
        except BaseException as exc:  # reported below, with the others
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    return results
