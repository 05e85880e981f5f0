"""What the session has established, read once per reply from the turn's context.

The checks ask three questions of every sentence: did a tool return this value
(``grounded``), did the caller say it (``said``), and is it the caller's personal data
(``pii``)? Tool values are read both from ``TurnContext.grounded`` and from the tool
results themselves (amount fields, dates, claim ids inside explanations and articles), so
grounding does not depend on how completely the engine filled ``grounded``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from colloquy.agent.turn import TurnContext
from colloquy.agent.validation.entities import Entity, Kind, find_entities, plain_amount
from colloquy.agent.validation.sentences import split_sentences

KNOWLEDGE_TOOLS = frozenset({"search_knowledge_base"})
"""Tools whose results are general information, not the caller's account data."""

_BIRTH_CONTEXT = re.compile(r"\b(?:born|birth|dob|birthday|d\.o\.b)\b", re.IGNORECASE)
_BIRTH_SLOT = re.compile(r"birth|dob", re.IGNORECASE)
_SSN_CONTEXT = re.compile(r"\b(?:social security|ssn|social)\b", re.IGNORECASE)
_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")
_QUOTABLE = frozenset({"title", "body"})
_ACCOUNT_FIELDS = frozenset({"full_name", "first_name", "policy_number", "email_masked"})
_STATUS_FIELDS = frozenset({"status"})
_CENTS = re.compile(r"\d+\.\d{2}")
_MIN_QUOTE = 12
"""Shorter fragments ("Yes.") are too generic to blank out as quotes."""
_ADULT_YEARS = 16
"""A date this many years back or more, said by the caller, is read as a date of birth."""

Grounded = frozenset[tuple[Kind, str]]


@dataclass(frozen=True, slots=True)
class SessionFacts:
    verified: bool
    grounded: Grounded
    """(kind, value) pairs tools returned; kinds: claim id, policy number, amount, date."""
    said: Grounded
    """(kind, value) pairs the caller said, their personal data left out."""
    pii: Grounded
    """The caller's personal data: phone, email, card, SSN, date of birth, address."""
    statuses: frozenset[str]
    """Claim statuses tools returned (``approved``, ``under_review`` …)."""
    claim_statuses: Mapping[str, str]
    """Status per claim id, for a sentence that names the claim."""
    approved_amounts: frozenset[str]
    """Approved amounts of approved or paid claims: the only sums a reply may say will be paid."""
    account_values: tuple[str, ...]
    """Account data tools returned (names, policy numbers, masked emails), lower case."""
    quoted: tuple[str, ...] = ()
    """Knowledge-base titles and sentences, lower case: quoting policy text is no promise."""

    def unquoted(self, sentence: str) -> str:
        """``sentence`` in lower case with every verbatim knowledge-base quote blanked out."""
        text = " ".join(sentence.lower().split())
        for fragment in self.quoted:
            if fragment in text:
                text = text.replace(fragment, " … ")
        return text

    def is_grounded(self, entity: Entity) -> bool:
        if (entity.kind, entity.value) in self.grounded or (entity.kind, entity.value) in self.said:
            return True
        if entity.kind is Kind.DATE and entity.value.startswith("--"):
            return any(
                kind is Kind.DATE and value.endswith(entity.value[1:])
                for kind, value in self.grounded | self.said
            )
        return False

    def said_by_caller(self, entity: Entity) -> bool:
        return (entity.kind, entity.value) in self.said or (entity.kind, entity.value) in self.pii

    @classmethod
    def of(cls, ctx: TurnContext, today: date | None = None) -> SessionFacts:
        today = today or date.today()
        grounded: set[tuple[Kind, str]] = set()
        statuses: set[str] = set()
        claim_statuses: dict[str, str] = {}
        approved: set[str] = set()
        account: set[str] = set()
        quoted: set[str] = set()
        seen: set[str] = set()
        for outcome in ctx.tool_outcomes:
            if not outcome.ok or outcome.result is None:
                continue
            data = outcome.result.model_dump(mode="json")
            for key, value in _leaves(data):
                seen.add(value)
                grounded.update(_field_entities(key, value))
                if key in _ACCOUNT_FIELDS and value and outcome.tool not in KNOWLEDGE_TOOLS:
                    account.add(value.lower())
                if outcome.tool in KNOWLEDGE_TOOLS and key in _QUOTABLE:
                    quoted.update(_fragments(value))
            for claim in _claims(data):
                status = str(claim.get("status", "")).lower()
                statuses.add(status)
                number = claim.get("claim_number")
                if isinstance(number, str):
                    claim_statuses[number.upper()] = status
                amount = claim.get("amount_approved")
                if status in ("approved", "paid") and isinstance(amount, str):
                    approved_amount = plain_amount(amount)
                    if approved_amount is not None:
                        approved.add(approved_amount)
        for value in ctx.grounded:
            if value.strip().lower() in _STATUS_WORDS:
                statuses.add(value.strip().lower())
            if value not in seen:
                grounded.update(_value_entities(value))
        said, pii = _caller_facts(ctx, today)
        return cls(
            verified=ctx.verified,
            grounded=frozenset(grounded),
            said=frozenset(said),
            pii=frozenset(pii),
            statuses=frozenset(statuses),
            claim_statuses=claim_statuses,
            approved_amounts=frozenset(approved),
            account_values=tuple(sorted(account, key=len, reverse=True)),
            quoted=tuple(sorted(quoted, key=len, reverse=True)),
        )


_STATUS_WORDS = frozenset(
    {
        "submitted",
        "under_review",
        "awaiting_documents",
        "approved",
        "denied",
        "paid",
        "closed",
    }
)
_GROUNDABLE = frozenset({Kind.CLAIM_ID, Kind.POLICY, Kind.MONEY, Kind.DATE})


def _value_entities(value: str) -> Iterator[tuple[Kind, str]]:
    """Facts in a value with no field name: a bare ``"2840.00"`` is an amount (tools write
    amounts with cents), a bare ``"0100"`` (the last digits of a phone) is not."""
    if _CENTS.fullmatch(value.strip()):
        amount = plain_amount(value)
        if amount is not None:
            yield Kind.MONEY, amount
            return
    for entity in find_entities(value):
        if entity.kind in _GROUNDABLE:
            yield entity.kind, entity.value


def _field_entities(key: str, value: str) -> Iterator[tuple[Kind, str]]:
    if "amount" in key:
        amount = plain_amount(value)
        if amount is not None:
            yield Kind.MONEY, amount
            return
    yield from _value_entities(value)


def _leaves(data: object, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for name, value in data.items():
            yield from _leaves(value, str(name))
    elif isinstance(data, list):
        for item in data:
            yield from _leaves(item, key)
    elif isinstance(data, str):
        yield key, data
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield key, str(data)


def _claims(data: object) -> Iterator[dict[str, object]]:
    if isinstance(data, dict):
        if "claim_number" in data and "status" in data:
            yield data
        for value in data.values():
            yield from _claims(value)
    elif isinstance(data, list):
        for item in data:
            yield from _claims(item)


def _caller_facts(
    ctx: TurnContext, today: date
) -> tuple[set[tuple[Kind, str]], set[tuple[Kind, str]]]:
    said: set[tuple[Kind, str]] = set()
    pii: set[tuple[Kind, str]] = set()
    texts = [*ctx.customer_texts()]
    birth_slots = [value for name, value in ctx.slots if _BIRTH_SLOT.search(name)]
    for name, value in ctx.slots:
        amount = plain_amount(value) if "amount" in name else None
        if amount is not None:
            said.add((Kind.MONEY, amount))
        elif not _BIRTH_SLOT.search(name):
            texts.append(value)
    for text in texts:
        birth_context = _BIRTH_CONTEXT.search(text) is not None
        for entity in find_entities(text):
            fact = (entity.kind, entity.value)
            if entity.kind is Kind.DATE and (birth_context or _old(entity.value, today)):
                pii.add(fact)
            elif entity.kind in _GROUNDABLE:
                said.add(fact)
            else:
                pii.add(fact)
        if _SSN_CONTEXT.search(text):
            pii.update((Kind.SSN, m.group()) for m in _NINE_DIGITS.finditer(text))
    for value in birth_slots:
        pii.update((Kind.DATE, e.value) for e in find_entities(value) if e.kind is Kind.DATE)
    return said, pii


def _fragments(text: str) -> Iterator[str]:
    """The text and each of its sentences, normalised as :meth:`SessionFacts.unquoted` reads."""
    for piece in (text, *split_sentences(text)):
        normal = " ".join(piece.lower().split())
        if len(normal) >= _MIN_QUOTE:
            yield normal


def _old(value: str, today: date) -> bool:
    if value.startswith("--"):
        return False
    return int(value[:4]) <= today.year - _ADULT_YEARS
