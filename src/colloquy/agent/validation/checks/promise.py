"""PROMISE: no approval, amount, payment date or coverage promised outside policy.

A promise is a future or certain outcome the desk cannot commit to: "guaranteed", "will be
approved", "you will receive $X", "definitely covered", "paid within 5 days". Stating what
a tool returned is a fact, not a promise: a claim ``get_claim_status`` returned as
approved may be called approved, and its approved amount may be said to be paid. Negated
or conditional phrasing ("I can't promise …", "whether it will be approved") passes, and
so does policy text quoted verbatim from a knowledge-base article the search returned.
"""

from __future__ import annotations

import re

from colloquy.agent.turn import Check
from colloquy.agent.validation.checks.base import Finding, SentenceCheck, negated
from colloquy.agent.validation.entities import CLAIM_PATTERN, Entity, Kind
from colloquy.agent.validation.facts import SessionFacts

_I = re.IGNORECASE
_ALWAYS = (
    (re.compile(r"\bguarantee[sd]?\b", _I), "guarantees an outcome"),
    (re.compile(r"\b(?:I|we)\s+promise\b", _I), "makes a promise"),
    (
        re.compile(
            r"\b(?:definitely|certainly|surely|absolutely|fully|100\s?%|completely)\s+"
            r"(?:be\s+)?covered\b|\bcovered\s+(?:for sure|no matter what|100\s?%)",
            _I,
        ),
        "promises coverage",
    ),
    (
        re.compile(r"\b(?:nothing to worry about|no way it(?:'s| is| will be) denied)\b", _I),
        "promises an outcome",
    ),
)
_CERTAINLY = r"(?:definitely\s+|certainly\s+|surely\s+|absolutely\s+|probably\s+|likely\s+)?"
_FUTURE_OUTCOME = re.compile(
    r"\b(?:(?:will|'ll|’ll|(?:is|are|'s|’s|'re|’re) going to|gonna|should)\s+"
    rf"{_CERTAINLY}be\s+|we(?:'ll|’ll|\s+will|\s+are going to)\s+{_CERTAINLY})"
    r"(?P<outcome>approved|accepted|paid(?:\s+out)?|reimbursed|covered|approve|accept|cover)\b",
    _I,
)
_STATED_OUTCOME = re.compile(
    rf"\b(?:claim(?:\s+{CLAIM_PATTERN})?|it|{CLAIM_PATTERN})\s*"
    r"(?:is|was|has been|had been|'s|’s)\s+(?:now\s+|already\s+)?"
    r"(?P<outcome>approved|accepted|paid(?:\s+out)?)\b",
    _I,
)
_YOU_RECEIVE = re.compile(
    r"\b(?:you(?:'ll|’ll|\s+will|\s+are going to|\s+should)\s+"
    r"(?:definitely\s+|certainly\s+|probably\s+|likely\s+)?"
    r"(?:receive|get|be paid|be reimbursed|be sent)"
    r"|we(?:'ll|’ll|\s+will|\s+are going to)\s+(?:definitely\s+|certainly\s+)?"
    r"(?:pay|reimburse|send|transfer))\b",
    _I,
)
_PAYMENT_WORDS = re.compile(
    r"\b(?:full amount|payment|payout|check|cheque|money|reimbursement|compensation|refund|"
    r"settlement|funds)\b",
    _I,
)
_DEADLINE = re.compile(
    r"\b(?:by|within|before|no later than)\s+(?:the\s+)?(?:\d+|a|one|two|three|few|next|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|end)\b"
    r"|\bin\s+(?:\d+|a|one|two|three|a few)\s+(?:business\s+)?(?:days?|weeks?|hours?)\b"
    r"|\b(?:next|this)\s+(?:week|month|monday|tuesday|wednesday|thursday|friday)\b"
    r"|\b(?:today|tomorrow|tonight)\b",
    _I,
)
_PAYMENT_COMING = re.compile(
    r"\b(?:payout|payment|money|cheque|check|funds|reimbursement|settlement)\s+"
    r"(?:will|'ll|’ll|should|is going to)\s+(?:\w+\s+)?"
    r"(?:arrive|come|reach you|land|be (?:sent|paid|issued|deposited|transferred|with you))\b",
    _I,
)
_APPROVED = frozenset({"approved", "paid"})


class PromiseCheck(SentenceCheck):
    check = Check.PROMISE

    def inspect(
        self, sentence: str, entities: tuple[Entity, ...], facts: SessionFacts
    ) -> Finding | None:
        sentence = facts.unquoted(sentence)
        for pattern, reason in _ALWAYS:
            match = pattern.search(sentence)
            if match is not None and not negated(sentence, match.start()):
                return Finding(f"{reason} ({match.group()!r})")
        allowed = _returned_outcome(entities, facts)
        for pattern in (_FUTURE_OUTCOME, _STATED_OUTCOME):
            match = pattern.search(sentence)
            if match is None or negated(sentence, match.start()):
                continue
            covered = match["outcome"].lower().startswith("cover")
            if covered or not allowed:
                return Finding(f"promises an outcome no tool returned ({match.group()!r})")
            if pattern is _FUTURE_OUTCOME and _DEADLINE.search(sentence, match.end()):
                return Finding(f"promises a date ({match.group()!r} …)")
        receive = _YOU_RECEIVE.search(sentence) or _PAYMENT_COMING.search(sentence)
        if receive is not None and not negated(sentence, receive.start()):
            amounts = [e for e in entities if e.kind is Kind.MONEY]
            about_money = receive.re is _PAYMENT_COMING or _PAYMENT_WORDS.search(
                sentence, receive.end()
            )
            if amounts or about_money:
                unpaid = [e for e in amounts if e.value not in facts.approved_amounts]
                if unpaid or not allowed:
                    what = unpaid[0].text if unpaid else "a payment"
                    return Finding(f"promises {what} no tool approved ({receive.group()!r} …)")
                if _DEADLINE.search(sentence, receive.end()):
                    return Finding(f"promises a payment date ({receive.group()!r} …)")
        return None


def _returned_outcome(entities: tuple[Entity, ...], facts: SessionFacts) -> bool:
    """Whether a tool returned an approved or paid claim (the named one, when one is named)."""
    named = [e.value for e in entities if e.kind is Kind.CLAIM_ID]
    known = [facts.claim_statuses[n] for n in named if n in facts.claim_statuses]
    if known:
        return any(status in _APPROVED for status in known)
    return bool(facts.statuses & _APPROVED)
