"""Processing recordings in the worker: claimed with a lease, retried with back-off.

`pending → processing → ready | failed(reason)`. A claim is one conditional UPDATE (like
the reminder deliveries'), so several workers never process the same take. The media
work runs in a child process (`woodshed.recordings.processing`) with a memory and CPU
limit and a wall-clock timeout: a zip bomb or a decoder stuck on a damaged file kills
the child, not the worker. A file the child refuses fails at once with its reason; a
crash or timeout is tried again later (1, 5, 25 minutes), then fails.
"""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask import current_app

from woodshed.db import db, utcnow
from woodshed.recordings import services, tempo
from woodshed.recordings.models import ORIGINAL, PEAKS, PLAYBACK, POSTER, Recording
from woodshed.repertoire.models import Section
from woodshed.storage import storage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=30)
MAX_ATTEMPTS = 3
MEMORY_LIMIT = 2 * 1024**3
#: Wall-clock seconds the child may take per minute of the limit on a take's length.
TIMEOUT_FLOOR = 120


def claim(name: str, now, batch: int = 5) -> list[uuid.UUID]:
    """Claim due recordings (`pending`, or `processing` whose lease ran out)."""
    table = Recording.__table__
    due = sa.or_(
        sa.and_(
            table.c.status == "pending",
            sa.or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        ),
        sa.and_(table.c.status == "processing", table.c.lease_until < now),
    )
    candidates = sa.select(table.c.id).where(due).order_by(table.c.created_at, table.c.id)
    candidates = candidates.limit(batch)
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = db.session.scalars(candidates).all()
    if not ids:
        db.session.commit()
        return []
    won = db.session.scalars(
        sa.update(table)
        .where(table.c.id.in_(ids), due)
        .values(
            status="processing",
            claimed_by=name,
            lease_until=now + LEASE,
            attempts=table.c.attempts + 1,
            version=table.c.version + 1,
        )
        .returning(table.c.id)
    ).all()
    db.session.commit()
    return list(won)


def _limits() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_child(source: Path, out_dir: Path, max_seconds: float) -> dict:
    """Run the processing program on one file; its JSON answer (or an `error`)."""
    timeout = max(TIMEOUT_FLOOR, max_seconds)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "woodshed.recordings.processing",
            str(source),
            str(out_dir),
            str(max_seconds),
        ],
        capture_output=True,
        timeout=timeout,
        preexec_fn=_limits,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"processing exited with {done.returncode}: {done.stderr[-500:]!r}")
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def _prior(recording: Recording) -> float | None:
    """The metronome's tempo, else the passage's target tempo: settles half/double errors."""
    if recording.metronome_bpm:
        return recording.metronome_bpm
    if recording.section_id is not None:
        section = db.session.get(Section, recording.section_id)
        if section is not None and section.target_tempo_bpm:
            return float(section.target_tempo_bpm)
    return None


def process_one(recording_id: uuid.UUID, name: str) -> str:
    """Process one claimed recording; answers its new status."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.claimed_by != name or recording.status != "processing":
        return "skipped"
    files = storage()
    profile_id = recording.profile_id
    max_seconds = float(current_app.config["RECORDING_MAX_SECONDS"])
    with tempfile.TemporaryDirectory(prefix="woodshed-rec-") as tmp:
        work = Path(tmp)
        source = work / "original"
        try:
            with (
                files.open(profile_id, recording.file(ORIGINAL)) as stream,
                source.open("wb") as out,
            ):
                for chunk in iter(lambda: stream.read(1024 * 1024), b""):
                    out.write(chunk)
        except FileNotFoundError:
            return _fail(recording, "The original file is missing from storage.")
        try:
            result = run_child(source, work, max_seconds)
        except (subprocess.TimeoutExpired, RuntimeError, ValueError) as exc:
            log.warning("processing recording %s failed: %s", recording.id, exc)
            return _retry_later(recording, "Processing took too long or crashed.")
        if "error" in result:
            return _fail(recording, result["error"])
        files.save(profile_id, recording.file(PLAYBACK), (work / "playback.mp4").open("rb"))
        files.save(profile_id, recording.file(PEAKS), (work / "peaks.json").open("rb"))
        if result["has_poster"]:
            files.save(profile_id, recording.file(POSTER), (work / "poster.jpg").open("rb"))
        flux = np.load(work / "onsets.npy")
        estimate = tempo.estimate(flux, result["envelope_rate"], _prior(recording))
    recording.kind = result["kind"]
    recording.mime_type = result["mime_type"]
    recording.duration_seconds = result["duration_seconds"]
    recording.has_poster = result["has_poster"]
    recording.tempo = estimate
    recording.status = "ready"
    recording.failure_reason = None
    recording.processed_at = utcnow()
    recording.lease_until = None
    db.session.commit()
    return "ready"


def _fail(recording: Recording, reason: str) -> str:
    recording.status = "failed"
    recording.failure_reason = reason[:300]
    recording.lease_until = None
    recording.processed_at = utcnow()
    db.session.commit()
    return "failed"


def _retry_later(recording: Recording, reason: str) -> str:
    if recording.attempts >= MAX_ATTEMPTS:
        return _fail(recording, reason)
    recording.status = "pending"
    recording.lease_until = None
    recording.next_attempt_at = utcnow() + timedelta(minutes=5 ** (recording.attempts - 1))
    db.session.commit()
    return "retry"


def run_once(name: str, max_batches: int = 20) -> dict[str, int]:
    """Process what is due now; counts by outcome."""
    counts: dict[str, int] = {}
    expired = services.expire_uploads(utcnow())
    if expired:
        counts["uploads_expired"] = expired
    retired = services.apply_retention(utcnow())
    if retired:
        counts["retention_deleted"] = retired
    db.session.commit()
    for _ in range(max_batches):
        ids = claim(name, utcnow())
        if not ids:
            break
        for recording_id in ids:
            outcome = process_one(recording_id, name)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
