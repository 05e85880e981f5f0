"""Parlant-style matching: ask the LLM which conditions hold, one call per batch.

Kept as a second opinion and as the benchmark's peer, never the default: it costs one LLM
call per batch of guidelines per turn (seconds on a local model), where the embedding
matcher costs milliseconds. An answer naming numbers outside the batch is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field, create_model

from colloquy.agent.guidelines.records import Guideline, GuidelineMatch
from colloquy.errors import LLMError
from colloquy.llm import CallOptions, ChatMessage, LLMClient


class ApplicableConditions(BaseModel):
    """The LLM's answer for one batch: the numbers of the conditions that hold."""

    applies: list[int] = Field(description="numbers of the conditions that hold")


@dataclass(frozen=True, slots=True)
class LLMMatchResult:
    matches: tuple[GuidelineMatch, ...]
    calls: int
    failed_batches: int


class LLMGuidelineMatcher:
    def __init__(self, llm: LLMClient, *, batch_size: int = 10, max_tokens: int = 80) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.llm = llm
        self.batch_size = batch_size
        self.options = CallOptions(temperature=0, max_tokens=max_tokens, seed=0)
        # maxItems bounds the answer, so a grammar-constrained local model cannot list
        # numbers until it runs out of tokens.
        self._schema: type[ApplicableConditions] = create_model(
            "ApplicableConditions",
            __base__=ApplicableConditions,
            applies=(list[int], Field(max_length=batch_size, description="numbers that hold")),
        )

    def match(
        self,
        message: str,
        guidelines: Sequence[Guideline],
        *,
        journey: str | None = None,
        state: str | None = None,
    ) -> LLMMatchResult:
        """Ask about every in-scope guideline, ``batch_size`` at a time."""
        scoped = [g for g in guidelines if g.in_scope(journey, state)]
        out: list[GuidelineMatch] = []
        calls = failed = 0
        for start in range(0, len(scoped), self.batch_size):
            batch = scoped[start : start + self.batch_size]
            listing = "\n".join(f"{n}. {g.condition}" for n, g in enumerate(batch, 1))
            messages = [
                ChatMessage.system(
                    "You check which conditions hold for a customer's message to an insurance "
                    "claims desk. Answer with the numbers of the conditions that hold.\n" + listing
                ),
                ChatMessage.user(message),
            ]
            calls += 1
            try:
                answer = self.llm.structured(
                    messages, self._schema, max_repairs=0, options=self.options
                )
            except LLMError:
                failed += 1
                continue
            for number in dict.fromkeys(answer.value.applies):
                if 1 <= number <= len(batch):
                    out.append(GuidelineMatch(batch[number - 1], 1.0, False, "llm"))
        out.sort(key=lambda m: -m.guideline.priority)
        return LLMMatchResult(tuple(out), calls, failed)
