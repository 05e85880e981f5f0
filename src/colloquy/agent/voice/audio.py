"""Mono 16-bit PCM as one record, with resampling and WAV in and out.

Every stage agrees on this one shape so no adapter guesses a sample format: SIP audio is
8 kHz, the speech models want 16 kHz (Whisper, Silero, smart-turn) or make 22.05 kHz (Piper).
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from colloquy.errors import DataError


@dataclass(frozen=True, slots=True)
class Audio:
    pcm: bytes
    """Mono signed 16-bit little-endian samples."""
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate

    def resampled(self, sample_rate: int) -> Audio:
        if sample_rate == self.sample_rate or not self.pcm:
            return Audio(self.pcm, sample_rate)
        return Audio(resample(self.pcm, self.sample_rate, sample_rate), sample_rate)

    def floats(self) -> np.ndarray:
        """Samples as float32 in [-1, 1), what the speech models take."""
        return np.frombuffer(self.pcm, dtype="<i2").astype(np.float32) / 32768.0

    def to_wav(self) -> bytes:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(self.pcm)
        return buffer.getvalue()

    @classmethod
    def silence(cls, seconds: float, sample_rate: int) -> Audio:
        return cls(bytes(2 * int(seconds * sample_rate)), sample_rate)

    def __add__(self, other: Audio) -> Audio:
        return Audio(self.pcm + other.resampled(self.sample_rate).pcm, self.sample_rate)


def resample(pcm: bytes, source: int, target: int) -> bytes:
    """High-quality resampling (soxr) of 16-bit PCM."""
    import soxr  # type: ignore[import-untyped]

    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2")
    out = soxr.resample(samples, source, target, quality="HQ")
    return bytes(np.asarray(out, dtype="<i2").tobytes())


def read_wav(path: Path) -> Audio:
    """A mono 16-bit WAV file; stereo is mixed down."""
    try:
        with wave.open(str(path), "rb") as source:
            width, channels = source.getsampwidth(), source.getnchannels()
            rate, data = source.getframerate(), source.readframes(source.getnframes())
    except (OSError, wave.Error, EOFError) as exc:
        raise DataError(
            f"cannot read {path} as a WAV file: {exc}",
            hint="give a PCM WAV file (16-bit), e.g. `sox in.mp3 -b 16 out.wav`",
        ) from exc
    if width != 2:
        raise DataError(
            f"{path} has {8 * width}-bit samples; 16-bit PCM is needed",
            hint=f"convert it: sox {path} -b 16 out.wav",
        )
    samples = np.frombuffer(data, dtype="<i2")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype("<i2")
    return Audio(bytes(samples.tobytes()), rate)


__all__ = ["Audio", "read_wav", "resample"]
