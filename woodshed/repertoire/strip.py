"""The bar-range strip: sections laid out along the bars of a piece, overlaps in lanes.

Ranges are placed greedily by first bar (longest first on a tie) into the lowest lane
whose last range ended before this one starts. So a range that contains another is drawn
above it (bars 1–8 over 1–4), and the number of lanes is the largest number of ranges
that share a single bar — no layout can use fewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

LANE_HEIGHT = 30
LANE_GAP = 6
AXIS_HEIGHT = 22


def assign_lanes(ranges: Sequence[tuple[int, int]]) -> list[int]:
    """The lane (0 = top) of each inclusive bar range, in input order."""
    order = sorted(range(len(ranges)), key=lambda i: (ranges[i][0], -ranges[i][1], i))
    lane_ends: list[int] = []  # last bar used in each lane
    lanes = [0] * len(ranges)
    for i in order:
        start, end = ranges[i]
        for lane, last in enumerate(lane_ends):
            if last < start:
                lane_ends[lane] = end
                lanes[i] = lane
                break
        else:
            lane_ends.append(end)
            lanes[i] = len(lane_ends) - 1
    return lanes


def _step(bars: int) -> int:
    for step in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024):
        if bars / step <= 10:
            return step
    return 2048


@dataclass(frozen=True)
class Segment:
    item: Any
    lane: int
    x: float  # percent of the width
    width: float
    y: int


@dataclass(frozen=True)
class Strip:
    segments: list[Segment]
    lanes: int
    bars: int
    ticks: list[tuple[int, float]]
    height: int
    axis_y: int


def layout(sections: Sequence[Any]) -> Strip | None:
    """Where each section (anything with bar_start/bar_end) goes in the strip."""
    if not sections:
        return None
    bars = max(s.bar_end for s in sections)
    lanes = assign_lanes([(s.bar_start, s.bar_end) for s in sections])
    segments = [
        Segment(
            item=s,
            lane=lane,
            x=round((s.bar_start - 1) / bars * 100, 3),
            width=round((s.bar_end - s.bar_start + 1) / bars * 100, 3),
            y=lane * (LANE_HEIGHT + LANE_GAP),
        )
        for s, lane in zip(sections, lanes, strict=True)
    ]
    step = _step(bars)
    ticks = [(bar, round((bar - 1) / bars * 100, 3)) for bar in range(1, bars + 1, step)]
    n_lanes = max(lanes) + 1
    axis_y = n_lanes * (LANE_HEIGHT + LANE_GAP)
    return Strip(
        segments=sorted(segments, key=lambda seg: (seg.lane, seg.x)),
        lanes=n_lanes,
        bars=bars,
        ticks=ticks,
        height=axis_y + AXIS_HEIGHT,
        axis_y=axis_y,
    )
