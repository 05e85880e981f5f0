"""Slot filling: typed patterns first (deterministic, microseconds), the LLM for the rest.

Claim ids, policy numbers, dates, phone numbers, amounts, e-mail addresses and choices have
shapes a regular expression finds and normalises. Free-text slots, and typed ones phrased
in words ("the fifth of March"), go to the LLM's structured output when a client is given,
constrained to the slots still missing. Without an LLM, a free-text slot the caller was
just asked for takes the caller's whole answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, create_model

from colloquy.agent.journeys.records import Slot, SlotType
from colloquy.errors import LLMError
from colloquy.llm import CallOptions, ChatMessage, LLMClient

Source = Literal["pattern", "llm", "answer"]

_CLAIM = re.compile(r"\b(CLM)[-\s]?(\d{4})[-\s]?(\d{3,6})\b", re.IGNORECASE)
_SPELT_CLAIM = re.compile(r"\bC\s?L\s?M\s?((?:\d\s?){8,10})(?!\d)", re.IGNORECASE)
_POLICY = re.compile(r"\b(POL|PL)[-\s]?(\d{5,10})\b", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\d-])(?:\+?1[\s.-]?)?(?:\(?\d{3}\)?[\s.-]?)?\d{3}[\s.-]?\d{4}(?![\d-])")
_AMOUNT = re.compile(
    r"(?:\$\s?(\d[\d,]*(?:\.\d{1,2})?)(?:\s?(k|thousand))?)"
    r"|(?:\b(\d[\d,]*(?:\.\d{1,2})?)\s?(k|thousand)?\s?(?:dollars|usd)\b)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASHED = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_WORDED = re.compile(
    r"\b("
    + "|".join(m[:3] for m in _MONTHS)
    + r")[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b",
    re.IGNORECASE,
)
_RELATIVE = {"today": 0, "yesterday": 1}


@dataclass(frozen=True, slots=True)
class SlotFill:
    """Values found in one message, where each came from, and what is still missing."""

    values: Mapping[str, str]
    sources: Mapping[str, Source]
    missing: tuple[str, ...]
    llm_calls: int = 0


def extract(slot: Slot, message: str, *, today: date | None = None) -> str | None:
    """The normalised value of ``slot`` in ``message`` by pattern, or None."""
    kind = slot.type
    if kind is SlotType.CLAIM_ID:
        return _claim_id(message)
    if kind is SlotType.POLICY_NUMBER:
        m = _POLICY.search(message)
        return f"{m.group(1).upper()}-{m.group(2)}" if m else None
    if kind is SlotType.PHONE:
        return _phone(message)
    if kind is SlotType.AMOUNT:
        return _amount(message)
    if kind is SlotType.EMAIL:
        m = _EMAIL.search(message)
        return m.group(0).lower() if m else None
    if kind is SlotType.DATE:
        return _date(message, today or date.today())
    if kind is SlotType.CHOICE:
        lowered = message.lower()
        hits = [c for c in slot.choices if re.search(rf"\b{re.escape(c.lower())}\b", lowered)]
        return hits[0] if len(hits) == 1 else None
    return None


@dataclass
class SlotFiller:
    """Fills a state's slots from a message; ``llm`` (optional) handles what patterns miss."""

    llm: LLMClient | None = None
    options: CallOptions = field(
        default_factory=lambda: CallOptions(temperature=0, max_tokens=200, seed=0)
    )

    def fill(
        self,
        message: str,
        slots: Sequence[Slot],
        *,
        known: Mapping[str, str] | None = None,
        asked: str | None = None,
        today: date | None = None,
    ) -> SlotFill:
        """Fill ``slots`` not in ``known``; ``asked`` is the slot the last prompt asked for."""
        known = dict(known or {})
        values: dict[str, str] = {}
        sources: dict[str, Source] = {}
        pending = [s for s in slots if s.name not in known]
        for slot in pending:
            if not _unambiguous(slot, pending, asked):
                continue
            value = extract(slot, message, today=today)
            if value is not None:
                values[slot.name] = value
                sources[slot.name] = "pattern"
        open_slots = [s for s in slots if s.name not in known and s.name not in values]
        calls = 0
        if open_slots and self.llm is not None:
            calls = 1
            for name, value in self._ask_llm(message, open_slots).items():
                values[name] = value
                sources[name] = "llm"
        elif asked is not None and message.strip():
            wanted = next((s for s in open_slots if s.name == asked), None)
            if wanted is not None and wanted.type is SlotType.TEXT:
                values[wanted.name] = message.strip()
                sources[wanted.name] = "answer"
        missing = tuple(s.name for s in slots if s.name not in known and s.name not in values)
        return SlotFill(values, sources, missing, calls)

    def _ask_llm(self, message: str, slots: Sequence[Slot]) -> dict[str, str]:
        assert self.llm is not None
        fields: dict[str, object] = {s.name: (str | None, None) for s in slots}
        model: type[BaseModel] = create_model("Slots", **fields)  # type: ignore[call-overload]
        described = "\n".join(
            f"- {s.name} ({s.type.value}"
            + (f": one of {', '.join(s.choices)}" if s.choices else "")
            + f"): {s.description or s.prompt}"
            for s in slots
        )
        messages = [
            ChatMessage.system(
                "Extract these fields from the customer's message. Use null for a field the "
                "message does not state; never guess.\n" + described
            ),
            ChatMessage.user(message),
        ]
        try:
            answer = self.llm.structured(messages, model, max_repairs=1, options=self.options)
        except LLMError:
            return {}
        out: dict[str, str] = {}
        for slot in slots:
            raw = getattr(answer.value, slot.name, None)
            if not isinstance(raw, str) or not raw.strip():
                continue
            typed = extract(slot, raw) if slot.type is not SlotType.TEXT else raw.strip()
            if typed is not None:
                out[slot.name] = typed
        return out


def _unambiguous(slot: Slot, pending: Sequence[Slot], asked: str | None) -> bool:
    """A pattern value may fill ``slot`` only when no other open slot shares its type.

    One date in "born 1984-03-12" must not fill both the birth date and the incident date;
    when two open slots share a type, the one just asked for wins, else the LLM decides.
    """
    if slot.type is SlotType.TEXT:
        return False
    rivals = [s for s in pending if s.type is slot.type and s.name != slot.name]
    return not rivals or slot.name == asked


def _claim_id(message: str) -> str | None:
    """A claim id as written, or as speech-to-text writes one spelt out on the phone
    ("C L M 2 0 2 6 0 0 0 2") or with a zero too many or too few ("CLM-2026-000002");
    claim numbers are five digits with leading zeros."""
    m = _CLAIM.search(message)
    if m is not None:
        return f"CLM-{m.group(2)}-{int(m.group(3)):05d}"
    spelt = _SPELT_CLAIM.search(message)
    if spelt is None:
        return None
    digits = re.sub(r"\D", "", spelt.group(1))
    return f"CLM-{digits[:4]}-{int(digits[4:]):05d}"


def _phone(message: str) -> str | None:
    """``+1`` and the digits (the desk stores ``+1`` plus 7 or 10 digits)."""
    for m in _PHONE.finditer(message):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) in (8, 11) and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) in (7, 10):
            return "+1" + digits
    return None


def _amount(message: str) -> str | None:
    m = _AMOUNT.search(message)
    if not m:
        return None
    number, scale = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    value = float(number.replace(",", "")) * (1000 if scale else 1)
    return f"{value:.2f}"


def _date(message: str, today: date) -> str | None:
    if m := _ISO.search(message):
        return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _SLASHED.search(message):
        return _valid(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    if m := _WORDED.search(message):
        month = [x[:3] for x in _MONTHS].index(m.group(1).lower()[:3]) + 1
        return _valid(int(m.group(3)), month, int(m.group(2)))
    lowered = message.lower()
    for word, days in _RELATIVE.items():
        if re.search(rf"\b{word}\b", lowered):
            return (today - timedelta(days=days)).isoformat()
    return None


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None
