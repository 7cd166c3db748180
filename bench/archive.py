"""The ZIP export (`GET /api/v1/export.zip`) of a musician with recordings: time to the
first byte, time to the last, throughput, and the server's peak resident memory.

    python -m bench.archive                      # 20 takes, about 100 MB of audio in all
    python -m bench.archive --takes 10 --mb 50 --sessions 500

In a fresh PostgreSQL schema (WOODSHED_BENCH_DATABASE_URL, by default the local server's
database `test`; dropped afterwards) it seeds one musician with practice sessions and
takes — WAV files of a sine with a click every second, made with numpy as
`bench.recordings` makes its audio, stored through `recordings.services.store_recording`
— then starts the real server (`woodshed serve`, gunicorn, one worker) on a free local
port and downloads the ZIP three times with the musician's token, reading the resident
memory (VmRSS) of the server's processes every 10 ms meanwhile. `make bench` calls `run()`
inside its bulk table.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import sys
import tempfile
import threading
import time
import urllib.request
import wave
import zipfile
from pathlib import Path

import numpy as np

from bench.data import database, new_musician, print_figures, seed_sessions
from bench.server import Server

RATE = 48000
TAKES = 20
TOTAL_MB = 100
SESSIONS = 2000
RUNS = 3


def take_wav(seconds: int, pitch: float) -> bytes:
    """A mono 16-bit WAV: a sine with a click on every second (one second made, repeated)."""
    t = np.arange(RATE) / RATE
    second = 0.2 * np.sin(2 * np.pi * pitch * t)
    second[:240] += 0.7 * np.exp(-np.arange(240) / 40)
    pcm = (np.clip(second, -1, 1) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm * seconds)
    return buffer.getvalue()


def seed(url: str, folder: Path, secret: str, takes: int, total_mb: float, sessions: int):
    """The musician (id, token) with `sessions` sessions and `takes` stored takes."""
    from woodshed import create_app, migrate
    from woodshed.db import db
    from woodshed.profiles.models import MusicianProfile
    from woodshed.recordings import services
    from woodshed.recordings.schemas import RecordingFields

    app = create_app(
        {
            "SECRET_KEY": secret,
            "DATABASE_URL": url,
            "STORAGE_PATH": str(folder / "storage"),
            "LOG_LEVEL": "WARNING",
        }
    )
    migrate.upgrade(app)
    profile_id, token = new_musician(app, "archiver")
    seed_sessions(app, profile_id, sessions)
    seconds = max(1, round(total_mb * 1e6 / takes / (2 * RATE)))
    stored = 0
    with app.app_context():
        profile = db.session.get_one(MusicianProfile, profile_id)
        for i in range(takes):
            raw = take_wav(seconds, 220 + 10 * i)
            take = services.store_recording(
                profile,
                io.BytesIO(raw),
                RecordingFields(title=f"Take {i + 1}"),
                filename=f"take-{i + 1}.wav",
            )
            stored += take.size_bytes
            db.session.commit()
    app.extensions["woodshed.engine"].dispose()
    return token, stored


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found


class PeakRss:
    """The highest VmRSS of the server's worker processes (or the master, without any)
    while it runs, sampled every 10 ms in a thread."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.peak_kb = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def now_kb(self) -> int:
        pids = _children(self.master) or [self.master]
        return max(_rss_kb(p) for p in pids)

    def _sample(self) -> None:
        while not self.stop.is_set():
            self.peak_kb = max(self.peak_kb, self.now_kb())
            self.stop.wait(0.01)

    def __enter__(self) -> PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join()


def download(base: str, token: str, keep: bool = False) -> dict:
    """GET /api/v1/export.zip: seconds to the first body byte and to the last, the size."""
    request = urllib.request.Request(f"{base}/api/v1/export.zip")  # noqa: S310 - local server
    request.add_header("Authorization", f"Bearer {token}")
    kept = io.BytesIO() if keep else None
    started = time.perf_counter()
    first = None
    size = 0
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - local server
        while chunk := response.read(1 << 16):
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
            if kept is not None:
                kept.write(chunk)
    total = time.perf_counter() - started
    return {"first": first or total, "total": total, "bytes": size, "body": kept}


def run(
    database_url: str | None = None,
    takes: int = TAKES,
    total_mb: float = TOTAL_MB,
    sessions: int = SESSIONS,
) -> list[dict]:
    """The figures, one dict each (name, value, unit, cpu, target), as `bench.data`."""
    secret = secrets.token_urlsafe(48)
    with database(database_url) as url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        token, stored = seed(url, folder, secret, takes, total_mb, sessions)
        env = os.environ | {
            "WOODSHED_DATABASE_URL": url,
            "WOODSHED_INSTANCE_PATH": str(folder),
            "WOODSHED_STORAGE_PATH": str(folder / "storage"),
            "WOODSHED_SECRET_KEY": secret,
            "WOODSHED_API_RATE_LIMIT": "1000000 per minute",
            "WOODSHED_LOG_LEVEL": "WARNING",
        }
        with Server(env, workers=1) as server:
            # One small request first: the worker imports and connects before it is timed.
            urllib.request.urlopen(server.base + "/healthz", timeout=10).read()  # noqa: S310
            assert server.process is not None
            idle_kb = PeakRss(server.process.pid).now_kb()
            with PeakRss(server.process.pid) as rss:
                runs = [download(server.base, token, keep=i == 0) for i in range(RUNS)]
        body = runs[0]["body"]
        with zipfile.ZipFile(body) as archive:
            names = archive.namelist()
        originals = [n for n in names if n.endswith("/original")]
        if len(originals) != takes:
            raise RuntimeError(f"the ZIP holds {len(originals)} originals, not {takes}")
    best = min(runs, key=lambda r: r["total"])
    mb = best["bytes"] / 1e6
    label = f"{takes} takes, {stored / 1e6:.0f} MB of audio, {sessions:,} sessions"
    return [
        _figure(f"ZIP export ({label}): first byte (best of {RUNS})", best["first"], "s"),
        _figure("  to the last byte", best["total"], "s"),
        _figure("  size of that ZIP", mb, "MB"),
        _figure("  throughput", mb / best["total"], "MB/s"),
        _figure("  server worker's peak RSS while streaming", rss.peak_kb / 1024, "MB", "bounded"),
        _figure("  the same worker's RSS before the first download", idle_kb / 1024, "MB"),
    ]


def _figure(name: str, value: float, unit: str, target: str = "") -> dict:
    return {"name": name, "value": value, "unit": unit, "cpu": None, "target": target}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takes", type=int, default=TAKES)
    parser.add_argument("--mb", type=float, default=TOTAL_MB, help="audio in all, in MB")
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print_figures(run(args.database_url, args.takes, args.mb, args.sessions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
