"""The bar-range strip: sections laid out along the bars of a piece, overlaps in lanes.

Ranges are placed greedily by first bar (longest first on a tie) into the lowest lane
whose last range ended before this one starts. So a range that contains another is drawn
above it (bars 1–8 over 1–4), and the number of lanes is the largest number of ranges
that share a single bar — no layout can use fewer.

A range's label is as much as fits: "Fioritura · 16–18", else "Fioritura", else its key
number, whose name the key under the strip gives (always in the link's accessible name
and tooltip). What fits is worked out for a phone (NARROW_PX wide) and a wider screen
(WIDE_PX); the page shows one or the other by a media query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from woodshed.repertoire.models import bar_range

LANE_HEIGHT = 30
LANE_GAP = 6
AXIS_HEIGHT = 22
#: The strip's width on a 360 px phone and, from 700 px screens up, at the least.
NARROW_PX, WIDE_PX = 300, 640
#: Label metrics: 12 px semi-bold text is under 7.2 px a character; 6 px padding each side.
CHAR_PX, LABEL_PADDING_PX = 7.2, 12


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
    key: int = 0  # its number in the key under the strip (in bar order)
    narrow: str = ""  # its label on a phone
    wide: str = ""  # and on a wider screen

    @property
    def bars(self) -> str:
        return bar_range(self.item.bar_start, self.item.bar_end)

    @property
    def name(self) -> str:
        return getattr(self.item, "name", None) or f"bars {self.bars}"

    @property
    def full_label(self) -> str:
        return f"{self.name} · {self.bars}"


def fitting_label(segment: Segment, strip_px: float) -> str:
    """The longest of full label, name and key number that fits the range's width."""
    room = segment.width / 100 * strip_px - LABEL_PADDING_PX
    for label in (segment.full_label, segment.name, str(segment.key)):
        if len(label) * CHAR_PX <= room:
            return label
    return ""


@dataclass(frozen=True)
class Strip:
    segments: list[Segment]
    lanes: int
    bars: int
    ticks: list[tuple[int, float]]
    height: int
    axis_y: int

    @property
    def keyed(self) -> list[Segment]:
        """The ranges in key order (by first bar)."""
        return sorted(self.segments, key=lambda seg: seg.key)

    @property
    def key_needed_narrow(self) -> bool:
        return any(seg.narrow != seg.full_label for seg in self.segments)

    @property
    def key_needed_wide(self) -> bool:
        return any(seg.wide != seg.full_label for seg in self.segments)


def layout(sections: Sequence[Any], length_bars: int | None = None) -> Strip | None:
    """Where each section (anything with bar_start/bar_end) goes in the strip: as long as
    the piece when its length in bars is known (and no section goes past it), else up to
    the last section's last bar."""
    if not sections:
        return None
    bars = max(length_bars or 0, *(s.bar_end for s in sections))
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
    by_bars = sorted(
        range(len(segments)), key=lambda i: (sections[i].bar_start, -sections[i].bar_end, i)
    )
    keys = {i: n + 1 for n, i in enumerate(by_bars)}
    segments = [_labelled(replace(seg, key=keys[i])) for i, seg in enumerate(segments)]
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


def _labelled(segment: Segment) -> Segment:
    return replace(
        segment, narrow=fitting_label(segment, NARROW_PX), wide=fitting_label(segment, WIDE_PX)
    )
