"""Per-turn stage timings: marks taken as a turn passes each stage, one record per turn.

The clock starts at the end of the caller's speech (the VAD's stop minus its stop delay,
i.e. the last voiced audio) and ends at the first packet of the agent's answer, the
number the plan's latency budget is about. Each finished turn becomes a
:class:`TurnTimings`, observed into Prometheus histograms and handed to ``on_turn``
(the call's transcript, the audit).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram

STAGES = (
    "vad_stop",
    "turn_decision",
    "stt",
    "engine",
    "llm_first_token",
    "validator",
    "tts_first_audio",
    "first_packet",
)
BUCKETS = (0.025, 0.05, 0.1, 0.15, 0.25, 0.4, 0.52, 0.8, 1.2, 2, 3, 5, 8, 13)


@dataclass(frozen=True)
class VoiceMetrics:
    """``voice_stage_seconds{stage}`` (each stage's own time), ``voice_response_seconds``
    (end of speech → first agent packet), ``voice_turns_total{outcome}``."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    stage: Histogram = field(init=False)
    response: Histogram = field(init=False)
    turns: Counter = field(init=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(
            self,
            "stage",
            Histogram(
                "voice_stage_seconds",
                "Time spent in each stage of a voice turn.",
                ["stage"],
                buckets=BUCKETS,
                registry=self.registry,
            ),
        )
        put(
            self,
            "response",
            Histogram(
                "voice_response_seconds",
                "End of the caller's speech to the agent's first audio packet.",
                buckets=BUCKETS,
                registry=self.registry,
            ),
        )
        put(
            self,
            "turns",
            Counter("voice_turns", "Voice turns by outcome.", ["outcome"], registry=self.registry),
        )


@dataclass(frozen=True, slots=True)
class TurnTimings:
    """Milliseconds of one turn; each stage from the previous mark, ``total`` from speech end."""

    turn: int
    transcript: str
    vad_stop: float
    turn_decision: float
    stt: float
    engine: float
    """The engine deciding the turn: routing, slots, tools, guidelines."""
    llm_first_token: float
    """The responder (an LLM, or the templates) until its first sentence."""
    validator: float
    """Checking that sentence until one passes (or is fixed) for speech."""
    tts_first_audio: float
    first_packet: float
    total: float
    interrupted: bool = False

    def stages(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in STAGES}


class TurnClock:
    """The marks of one turn; processors write, the ledger reads once the turn ends."""

    def __init__(self, turn: int, speech_end: float) -> None:
        self.turn = turn
        self.marks: dict[str, float] = {"speech_end": speech_end}
        self.transcript = ""
        self.interrupted = False

    def mark(self, name: str, at: float | None = None) -> None:
        self.marks.setdefault(name, time.perf_counter() if at is None else at)

    def has(self, name: str) -> bool:
        return name in self.marks


class LatencyLedger:
    """Collects the turns of one or many calls (thread-safe)."""

    def __init__(
        self,
        metrics: VoiceMetrics | None = None,
        on_turn: Callable[[TurnTimings], None] | None = None,
    ) -> None:
        self.metrics = metrics
        self.on_turn = on_turn
        self.turns: list[TurnTimings] = []
        self._lock = threading.Lock()

    def finish(self, clock: TurnClock) -> TurnTimings | None:
        """Close a turn that reached its first packet; returns its timings."""
        marks = clock.marks
        order = ["speech_end", *STAGES]
        if any(name not in marks for name in order):
            return None
        spans = {
            name: max(0.0, (marks[name] - marks[before]) * 1e3)
            for before, name in itertools.pairwise(order)
        }
        timings = TurnTimings(
            clock.turn,
            clock.transcript,
            **spans,
            total=(marks["first_packet"] - marks["speech_end"]) * 1e3,
            interrupted=clock.interrupted,
        )
        with self._lock:
            self.turns.append(timings)
        if self.metrics is not None:
            for name, ms in timings.stages().items():
                self.metrics.stage.labels(stage=name).observe(ms / 1e3)
            self.metrics.response.observe(timings.total / 1e3)
            self.metrics.turns.labels(outcome="answered").inc()
        if self.on_turn is not None:
            self.on_turn(timings)
        return timings


__all__ = ["STAGES", "LatencyLedger", "TurnClock", "TurnTimings", "VoiceMetrics"]
