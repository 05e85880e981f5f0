"""What the engine needs of a responder, a validator and an audit log — nothing more.

The engine is written against these protocols so the offline template responder and the
LLM responder, the validator with or without its LLM judge, and the stored audit log or an
in-memory one (the benchmark) plug in without the engine knowing which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from colloquy.agent.turn import EventKind, Reply, TurnContext, ValidationOutcome

Regenerate = Callable[[TurnContext, str], Reply]


class ResponderPort(Protocol):
    def respond(self, ctx: TurnContext) -> Reply: ...

    def stream(self, ctx: TurnContext) -> Iterator[str]: ...

    def regenerate(self, ctx: TurnContext, feedback: str) -> Reply: ...


class ValidatorPort(Protocol):
    def validate(
        self, ctx: TurnContext, reply: Reply, *, regenerate: Regenerate | None = None
    ) -> ValidationOutcome: ...

    def validate_sentence(
        self, ctx: TurnContext, sentence: str, index: int
    ) -> ValidationOutcome: ...

    def closing_sentences(self, ctx: TurnContext, spoken: str) -> ValidationOutcome: ...


class AuditPort(Protocol):
    def start(self, session_id: str, channel: str) -> None: ...

    def record(
        self, session_id: str, turn: int, kind: EventKind, payload: str, latency_ms: float = 0.0
    ) -> None: ...

    def record_many(
        self, session_id: str, events: Sequence[tuple[int, EventKind, object, float]]
    ) -> None: ...

    def record_validation(self, session_id: str, turn: int, outcome: ValidationOutcome) -> None: ...

    def end(self, session_id: str) -> None: ...
