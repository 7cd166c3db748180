"""Making a take playable: runs in a child process with limits (`python -m` this module).

Reads the original, never trusting its name: the first bytes are sniffed, then FFmpeg
(PyAV's wheels) decodes it once, streaming, and in that one pass

- encodes the playback copy: AAC in MP4 with the index first (`+faststart`) for audio,
  H.264 (≤ 720 lines) + AAC MP4 for video, so it plays and seeks on every browser;
- measures the duration by counting decoded samples (Chrome's WebM has none in its header);
- keeps min/max peaks (int8) for the waveform and an onset envelope for the tempo;
- saves a poster frame for video.

The output timeline starts where the original's first sample is: AAC's encoder priming
is covered by the MP4 edit list FFmpeg writes, so a click at 10.000 s in the original
is at 10.000 s in the copy. Anything wrong with the input ends in a one-line reason on
stdout (`{"error": …}`); the parent process turns it into `failed(reason)`.
"""

from __future__ import annotations

import json
import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

ANALYSIS_RATE = 11025
HOP = 128  # onset envelope: one value per 11.6 ms
PEAKS_PER_SECOND = 100
MAX_PEAK_PAIRS = 60_000  # 60 minutes of peaks stay well under 1 MB of JSON
MAX_VIDEO_LINES = 720


class Unusable(Exception):
    """The file is not something we can make playable; the message is shown to the musician."""


def sniff(head: bytes) -> tuple[str, str] | None:
    """(kind hint, MIME type) from the first bytes, or None when it is no audio or video."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio", "audio/mp4"
        if brand == b"qt  ":
            return "video", "video/quicktime"
        return "video", "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video", "video/webm"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio", "audio/wav"
    if head.startswith(b"fLaC"):
        return "audio", "audio/flac"
    if head.startswith(b"OggS"):
        return "audio", "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
            return "audio", "audio/aac"  # ADTS AAC
        return "audio", "audio/mpeg"
    return None


class Peaks:
    """Min/max per 1/100 s as int8, folded to fewer pairs at the end for long takes."""

    def __init__(self, rate: int) -> None:
        self.block = max(1, rate // PEAKS_PER_SECOND)
        self.carry = np.zeros(0, dtype=np.float32)
        self.mins: list[np.ndarray] = []
        self.maxs: list[np.ndarray] = []

    def add(self, samples: np.ndarray) -> None:
        data = np.concatenate([self.carry, samples])
        whole = len(data) // self.block * self.block
        if whole:
            blocks = data[:whole].reshape(-1, self.block)
            self.mins.append(blocks.min(axis=1))
            self.maxs.append(blocks.max(axis=1))
        self.carry = data[whole:]

    def result(self, duration: float) -> dict:
        if len(self.carry):
            self.mins.append(np.array([self.carry.min()]))
            self.maxs.append(np.array([self.carry.max()]))
        mins = np.concatenate(self.mins) if self.mins else np.zeros(0)
        maxs = np.concatenate(self.maxs) if self.maxs else np.zeros(0)
        fold = max(1, math.ceil(len(mins) / MAX_PEAK_PAIRS))
        if fold > 1:
            pad = (-len(mins)) % fold
            mins = np.pad(mins, (0, pad)).reshape(-1, fold).min(axis=1)
            maxs = np.pad(maxs, (0, pad)).reshape(-1, fold).max(axis=1)
        data = np.empty(len(mins) * 2, dtype=np.int8)
        data[0::2] = np.clip(np.round(mins * 127), -128, 127)
        data[1::2] = np.clip(np.round(maxs * 127), -128, 127)
        return {
            "version": 1,
            "bits": 8,
            "channels": 1,
            "pairs_per_second": PEAKS_PER_SECOND / fold,
            "duration": duration,
            "length": len(mins),
            "data": data.tolist(),
        }


class Envelope:
    """Half-wave rectified log-energy flux per HOP samples: where notes and clicks start."""

    def __init__(self) -> None:
        self.carry = np.zeros(0, dtype=np.float32)
        self.energy: list[np.ndarray] = []

    def add(self, samples: np.ndarray) -> None:
        data = np.concatenate([self.carry, samples])
        whole = len(data) // HOP * HOP
        if whole:
            frames = data[:whole].reshape(-1, HOP)
            # A first difference emphasises attacks over sustained tones.
            diff = np.diff(frames, axis=1, prepend=frames[:, :1])
            self.energy.append((diff.astype(np.float64) ** 2).sum(axis=1))
        self.carry = data[whole:]

    def flux(self) -> np.ndarray:
        if not self.energy:
            return np.zeros(0)
        log_energy = np.log1p(1e4 * np.concatenate(self.energy))
        return np.maximum(0.0, np.diff(log_energy, prepend=log_energy[:1]))


def _even(n: float) -> int:
    return max(2, int(n) // 2 * 2)


def process(source: Path, out_dir: Path, max_seconds: float) -> dict:
    """Everything the worker needs from one original; raises Unusable with the reason."""
    import av

    with source.open("rb") as stream:
        head = stream.read(64)
    sniffed = sniff(head)
    if sniffed is None:
        raise Unusable("This file is not audio or video that Woodshed can read.")
    hint, mime = sniffed
    try:
        container = av.open(str(source), metadata_errors="ignore")
    except (av.FFmpegError, ValueError) as exc:
        raise Unusable("The file could not be read: it may be damaged or cut short.") from exc
    with container:
        audio_in = next(iter(container.streams.audio), None)
        video_in = next(iter(container.streams.video), None)
        if video_in is not None and video_in.disposition & av.stream.Disposition.attached_pic:
            video_in = None  # an album cover in an MP3, not a video
        if audio_in is None and video_in is None:
            raise Unusable("The file has neither sound nor pictures.")
        kind = "video" if video_in is not None else "audio"
        if kind == "video" and mime.startswith("audio/"):
            mime = "video/mp4"
        if kind == "audio" and hint == "video":
            mime = {"video/webm": "audio/webm", "video/mp4": "audio/mp4"}.get(mime, mime)
        return _transcode(container, audio_in, video_in, kind, mime, out_dir, max_seconds)


def _transcode(container, audio_in, video_in, kind, mime, out_dir: Path, max_seconds: float):
    import av

    playback = out_dir / "playback.mp4"
    output = av.open(str(playback), "w", format="mp4", options={"movflags": "+faststart"})
    peaks = Peaks(ANALYSIS_RATE)
    envelope = Envelope()
    analysed = 0
    audio_out = video_out = None
    audio_start = None
    poster_done = False
    resampler = None
    if audio_in is not None:
        audio_out = output.add_stream("aac", rate=44100)
        audio_out.layout = "stereo" if (audio_in.channels or 1) > 1 else "mono"
        audio_out.bit_rate = 128_000
        resampler = av.AudioResampler(format="flt", layout="mono", rate=ANALYSIS_RATE)
        encode_resampler = av.AudioResampler(
            format="fltp", layout=audio_out.layout.name, rate=44100, frame_size=1024
        )
        out_pts = 0
    if video_in is not None:
        height = min(MAX_VIDEO_LINES, video_in.height or MAX_VIDEO_LINES)
        width = _even((video_in.width or 1280) * height / max(1, video_in.height or height))
        height = _even(height)
        video_out = output.add_stream("libx264", rate=video_in.average_rate or 25)
        video_out.width, video_out.height = width, height
        video_out.pix_fmt = "yuv420p"
        video_out.options = {"preset": "veryfast", "crf": "23"}
        # Millisecond timestamps keep variable frame rates (phones) in time with the sound.
        video_out.codec_context.time_base = Fraction(1, 1000)
        last_ms = -1
        video_start = None
    streams = [s for s in (audio_in, video_in) if s is not None]
    duration = 0.0
    try:
        for packet in container.demux(*streams):
            for frame in packet.decode():
                if packet.stream is audio_in:
                    # The take has sound: its resampler and output stream were made.
                    assert resampler is not None
                    assert encode_resampler is not None
                    assert audio_out is not None
                    if audio_start is None:
                        audio_start = frame.time or 0.0
                    for mono in resampler.resample(frame):
                        samples = mono.to_ndarray().reshape(-1)
                        peaks.add(samples)
                        envelope.add(samples)
                        analysed += len(samples)
                    for out in encode_resampler.resample(frame):
                        out.pts = out_pts
                        out.time_base = Fraction(1, 44100)
                        out_pts += out.samples
                        for p in audio_out.encode(out):
                            output.mux(p)
                    duration = max(duration, analysed / ANALYSIS_RATE)
                else:
                    assert video_out is not None  # the take has pictures
                    if video_start is None:
                        video_start = frame.time or 0.0
                    t = (frame.time or 0.0) - video_start
                    if not poster_done:
                        _poster(frame, out_dir / "poster.jpg")
                        poster_done = True
                    image = frame.reformat(
                        width=video_out.width, height=video_out.height, format="yuv420p"
                    )
                    ms = max(last_ms + 1, round(t * 1000))
                    last_ms = image.pts = ms
                    image.time_base = Fraction(1, 1000)
                    for p in video_out.encode(image):
                        output.mux(p)
                    duration = max(duration, t)
                if duration > max_seconds:
                    raise Unusable(
                        f"The take is longer than {max_seconds / 60:.0f} minutes, the limit."
                    )
        if audio_out is not None:
            for out in encode_resampler.resample(None):
                out.pts = out_pts
                out.time_base = Fraction(1, 44100)
                out_pts += out.samples
                for p in audio_out.encode(out):
                    output.mux(p)
            for p in audio_out.encode(None):
                output.mux(p)
        if video_out is not None:
            for p in video_out.encode(None):
                output.mux(p)
    except av.FFmpegError as exc:
        raise Unusable(
            "The file is damaged or cut short; it could not be read to the end."
        ) from exc
    finally:
        output.close()
    if audio_in is not None and analysed == 0 and video_in is None:
        raise Unusable("The file holds no sound.")
    if duration <= 0:
        raise Unusable("The file is empty or damaged: nothing in it could be played.")
    (out_dir / "peaks.json").write_text(
        json.dumps(peaks.result(duration), separators=(",", ":")), encoding="utf-8"
    )
    flux = envelope.flux()
    np.save(out_dir / "onsets.npy", flux.astype(np.float32))
    return {
        "kind": kind,
        "mime_type": mime,
        "duration_seconds": round(duration, 3),
        "has_poster": poster_done,
        "envelope_rate": ANALYSIS_RATE / HOP,
    }


def _poster(frame, path: Path) -> None:
    import av

    width = _even(min(640, frame.width))
    height = _even(frame.height * width / max(1, frame.width))
    image = frame.reformat(width=width, height=height, format="yuvj420p")
    with av.open(str(path), "w", format="image2") as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
        image.pts = 0
        for p in stream.encode(image):
            out.mux(p)
        for p in stream.encode(None):
            out.mux(p)


def main(argv: list[str]) -> int:
    source, out_dir, max_seconds = Path(argv[0]), Path(argv[1]), float(argv[2])
    try:
        result = process(source, out_dir, max_seconds)
    except Unusable as exc:
        print(json.dumps({"error": str(exc)}))
        return 0
    except MemoryError:
        print(json.dumps({"error": "The file needs more memory to process than allowed."}))
        return 0
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
