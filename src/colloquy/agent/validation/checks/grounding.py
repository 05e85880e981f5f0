"""GROUNDING: every claim id, policy number, amount and date a sentence states was returned
by a tool in this session or said by the caller (their personal data aside)."""

from __future__ import annotations

from colloquy.agent.turn import Check
from colloquy.agent.validation.checks.base import Finding, SentenceCheck
from colloquy.agent.validation.entities import Entity, Kind
from colloquy.agent.validation.facts import SessionFacts

_GROUNDED_KINDS = frozenset({Kind.CLAIM_ID, Kind.POLICY, Kind.MONEY, Kind.DATE})


class GroundingCheck(SentenceCheck):
    check = Check.GROUNDING

    def inspect(
        self, sentence: str, entities: tuple[Entity, ...], facts: SessionFacts
    ) -> Finding | None:
        loose = tuple(e for e in entities if e.kind in _GROUNDED_KINDS and not facts.is_grounded(e))
        if not loose:
            return None
        listed = ", ".join(f"{e.kind} {e.text}" for e in loose)
        return Finding(f"not returned by any tool: {listed}", loose)
