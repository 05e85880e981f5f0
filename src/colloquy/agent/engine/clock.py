"""Milliseconds per stage of one turn, for the audit, the metrics and the benchmark."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from colloquy.agent.turn import StageTimings


class StageClock:
    """Milliseconds per stage of one turn."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.spent[name] = self.spent.get(name, 0.0) + (time.perf_counter() - began) * 1e3

    def timings(self) -> StageTimings:
        s = self.spent
        return StageTimings(
            activation=s.get("activation", 0.0),
            slots=s.get("slots", 0.0),
            tools=s.get("tools", 0.0),
            guidelines=s.get("guidelines", 0.0),
            respond=s.get("respond", 0.0),
            validate=s.get("validate", 0.0),
            total=(time.perf_counter() - self.started) * 1e3,
        )
