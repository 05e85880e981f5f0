"""VERIFICATION: no account data before ``verify_customer_identity`` succeeded.

Account data is what identifies or describes the caller's account: a claim id or policy
number the caller did not say themselves, a claim's status, a sum tied to "your claim",
a date of birth, and any name, policy number or masked email a tool returned. General
coverage facts (a deductible from an article, a sentence quoted from one) pass.
"""

from __future__ import annotations

import re

from colloquy.agent.turn import Check
from colloquy.agent.validation.checks.base import Finding, SentenceCheck, negated
from colloquy.agent.validation.entities import CLAIM_PATTERN, Entity, Kind, find_entities
from colloquy.agent.validation.facts import SessionFacts

_STATUS = re.compile(
    rf"\b(?:claim(?:\s+{CLAIM_PATTERN})?|it|{CLAIM_PATTERN}|its status|the status|status)\s*"
    r"(?:is|was|has been|had been|'s|’s|:)\s+"
    r"(?:now\s+|still\s+|already\s+|currently\s+)?"
    r"(?:approved|denied|rejected|paid|closed|submitted|pending|under review|in review|"
    r"being (?:processed|reviewed)|awaiting\b|on hold)",
    re.IGNORECASE,
)
_ACCOUNT_CONTEXT = re.compile(
    r"\byour\s+(?:claim|policy|payout|payment|balance|account|settlement|reimbursement|"
    r"deductible|premium|refund)s?\b"
    r"|\byou(?:'ll|’ll| will| are going to)?\s+(?:receive|get|be paid)\b",
    re.IGNORECASE,
)
_BIRTH = re.compile(r"\b(?:born|birth|dob|birthday)\b", re.IGNORECASE)


class VerificationCheck(SentenceCheck):
    check = Check.VERIFICATION

    def applies(self, facts: SessionFacts) -> bool:
        return not facts.verified

    def inspect(
        self, sentence: str, entities: tuple[Entity, ...], facts: SessionFacts
    ) -> Finding | None:
        for entity in entities:
            if entity.kind in (Kind.CLAIM_ID, Kind.POLICY) and not facts.said_by_caller(entity):
                return Finding(
                    f"{entity.kind} {entity.text} before identity verification", (entity,)
                )
            if entity.kind is Kind.EMAIL and "*" in entity.text:
                return Finding("an account email before identity verification", (entity,))
        own = facts.unquoted(sentence)
        if any(e.kind is Kind.MONEY for e in entities) and _ACCOUNT_CONTEXT.search(own):
            money = [e for e in find_entities(own) if e.kind is Kind.MONEY]
            if money:
                return Finding(f"account amount {money[0].text} before identity verification")
        if _BIRTH.search(sentence) and any(e.kind is Kind.DATE for e in entities):
            return Finding("a date of birth before identity verification")
        status = _STATUS.search(own)
        if status is not None and not negated(own, status.start()):
            return Finding(f"claim status ({status.group()!r}) before identity verification")
        lowered = sentence.lower()
        for value in facts.account_values:
            if _contains_word(lowered, value):
                return Finding(f"account data ({value!r}) before identity verification")
        return None


def _contains_word(text: str, value: str) -> bool:
    at = text.find(value)
    while at >= 0:
        before = text[at - 1] if at > 0 else " "
        after = text[at + len(value)] if at + len(value) < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        at = text.find(value, at + 1)
    return False
