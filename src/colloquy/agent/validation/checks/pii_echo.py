"""PII_ECHO: personal data the caller gave is never read back.

Card and social security numbers are never said at all, whoever gave them; phone numbers,
email addresses, dates of birth and street addresses fail when they match what the caller
said (a phone number matches on its last seven or more digits, so "+1 555 0100" and
"555-0100" are one number). The desk's own numbers and the last four digits of a card pass.
"""

from __future__ import annotations

from colloquy.agent.turn import Check
from colloquy.agent.validation.checks.base import Finding, SentenceCheck
from colloquy.agent.validation.entities import Entity, Kind
from colloquy.agent.validation.facts import SessionFacts

_NEVER = frozenset({Kind.CARD, Kind.SSN})
_ECHOED = frozenset({Kind.PHONE, Kind.EMAIL, Kind.DATE, Kind.ADDRESS, Kind.SSN})


class PiiEchoCheck(SentenceCheck):
    check = Check.PII_ECHO

    def inspect(
        self, sentence: str, entities: tuple[Entity, ...], facts: SessionFacts
    ) -> Finding | None:
        spans = tuple(e for e in entities if e.kind in _NEVER or _echoes(e, facts))
        if not spans:
            return None
        kinds = ", ".join(dict.fromkeys(str(e.kind) for e in spans))
        return Finding(f"repeats the caller's {kinds}", spans)


def _echoes(entity: Entity, facts: SessionFacts) -> bool:
    if entity.kind not in _ECHOED:
        return False
    if entity.kind is Kind.PHONE:
        return any(
            kind is Kind.PHONE and _same_phone(entity.value, value) for kind, value in facts.pii
        )
    if entity.kind is Kind.DATE and entity.value.startswith("--"):
        return any(
            kind is Kind.DATE and value.endswith(entity.value[1:]) for kind, value in facts.pii
        )
    return (entity.kind, entity.value) in facts.pii


def _same_phone(a: str, b: str) -> bool:
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 7 and longer.endswith(shorter)
