"""A call's recording on local disk: both legs as WAV, the transcript with timestamps.

Each leg is laid on one timeline from the call's start (silence where a side said nothing),
so the two files play back in step; ``transcript.json`` has every line with its turn, the
seconds since the call began, and each turn's stage timings.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.g711 import SAMPLE_RATE
from colloquy.agent.voice.pipeline.build import CallRecord


def timeline(frames: list[tuple[float, bytes]], seconds: float) -> Audio:
    """Frames stamped with seconds from the call's start, laid on one track."""
    track = np.zeros(int((seconds + 1) * SAMPLE_RATE), dtype="<i2")
    for at, pcm in frames:
        samples = np.frombuffer(pcm, dtype="<i2")
        start = int(at * SAMPLE_RATE)
        end = min(len(track), start + len(samples))
        track[start:end] = samples[: end - start]
    return Audio(bytes(track.tobytes()), SAMPLE_RATE)


def save_call(
    folder: Path,
    record: CallRecord,
    heard: list[tuple[float, bytes]],
    said: list[tuple[float, bytes]],
    started: float,
) -> Path:
    """Write ``caller.wav``, ``agent.wav`` and ``transcript.json`` into ``folder/<session>``."""
    target = folder / record.session_id
    target.mkdir(parents=True, exist_ok=True)
    seconds = max([at for at, _ in heard + said] or [0.0])
    (target / "caller.wav").write_bytes(timeline(heard, seconds).to_wav())
    (target / "agent.wav").write_bytes(timeline(said, seconds).to_wav())
    transcript = {
        "session_id": record.session_id,
        "lines": [
            {
                "role": line.role,
                "turn": line.turn,
                "at_s": round(line.at - started, 3),
                "text": line.text,
                "interrupted": line.interrupted,
            }
            for line in record.lines
        ],
        "turns": [asdict(t) for t in record.turns],
    }
    (target / "transcript.json").write_text(json.dumps(transcript, indent=2), encoding="utf-8")
    return target


__all__ = ["save_call", "timeline"]
