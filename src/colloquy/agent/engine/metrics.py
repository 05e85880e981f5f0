"""Prometheus metrics of agent turns, in a registry the caller owns (never the global one).

``agent_turn_stage_seconds{stage}`` (activation, slots, tools, guidelines, respond,
validate, total), ``agent_turns_total{journey,event}``, ``agent_validator_fixes_total{check}``
and ``agent_sessions_open``. The API registers them in its own registry, so ``/metrics``
shows them next to the tool metrics and the request histograms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from colloquy.agent.turn import TurnResult

STAGES = ("activation", "slots", "tools", "guidelines", "respond", "validate", "total")
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass(frozen=True)
class AgentMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    stage_seconds: Histogram = field(init=False)
    turns: Counter = field(init=False)
    fixes: Counter = field(init=False)
    sessions_open: Gauge = field(init=False)

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        put(
            "stage_seconds",
            Histogram(
                "agent_turn_stage_seconds",
                "Time of each stage of an agent turn (total: the whole turn).",
                ["stage"],
                buckets=BUCKETS,
                registry=self.registry,
            ),
        )
        put(
            "turns",
            Counter(
                "agent_turns",
                "Agent turns by journey and what happened.",
                ["journey", "event"],
                registry=self.registry,
            ),
        )
        put(
            "fixes",
            Counter(
                "agent_validator_fixes",
                "Reply sentences the validator failed (and fixed), by check.",
                ["check"],
                registry=self.registry,
            ),
        )
        put(
            "sessions_open",
            Gauge(
                "agent_sessions_open",
                "Agent sessions open in this process.",
                registry=self.registry,
            ),
        )

    def observe(self, result: TurnResult) -> None:
        for stage in STAGES:
            self.stage_seconds.labels(stage).observe(getattr(result.timings, stage) / 1e3)
        self.turns.labels(result.journey or "none", result.event.value).inc()
        if result.validation is not None:
            for verdict in result.validation.verdicts:
                if not verdict.passed:
                    self.fixes.labels(verdict.check.value).inc()
