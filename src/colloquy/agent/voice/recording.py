"""A call's recording: both legs as WAV, the transcript with timestamps, in a recording store.

Each leg is laid on one timeline from the call's start (silence where a side said nothing),
so the two files play back in step; ``transcript.json`` has every line with its turn, the
seconds since the call began, the conversion score after it when a model scored the call,
and each turn's stage timings. Where the files go (a folder, an S3 bucket) is the
:class:`~colloquy.agent.voice.calls.base.RecordingStore`'s business.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

import numpy as np

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.calls.base import RecordingStore
from colloquy.agent.voice.calls.local import LocalRecordingStore
from colloquy.agent.voice.g711 import SAMPLE_RATE
from colloquy.agent.voice.pipeline.build import CallRecord

CALLER_WAV = "caller.wav"
AGENT_WAV = "agent.wav"
TRANSCRIPT = "transcript.json"


def timeline(frames: list[tuple[float, bytes]], seconds: float) -> Audio:
    """Frames stamped with seconds from the call's start, laid on a track ``seconds`` long."""
    track = np.zeros(math.ceil(seconds * SAMPLE_RATE), dtype="<i2")
    for at, pcm in frames:
        samples = np.frombuffer(pcm, dtype="<i2")
        start = int(at * SAMPLE_RATE)
        end = min(len(track), start + len(samples))
        track[start:end] = samples[: end - start]
    return Audio(bytes(track.tobytes()), SAMPLE_RATE)


def transcript_document(
    record: CallRecord, started: float, scores: Mapping[int, float] | None = None
) -> dict[str, object]:
    """``transcript.json``'s content; ``scores`` maps a line's index to the score after it."""
    lines: list[dict[str, object]] = []
    for index, line in enumerate(record.lines):
        entry: dict[str, object] = {
            "role": line.role,
            "turn": line.turn,
            "at_s": round(line.at - started, 3),
            "text": line.text,
            "interrupted": line.interrupted,
        }
        if scores is not None and index in scores:
            entry["conversion_score"] = round(scores[index], 4)
        lines.append(entry)
    return {
        "session_id": record.session_id,
        "lines": lines,
        "turns": [asdict(t) for t in record.turns],
    }


def save_call(
    store: RecordingStore | Path,
    record: CallRecord,
    heard: list[tuple[float, bytes]],
    said: list[tuple[float, bytes]],
    started: float,
    *,
    scores: Mapping[int, float] | None = None,
) -> str:
    """Write ``caller.wav``, ``agent.wav`` and ``transcript.json`` under ``<session>/``.

    Returns where the call's files are (the folder, or the ``s3://`` prefix).
    """
    target = LocalRecordingStore(store) if isinstance(store, Path) else store
    session = record.session_id
    seconds = max([at + len(pcm) / 2 / SAMPLE_RATE for at, pcm in heard + said] or [0.0])
    target.put(f"{session}/{CALLER_WAV}", timeline(heard, seconds).to_wav(), "audio/wav")
    target.put(f"{session}/{AGENT_WAV}", timeline(said, seconds).to_wav(), "audio/wav")
    document = transcript_document(record, started, scores)
    target.put(
        f"{session}/{TRANSCRIPT}",
        json.dumps(document, indent=2).encode("utf-8"),
        "application/json",
    )
    return target.location(session)


__all__ = ["AGENT_WAV", "CALLER_WAV", "TRANSCRIPT", "save_call", "timeline", "transcript_document"]
