"""Processing in the worker: playback copies in time with the original, peaks, failures."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from tests.recordings import media
from tests.recordings.media import make_recording
from woodshed.db import db
from woodshed.recordings import processing, worker
from woodshed.recordings.models import PEAKS, PLAYBACK, POSTER, Recording
from woodshed.storage import storage


def _process(recording: Recording, name: str = "test-worker") -> Recording:
    counts = worker.run_once(name)
    db.session.refresh(recording)
    assert recording.status in ("ready", "failed"), counts
    return recording


def _read(profile, name: str) -> bytes:
    with storage().open(profile, name) as stream:
        return stream.read()


@pytest.mark.parametrize(
    ("fmt", "codec"),
    [("wav", None), ("mp3", "libmp3lame"), ("webm", "libopus"), ("flac", "flac"), ("ipod", "aac")],
)
def test_the_playback_copy_keeps_time_with_the_original(alice, fmt, codec):
    samples = media.clicks([10.0], 12.0) + media.sine(12.0, 220, level=0.01)
    raw = media.wav_bytes(samples) if codec is None else media.encode(samples, fmt, codec)
    recording = _process(make_recording(alice.profile, raw))
    assert recording.status == "ready", recording.failure_reason
    assert recording.kind == "audio"
    assert abs(recording.duration_seconds - 12.0) <= 0.1
    copy = _read(alice.profile, recording.file(PLAYBACK))
    assert copy[4:8] == b"ftyp"
    assert copy.index(b"moov") < copy.index(b"mdat"), "the index must come first (faststart)"
    decoded = media.decode_mono(copy)
    assert abs(len(decoded) / media.RATE - 12.0) <= 0.1
    assert media.first_onset(decoded, 5.0) == pytest.approx(10.0, abs=0.005)
    peaks = json.loads(_read(alice.profile, recording.file(PEAKS)))
    assert peaks["length"] * 2 == len(peaks["data"])
    assert max(peaks["data"]) > 50  # the click is in the waveform


def test_a_video_gets_an_h264_copy_of_at_most_720_lines_and_a_poster(alice):
    import av

    recording = _process(make_recording(alice.profile, media.video_bytes(1.5, (1280, 960))))
    assert recording.status == "ready", recording.failure_reason
    assert recording.kind == "video"
    assert recording.has_poster
    with av.open(io.BytesIO(_read(alice.profile, recording.file(PLAYBACK)))) as copy:
        video = copy.streams.video[0]
        assert video.codec_context.name == "h264"
        assert (video.width, video.height) == (960, 720)
    assert _read(alice.profile, recording.file(POSTER))[:2] == b"\xff\xd8"


def test_bytes_that_are_not_audio_fail_whatever_their_name(alice):
    recording = _process(make_recording(alice.profile, b"%PDF-1.7 not a song at all" * 50))
    assert recording.status == "failed"
    assert "not audio or video" in recording.failure_reason


def test_a_truncated_file_fails_with_a_reason_and_is_never_stuck(alice):
    raw = media.encode(media.sine(5.0), "ipod", "aac")
    recording = _process(make_recording(alice.profile, raw[: len(raw) // 3]))
    assert recording.status == "failed"
    assert recording.failure_reason


def test_a_take_longer_than_the_limit_fails(app, alice):
    silent = media.encode(np.zeros(media.RATE * 90, dtype=np.float32), "flac", "flac")
    app.config["RECORDING_MAX_SECONDS"] = 60
    try:
        recording = _process(make_recording(alice.profile, silent))
    finally:
        app.config["RECORDING_MAX_SECONDS"] = 180 * 60
    assert recording.status == "failed"
    assert "longer than 1 minutes" in recording.failure_reason


def test_a_crash_is_tried_again_later_then_fails(alice, monkeypatch, frozen_clock):
    from datetime import UTC, datetime, timedelta

    def crash(*_args):
        raise RuntimeError("segfault")

    monkeypatch.setattr(worker, "run_child", crash)
    now = frozen_clock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    recording = make_recording(alice.profile)
    worker.run_once("w1")
    db.session.refresh(recording)
    assert recording.status == "pending"
    assert recording.next_attempt_at > now
    for minutes in (2, 10):
        frozen_clock(now + timedelta(minutes=minutes))
        worker.run_once("w1")
    db.session.refresh(recording)
    assert (recording.status, recording.attempts) == ("failed", 3)


def test_a_claimed_recording_is_not_claimed_by_another_worker(alice):
    from woodshed.db import utcnow

    recording = make_recording(alice.profile)
    assert worker.claim("w1", utcnow()) == [recording.id]
    assert worker.claim("w2", utcnow()) == []


def test_peaks_of_a_60_minute_take_stay_under_a_megabyte():
    peaks = processing.Peaks(processing.ANALYSIS_RATE)
    rng = np.random.default_rng(0)
    block = rng.uniform(-1, 1, processing.ANALYSIS_RATE * 60).astype(np.float32)
    for _ in range(60):
        peaks.add(block)
    result = peaks.result(3600.0)
    assert len(json.dumps(result, separators=(",", ":"))) <= 1024 * 1024
    assert result["length"] <= processing.MAX_PEAK_PAIRS


def test_sniffing_reads_the_bytes_not_the_name():
    assert processing.sniff(media.wav_bytes(media.sine(0.1))[:64]) == ("audio", "audio/wav")
    assert processing.sniff(b"\x1a\x45\xdf\xa3" + b"\0" * 60)[1] == "video/webm"
    assert processing.sniff(b"<html><body>hello</body></html>") is None
