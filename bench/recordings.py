"""Recordings: processing time per minute of audio, and the child process's peak memory.

    python -m bench.recordings                 # a 5-minute WebM/Opus take and a 5-minute MP3
    python -m bench.recordings --minutes 30

Makes the takes on the spot (a sine with a click track, through PyAV), then runs the same
child process the worker runs (`woodshed.recordings.processing`: playback copy, peaks,
onset envelope) on each, one at a time, and reads its peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

RATE = 48000


def make_take(path: Path, minutes: float, fmt: str, codec: str) -> None:
    import av

    seconds = minutes * 60
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=RATE)
        stream.layout = "mono"
        block = RATE  # one second at a time, so the bench itself stays small
        t = np.arange(block) / RATE
        for second in range(int(seconds)):
            samples = 0.2 * np.sin(2 * np.pi * 220 * t)
            samples[:240] += 0.7 * np.exp(-np.arange(240) / 40)  # a click on every second
            frame = av.AudioFrame.from_ndarray(
                samples.astype(np.float32).reshape(1, -1), format="flt", layout="mono"
            )
            frame.sample_rate = RATE
            frame.pts = second * block
            frame.time_base = Fraction(1, RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def measure(source: Path, minutes: float) -> dict:
    out = Path(tempfile.mkdtemp(prefix="bench-rec-"))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "woodshed.recordings.processing", str(source), str(out), "36000"],
        capture_output=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    if "error" in result:
        raise RuntimeError(result["error"])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb = usage.ru_maxrss
    return {
        "seconds_per_minute": seconds / minutes,
        "cpu_per_minute": (usage.ru_utime + usage.ru_stime) / minutes,
        "peak_mb": peak_kb / 1024,
        "peaks_kb": (out / "peaks.json").stat().st_size / 1024,
    }


def run(minutes: float = 5.0) -> list[dict]:
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-rec-") as tmp:
        for fmt, codec, suffix in (("webm", "libopus", "webm"), ("mp3", "libmp3lame", "mp3")):
            path = Path(tmp) / f"take.{suffix}"
            make_take(path, minutes, fmt, codec)
            # Each take in its own measuring process, so the peak memory is that take's.
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.recordings",
                    "--measure",
                    str(path),
                    "--minutes",
                    str(minutes),
                ],
                capture_output=True,
                check=True,
            )
            m = json.loads(done.stdout)
            figures.append(
                {
                    "name": f"recordings: process a {minutes:g}-minute {suffix} take, per minute",
                    "value": m["seconds_per_minute"],
                    "unit": "s",
                    # CPU seconds too: on a busy machine the wall clock says more about the
                    # machine than about the processing.
                    "cpu": m["cpu_per_minute"],
                    "target": "≤ 10 s",
                }
            )
            figures.append(
                {
                    "name": f"recordings: peak memory of the child ({suffix})",
                    "value": m["peak_mb"],
                    "unit": "MB",
                    "cpu": None,
                    "target": "≤ 2048 MB (its limit)",
                }
            )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--measure", type=Path)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.minutes)))
        return 0
    for f in run(args.minutes):
        cpu = f" (CPU {f['cpu']:.2f} s)" if f.get("cpu") is not None else ""
        print(f"{f['name']:<60} {f['value']:>8.2f} {f['unit']:<3}{cpu} target {f['target']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
