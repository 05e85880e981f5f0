"""The seam every per-sentence check implements: one rule, one module."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from colloquy.agent.turn import Check
from colloquy.agent.validation.entities import Entity
from colloquy.agent.validation.facts import SessionFacts


@dataclass(frozen=True, slots=True)
class Finding:
    """Why a sentence fails; ``spans`` are the offending values, for a fix that masks them."""

    reason: str
    spans: tuple[Entity, ...] = ()


class SentenceCheck(ABC):
    check: ClassVar[Check]

    def applies(self, facts: SessionFacts) -> bool:
        """Whether the check runs at all this turn (a check that does not run leaves no verdict)."""
        return True

    @abstractmethod
    def inspect(
        self, sentence: str, entities: tuple[Entity, ...], facts: SessionFacts
    ) -> Finding | None:
        """None when the sentence passes."""


_CLAUSE_BREAK = re.compile(r"[,;:]|\bbut\b|\bhowever\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|can't|can’t|won't|won’t|don't|don’t|isn't|isn’t|unable|"
    r"nobody|no one|without|whether|if|once|when|until|unless)\b|n't\b",
    re.IGNORECASE,
)


_CONDITION_FIRST = re.compile(r"\s*(?:if|once|when|unless|as soon as)\b", re.IGNORECASE)
"""A sentence that opens with a condition conditions its main clause too."""


def negated(sentence: str, start: int) -> bool:
    """Whether the clause before ``start`` negates or conditions what follows ("I can't
    promise …", "once it is approved …")."""
    if _CONDITION_FIRST.match(sentence) is not None:
        return True
    clause = _CLAUSE_BREAK.split(sentence[:start])[-1]
    return _NEGATION.search(clause) is not None
