"""Test media made on the spot: sines and click tracks through numpy and PyAV."""

from __future__ import annotations

import io
import wave
from fractions import Fraction

import numpy as np

RATE = 44100


def sine(seconds: float, freq: float = 440.0, rate: int = RATE, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def clicks(times: list[float], seconds: float, rate: int = RATE) -> np.ndarray:
    """Short 2 kHz bursts (5 ms, sharp attack) starting exactly at `times`."""
    out = np.zeros(int(seconds * rate), dtype=np.float32)
    burst_t = np.arange(int(0.005 * rate)) / rate
    burst = (0.8 * np.sin(2 * np.pi * 2000 * burst_t) * np.exp(-burst_t * 400)).astype(np.float32)
    for at in times:
        i = round(at * rate)
        j = min(len(out), i + len(burst))
        out[i:j] += burst[: j - i]
    return out


def click_track(bpm: float, seconds: float, jitter_ms: float = 0.0, seed: int = 0, start=0.5):
    rng = np.random.default_rng(seed)
    period = 60.0 / bpm
    times = np.arange(start, seconds - 0.1, period)
    times = times + rng.uniform(-jitter_ms, jitter_ms, len(times)) / 1000
    return clicks(list(np.clip(times, 0, None)), seconds)


def wav_bytes(samples: np.ndarray, rate: int = RATE) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def encode(samples: np.ndarray, fmt: str, codec: str, rate: int = RATE, **options) -> bytes:
    """Encode mono float samples with PyAV: ("mp3", "mp3"), ("ogg", "libopus"), ("webm", …)."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=48000 if "opus" in codec else rate)
        stream.layout = "mono"
        for key, value in options.items():
            stream.options[key] = str(value)
        frame_size = 960 if "opus" in codec else 1152
        src_rate = rate
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=stream.rate)
        pts = 0
        for start in range(0, len(samples), frame_size):
            chunk = samples[start : start + frame_size]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = src_rate
            frame.pts = pts
            frame.time_base = Fraction(1, src_rate)
            pts += len(chunk)
            for out in resampler.resample(frame):
                for packet in stream.encode(out):
                    container.mux(packet)
        for out in resampler.resample(None):
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def video_bytes(seconds: float = 2.0, size=(1280, 960), fps: int = 25) -> bytes:
    """An MP4 with moving colour bars (H.264) and a sine (AAC)."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "ultrafast"}
        for i in range(int(seconds * fps)):
            image = np.zeros((size[1], size[0], 3), dtype=np.uint8)
            image[:, :, 0] = (np.arange(size[0]) + i * 8) % 256
            image[:, :, 1] = 128
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def decode_mono(data: bytes, rate: int = RATE) -> np.ndarray:
    """Decode any file PyAV reads to mono float samples at `rate` (for checking outputs)."""
    import av

    parts = []
    with av.open(io.BytesIO(data)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                parts.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            parts.append(out.to_ndarray().reshape(-1))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def first_onset(samples: np.ndarray, after: float, rate: int = RATE) -> float:
    """The time of the first sample after `after` seconds louder than half the peak."""
    start = int(after * rate)
    window = np.abs(samples[start:])
    threshold = 0.5 * window.max()
    return (start + int(np.argmax(window > threshold))) / rate


def make_recording(profile, data: bytes | None = None, **fields):
    """A pending recording of alice's stored through the real service."""
    from woodshed.recordings import services
    from woodshed.recordings.schemas import RecordingFields

    raw = data if data is not None else wav_bytes(sine(1.0))
    return services.store_recording(
        profile, io.BytesIO(raw), RecordingFields.model_validate(fields), filename="take.wav"
    )
