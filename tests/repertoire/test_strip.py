"""The bar-range strip puts overlapping sections in separate lanes, containers on top."""

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from woodshed.repertoire.strip import assign_lanes, layout

ranges = st.lists(
    st.tuples(st.integers(1, 60), st.integers(0, 20)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=25,
)


def overlap(a, b) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


@given(ranges)
def test_no_two_ranges_in_a_lane_share_a_bar(rs):
    lanes = assign_lanes(rs)
    for i, a in enumerate(rs):
        for j, b in enumerate(rs[:i]):
            if lanes[i] == lanes[j]:
                assert not overlap(a, b), (a, b)


@given(ranges)
def test_it_uses_as_few_lanes_as_the_busiest_bar_needs(rs):
    lanes = assign_lanes(rs)
    deepest = max((sum(1 for s, e in rs if s <= bar <= e) for bar in range(1, 82)), default=0)
    assert (max(lanes) + 1 if lanes else 0) == deepest


def test_a_containing_range_is_drawn_above_what_it_contains():
    assert assign_lanes([(1, 4), (1, 8), (5, 8), (9, 12)]) == [1, 0, 1, 0]


def test_positions_are_fractions_of_the_longest_bar_range():
    sections = [
        SimpleNamespace(bar_start=1, bar_end=8),
        SimpleNamespace(bar_start=1, bar_end=4),
        SimpleNamespace(bar_start=13, bar_end=16),
    ]
    strip = layout(sections)
    by_start = {(s.item.bar_start, s.item.bar_end): s for s in strip.segments}
    assert strip.bars == 16
    assert strip.lanes == 2
    assert (by_start[(1, 8)].x, by_start[(1, 8)].width, by_start[(1, 8)].lane) == (0, 50, 0)
    assert (by_start[(1, 4)].width, by_start[(1, 4)].lane) == (25, 1)
    assert by_start[(13, 16)].x == 75
    assert strip.ticks[0] == (1, 0)
    assert layout([]) is None


def test_a_piece_of_known_length_draws_its_sections_along_all_its_bars():
    sections = [SimpleNamespace(bar_start=1, bar_end=8), SimpleNamespace(bar_start=9, bar_end=16)]
    strip = layout(sections, length_bars=64)
    assert strip.bars == 64
    assert [(s.x, s.width) for s in strip.segments] == [(0, 12.5), (12.5, 12.5)]
    # A section past the length it was given still fits: the strip goes to its last bar.
    assert layout([SimpleNamespace(bar_start=60, bar_end=72)], length_bars=64).bars == 72
