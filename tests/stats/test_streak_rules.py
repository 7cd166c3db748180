"""The streak rules work on runs of practice days; they equal a day-by-day walk."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.stats import oracle
from woodshed.stats import services

TODAY = 1000


def runs_of(days: set[int]) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day - 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(a, b) for a, b in runs]


days_st = st.sets(st.integers(TODAY - 120, TODAY + 3), max_size=100)


@settings(max_examples=400)
@given(
    done=days_st,
    off=days_st,
    start=st.integers(TODAY - 130, TODAY + 2),
    length=st.integers(0, 140),
)
def test_the_run_based_rules_equal_a_day_by_day_walk(done, off, start, length):
    end = start + length
    runs, excused = runs_of(done), services.Excused(sorted(off))
    expected = oracle.walk_streaks(done, off, start, end, TODAY)
    assert services.current_streak(runs, excused, TODAY) == expected["current"]
    assert services.longest_run(runs, excused, start, end, TODAY) == expected["longest"]
    assert services.consistency(runs, excused, TODAY) == expected["consistency"]
