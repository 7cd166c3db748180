"""Draw the app icons (PNG) from the same shapes as static/img/icon.svg.

Run `python scripts/make_icons.py` after changing the icon; the PNGs are committed (the
web app manifest names them). Pure Python: a supersampled rasteriser and zlib.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "woodshed" / "static" / "img"
BROWN = (0x7A, 0x4A, 0x1E)
LINE = (0xF3, 0xE3, 0xCF)
WHITE = (0xFF, 0xFF, 0xFF)


def _in_round_rect(x: float, y: float, size: float, radius: float) -> bool:
    if not (0 <= x <= size and 0 <= y <= size):
        return False
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def _segment_distance(x, y, x1, y1, x2, y2) -> float:
    dx, dy = x2 - x1, y2 - y1
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (x1 + t * dx), y - (y1 + t * dy))


def colour_at(x: float, y: float, full_bleed: bool) -> tuple[int, int, int, int]:
    """The icon's colour at (x, y) in its 32-unit square (SVG coordinates)."""
    if full_bleed:
        # Maskable: the background fills the square, the drawing sits in the safe zone.
        x, y = (x - 16) / 0.8 + 16, (y - 16) / 0.8 + 16
    elif not _in_round_rect(x, y, 32, 7):
        return (0, 0, 0, 0)
    colour = BROWN
    if 6 <= x <= 26 and any(abs(y - line) <= 0.7 for line in (10, 14, 18, 22)):
        colour = LINE
    if ((x - 12) / 3) ** 2 + ((y - 20) / 2.2) ** 2 <= 1:
        colour = WHITE
    if abs(x - 14.8) <= 0.9 and 8 <= y <= 20:
        colour = WHITE
    if _segment_distance(x, y, 14.8, 8, 20.8, 10) <= 0.9:
        colour = WHITE
    return (*colour, 255)


def render(size: int, full_bleed: bool = False, samples: int = 3) -> bytes:
    rows = []
    scale = 32 / size
    for py in range(size):
        row = bytearray([0])  # filter: none
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(samples):
                for sx in range(samples):
                    x = (px + (sx + 0.5) / samples) * scale
                    y = (py + (sy + 0.5) / samples) * scale
                    r, g, b, a = colour_at(x, y, full_bleed)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            alpha = acc[3] / samples**2
            if acc[3]:
                row += bytes(round(c / acc[3]) for c in acc[:3])
            else:
                row += b"\0\0\0"
            row.append(round(alpha))
        rows.append(bytes(row))
    return _png(size, b"".join(rows))


def _png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    for size in (192, 512):
        (TARGET / f"icon-{size}.png").write_bytes(render(size))
    (TARGET / "icon-maskable-512.png").write_bytes(render(512, full_bleed=True))
    (TARGET / "apple-touch-icon.png").write_bytes(render(180, full_bleed=True))


if __name__ == "__main__":
    main()
