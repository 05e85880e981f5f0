"""PII masking for conversation text, with typed placeholders.

Support chats are full of personal data customers volunteer: "my card 4111 1111 1111 1111 got
charged twice", "call me on 07700 900123". Before text is stored, shown on a dashboard or fed
to a model, that data must go — but a model still benefits from knowing *that* a phone number
was there, so each match is replaced by a typed placeholder (``<EMAIL>``, ``<PHONE>``,
``<CARD>``, ``<IBAN>``, ``<IP>``) rather than deleted.

Precision matters as much as recall: masking every long number would also destroy the order
numbers, prices, dates and tracking numbers that the conversation is about. So the detectors
validate what they find:

* cards: 13–19 digits (spaces or dashes allowed), a known issuer prefix for that length, and a
  passing **Luhn** checksum — a 16-digit number that fails Luhn is not a card;
* IBANs: a registered country code, that country's IBAN length, check digits 02–98 and a
  passing **ISO 13616 mod-97** check, with or without spaces;
* IPv4: four octets each ≤ 255 without leading zeros; IPv6: whatever :mod:`ipaddress` accepts;
* phones: international ``+CC`` / ``(+CC)`` / ``00CC`` numbers with 8–15 digits (E.164),
  North-American ``(555) 123-4567`` / ``555-123-4567`` / ``555.123.4567`` / ``1-800-…``,
  trunk-0 national numbers (UK ``07700 900123``, ``020 7946 0958``, FR ``06 12 34 56 78``)
  and — only next to a phone word such as "call", "mobile" or "WhatsApp" — a bare 10-digit
  North-American number or a 7-digit local ``555-0134``. An unformatted number (or a ``00…``
  one) next to "order", "account", "tracking" … is taken to be that, not a phone; years,
  prices, times, dates and numbers of fewer than 7 digits never match.

Version numbers: ``1.2.3.4`` is a valid IPv4 address, so a dotted quad counts as an IP unless
it directly follows a version word (``version``, ``build``, ``firmware``, ``iOS``, ``updated
to`` …) or a ``v`` (``v1.2.3.4``). Masking errs on the side of privacy otherwise.

Detectors work on ASCII digits; run :mod:`colloquy.data.clean` (NFKC) first to fold
full-width digits. Text in other scripts may touch a match: ``カード4111111111111111です``.

When matches overlap, the kind earlier in :data:`PRIORITY` wins (IBAN, card, email, IP, phone),
then the longer match: an IBAN contains digit runs that look like phone numbers, a card number
contains ones that look like phone numbers too.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from colloquy.schema.conversation import Conversation, Turn

__all__ = [
    "IBAN_LENGTHS",
    "PRIORITY",
    "MaskResult",
    "PiiConfig",
    "PiiKind",
    "PiiMasker",
    "PiiSpan",
    "detect_pii",
    "iban_valid",
    "luhn_valid",
    "mask_conversation",
    "mask_text",
]


class PiiKind(StrEnum):
    """The kinds of personal data colloquy masks."""

    EMAIL = "email"
    PHONE = "phone"
    CARD = "card"
    IBAN = "iban"
    IP = "ip"


PRIORITY: tuple[PiiKind, ...] = (
    PiiKind.IBAN,
    PiiKind.CARD,
    PiiKind.EMAIL,
    PiiKind.IP,
    PiiKind.PHONE,
)
"""Which kind wins when two matches overlap: earlier beats later."""
_RANK = {kind: rank for rank, kind in enumerate(PRIORITY)}


class PiiConfig(BaseModel):
    """Which kinds to mask and what to put in their place."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kinds: frozenset[PiiKind] = frozenset(PiiKind)
    """The kinds to detect and mask; the others are left in the text."""
    placeholder: str = "<{kind}>"
    """What replaces a match; ``{kind}`` becomes EMAIL, PHONE, CARD, IBAN or IP."""

    @field_validator("placeholder")
    @classmethod
    def _formattable(cls, value: str) -> str:
        if "{kind}" not in value:
            raise ValueError("placeholder must contain '{kind}', e.g. '<{kind}>' or '[{kind}]'")
        try:
            value.format(kind="EMAIL")
        except (IndexError, KeyError, ValueError) as exc:
            raise ValueError(
                f"placeholder {value!r} is not a valid format string with only {{kind}}: {exc}"
            ) from None
        return value

    def placeholder_for(self, kind: PiiKind) -> str:
        """The placeholder text for ``kind``, e.g. ``<CARD>``."""
        return self.placeholder.format(kind=kind.name)


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One match: ``text[start:end]`` of the *original* text is personal data of ``kind``."""

    kind: PiiKind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MaskResult:
    """The masked text and the matches found in the original (sorted by position)."""

    text: str
    spans: tuple[PiiSpan, ...]

    def counts(self) -> dict[str, int]:
        """How many matches of each kind (only kinds that occurred)."""
        return dict(Counter(span.kind.value for span in self.spans))


# --- checksums ----------------------------------------------------------------------------------


def luhn_valid(number: str) -> bool:
    """True when the digits of ``number`` (spaces and dashes ignored) pass the Luhn check."""
    digits = number.replace(" ", "").replace("-", "")
    if len(digits) < 2 or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
"""IBAN length per country (SWIFT IBAN registry)."""


def iban_valid(iban: str) -> bool:
    """True for a well-formed IBAN (spaces, dashes and case ignored) passing ISO 13616 mod-97."""
    compact = iban.replace(" ", "").replace("-", "").upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    if not compact[2:4].isdigit() or not 2 <= int(compact[2:4]) <= 98:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


_CARD_PREFIXES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    # (lowest prefix, highest prefix, allowed lengths)
    ("4", "4", (13, 16, 19)),  # Visa
    ("51", "55", (16,)),  # Mastercard
    ("2221", "2720", (16,)),  # Mastercard 2-series
    ("34", "34", (15,)),  # American Express
    ("37", "37", (15,)),
    ("300", "305", (14, 15, 16, 17, 18, 19)),  # Diners Club
    ("36", "36", (14, 15, 16, 17, 18, 19)),
    ("38", "39", (14, 15, 16, 17, 18, 19)),
    ("3528", "3589", (16, 17, 18, 19)),  # JCB
    ("6011", "6011", (16, 17, 18, 19)),  # Discover
    ("644", "649", (16, 17, 18, 19)),
    ("65", "65", (16, 17, 18, 19)),
    ("62", "62", (16, 17, 18, 19)),  # UnionPay
    ("50", "50", tuple(range(13, 20))),  # Maestro
    ("56", "69", tuple(range(13, 20))),
)


def _known_issuer(digits: str) -> bool:
    for low, high, lengths in _CARD_PREFIXES:
        if len(digits) in lengths and low <= digits[: len(low)] <= high:
            return True
    return False


def _card_number(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and _known_issuer(digits) and luhn_valid(digits)


# --- detectors ----------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])",
    re.ASCII,
)


def _emails(text: str) -> Iterator[PiiSpan]:
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        yield PiiSpan(PiiKind.EMAIL, match.start(), match.end())


_IBAN_START = re.compile(
    rf"(?<![A-Za-z0-9])(?:{'|'.join(IBAN_LENGTHS)})\d\d(?=[ -]?[A-Za-z0-9])",
    re.IGNORECASE | re.ASCII,
)


def _ascii_alnum(char: str) -> bool:
    """True for one ASCII letter or digit (False for "" and for other scripts)."""
    return char.isascii() and char.isalnum()


def _end_after_alnum(text: str, start: int, count: int) -> int | None:
    """Where ``count`` letters/digits from ``start`` end, single spaces or dashes between."""
    position, seen = start, 0
    while seen < count:
        if position >= len(text):
            return None
        char = text[position]
        if _ascii_alnum(char):
            seen += 1
        elif char not in " -" or seen == 0 or not _ascii_alnum(text[position + 1 : position + 2]):
            return None
        position += 1
    return position


def _ibans(text: str) -> Iterator[PiiSpan]:
    for match in _IBAN_START.finditer(text):
        start = match.start()
        end = _end_after_alnum(text, start, IBAN_LENGTHS[match.group()[:2].upper()])
        if end is None or _ascii_alnum(text[end : end + 1]):
            continue
        if iban_valid(text[start:end]):
            yield PiiSpan(PiiKind.IBAN, start, end)


_DIGIT_RUN = re.compile(r"(?<![\w.])(?<!\d[,/])(?>\d+(?:[ -]\d+)*)(?![.,/]\d)", re.ASCII)
_GROUP = re.compile(r"\d+", re.ASCII)


def _cards(text: str) -> Iterator[PiiSpan]:
    for run in _DIGIT_RUN.finditer(text):
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, run.start(), run.end())]
        span = _card_window(text, groups)
        if span is not None:
            yield PiiSpan(PiiKind.CARD, *span)


def _card_window(text: str, groups: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The longest run of whole digit groups (leftmost on ties) that is a card number."""
    for size in range(len(groups), 0, -1):
        for first in range(len(groups) - size + 1):
            window = groups[first : first + size]
            if not 13 <= sum(end - start for start, end in window) <= 19:
                continue
            if _card_number("".join(text[start:end] for start, end in window)):
                return window[0][0], window[-1][1]
    return None


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\w|\.\d)", re.ASCII)
_VERSION_BEFORE = re.compile(
    r"\b(?:version|ver|build|firmware|fw|ios|ipados|macos|android|os|release|patch|driver|bios"
    r"|app|software|(?:up|down)grade[ds]?|updated?|updating|upgrading|downgrading)\b\.?"
    r"(?:\s+(?:is|was|no\.?|number|to|from))?\s*[:#]?\s*$",
    re.IGNORECASE,
)
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]+(?:\.\d{1,3}){0,3}", re.ASCII
)


def _ipv4s(text: str) -> Iterator[PiiSpan]:
    for match in _IPV4.finditer(text):
        if not _VERSION_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            yield PiiSpan(PiiKind.IP, match.start(), match.end())


def _ipv6_end(text: str, start: int, end: int) -> int | None:
    candidate = text[start:end]
    for trimmed in (candidate, candidate[:-1] if candidate.endswith(":") else ""):
        if not trimmed or not any(c not in ":." for c in trimmed):
            continue
        try:
            ipaddress.IPv6Address(trimmed)
        except ValueError:
            continue
        return start + len(trimmed)
    return None


def _ipv6s(text: str) -> Iterator[PiiSpan]:
    if "::" not in text and text.count(":") < 7:
        return
    for match in _IPV6_CANDIDATE.finditer(text):
        end = _ipv6_end(text, match.start(), match.end())
        if end is not None and not _ascii_alnum(text[end : end + 1]):
            yield PiiSpan(PiiKind.IP, match.start(), end)


def _ips(text: str) -> Iterator[PiiSpan]:
    yield from _ipv4s(text)
    if ":" in text:
        yield from _ipv6s(text)


# Phones. Each pattern may not start inside a longer number or word, nor end before more digits.
_PHONE_START = r"(?<![\w+@.,/-])(?<!\d[ .])"
_PHONE_END = r"(?![\w@]|[.,/-]\d|[ .-]\d)"
# International: +44 20 7946 0958, +44 (0)20 7946 0958, +1 (555) 010-4477, 0044 20 7946 0958.
# A "+" is distinctive enough to follow a slash or a dash: "02152/+380671277946".
_INTERNATIONAL = re.compile(
    rf"(?:(?<![\w+@])(?:\(\+[1-9]\d{{0,2}}\)|\+[1-9]\d{{0,2}})|{_PHONE_START}00[1-9]\d{{0,2}})"
    rf"(?:[ .-]?\(0\))?(?:[ .-]?\(\d{{1,5}}\)|[ .-]?\d{{1,5}}){{1,6}}{_PHONE_END}",
    re.ASCII,
)
_INTERNATIONAL_PREFIX = re.compile(r"^\(?(?:\+|00)|\(0\)")
_NATIONAL_PATTERNS: tuple[re.Pattern[str], ...] = (
    # North America: (555) 123-4567, 555-123-4567, 555.123.4567, 1-800-555-0199.
    re.compile(
        rf"{_PHONE_START}(?:1[ .-])?(?:\(\d{{3}}\)[ .-]?|\d{{3}}[ .-])\d{{3}}[ .-]\d{{4}}"
        rf"{_PHONE_END}",
        re.ASCII,
    ),
    # Trunk-0 national numbers: 07700 900123, 020 7946 0958, 0161 496 0000, 08070635658.
    re.compile(rf"{_PHONE_START}0[1-9]\d{{1,3}}[ -]?\d{{3,4}}[ -]?\d{{3,4}}{_PHONE_END}", re.ASCII),
    # Pairs after a trunk 0: 06 12 34 56 78, 01.23.45.67.89.
    re.compile(rf"{_PHONE_START}0[1-9]([ .-])\d\d(?:\1\d\d){{3}}{_PHONE_END}", re.ASCII),
)
# Numbers that are phones only when a phone word ("call", "mobile", "WhatsApp" …) is nearby:
# a bare North-American 10-digit number, a 7-digit local number such as 555-0134.
_CONTEXT_ONLY_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"{_PHONE_START}1?[2-9]\d\d[2-9]\d{{6}}{_PHONE_END}", re.ASCII),
    re.compile(rf"{_PHONE_START}[2-9]\d\d[.-]\d{{4}}{_PHONE_END}", re.ASCII),
)
_CONTEXT_WORD = re.compile(
    r"\b(?:(?P<phone>call(?:ed|ing)?|phone|mobile|cell|tel|telephone|text|sms|whatsapp|reach"
    r"|contact|ring|dial|fax|landline)|(?P<other>order|account|acct|tracking|track|ref"
    r"|reference|case|ticket|invoice|confirmation|booking|member|customer|id|serial|imei"
    r"|transaction|claim|policy|po))\b",
    re.IGNORECASE,
)


def _context(text: str, start: int, end: int) -> str | None:
    """``phone``, ``other`` or None: the nearest keyword's kind.

    The last keyword in the 40 characters before the number decides; failing one, the first
    in the 25 characters after ("send it to 9876543210 on WhatsApp").
    """
    before = list(_CONTEXT_WORD.finditer(text, max(0, start - 40), start))
    if before:
        return before[-1].lastgroup
    after = _CONTEXT_WORD.search(text, end, end + 25)
    return after.lastgroup if after is not None else None


def _digit_count(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _international_phones(text: str) -> Iterator[PiiSpan]:
    for match in _INTERNATIONAL.finditer(text):
        # E.164: at most 15 digits; the "00"/"+" prefix and a "(0)" do not count.
        if not 8 <= _digit_count(_INTERNATIONAL_PREFIX.sub("", match.group())) <= 15:
            continue
        # "account 0045 2231 9087": a 00 prefix after "account", "order" … is not dialling.
        if match.group().startswith("00") and _context(text, *match.span()) == "other":
            continue
        yield PiiSpan(PiiKind.PHONE, match.start(), match.end())


def _national_phones(text: str) -> Iterator[PiiSpan]:
    for pattern in _NATIONAL_PATTERNS:
        for match in pattern.finditer(text):
            # An unformatted number next to "order", "account" … is that, not a phone.
            if match.group().isdigit() and _context(text, *match.span()) == "other":
                continue
            yield PiiSpan(PiiKind.PHONE, match.start(), match.end())
    for pattern in _CONTEXT_ONLY_PATTERNS:
        for match in pattern.finditer(text):
            if _context(text, *match.span()) == "phone":
                yield PiiSpan(PiiKind.PHONE, match.start(), match.end())


def _phones(text: str) -> Iterator[PiiSpan]:
    yield from _international_phones(text)
    yield from _national_phones(text)


_DETECTORS: dict[PiiKind, Callable[[str], Iterator[PiiSpan]]] = {
    PiiKind.EMAIL: _emails,
    PiiKind.PHONE: _phones,
    PiiKind.CARD: _cards,
    PiiKind.IBAN: _ibans,
    PiiKind.IP: _ips,
}
_NEEDS_DIGIT = frozenset({PiiKind.PHONE, PiiKind.CARD, PiiKind.IBAN})


# --- masking ------------------------------------------------------------------------------------


def _resolve(candidates: list[PiiSpan]) -> tuple[PiiSpan, ...]:
    """Non-overlapping spans: higher-priority kinds first, then longer, then earlier."""
    ordered = sorted(candidates, key=lambda s: (_RANK[s.kind], s.start - s.end, s.start))
    kept: list[PiiSpan] = []
    for span in ordered:
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return tuple(sorted(kept, key=lambda s: s.start))


@lru_cache(maxsize=16)
def _ordered_kinds(kinds: frozenset[PiiKind]) -> tuple[PiiKind, ...]:
    return tuple(kind for kind in PRIORITY if kind in kinds)


def detect_pii(text: str, config: PiiConfig | None = None) -> tuple[PiiSpan, ...]:
    """The personal data in ``text``: non-overlapping spans sorted by position."""
    config = config or _DEFAULT_CONFIG
    has_digit = any(char.isdigit() for char in text)
    candidates: list[PiiSpan] = []
    for kind in _ordered_kinds(config.kinds):
        if kind in _NEEDS_DIGIT and not has_digit:
            continue
        candidates.extend(_DETECTORS[kind](text))
    return _resolve(candidates)


def mask_text(text: str, config: PiiConfig | None = None) -> MaskResult:
    """``text`` with each match replaced by its placeholder, and the matches found."""
    config = config or _DEFAULT_CONFIG
    spans = detect_pii(text, config)
    if not spans:
        return MaskResult(text, ())
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(config.placeholder_for(span.kind))
        position = span.end
    pieces.append(text[position:])
    return MaskResult("".join(pieces), spans)


_DEFAULT_CONFIG = PiiConfig()


class PiiMasker:
    """Masks conversations with one configuration and counts the matches of each kind."""

    def __init__(self, config: PiiConfig | None = None) -> None:
        self.config = config or _DEFAULT_CONFIG
        self._counts: Counter[str] = Counter()
        self._turns_changed = 0

    @property
    def counts(self) -> dict[str, int]:
        """Matches masked so far, per kind (every enabled kind present, zeros included)."""
        return {kind.value: self._counts[kind.value] for kind in _ordered_kinds(self.config.kinds)}

    def apply(self, conversation: Conversation) -> Conversation:
        """``conversation`` with every turn's text masked; ids, speakers and the rest kept."""
        turns = tuple(self._mask_turn(turn) for turn in conversation.turns)
        if all(new is old for new, old in zip(turns, conversation.turns, strict=True)):
            return conversation
        return conversation.model_copy(update={"turns": turns})

    def record(self) -> dict[str, Any]:
        """``{config, counts, turns_changed}`` as JSON-serialisable data."""
        return {
            "config": {
                "kinds": [kind.value for kind in _ordered_kinds(self.config.kinds)],
                "placeholder": self.config.placeholder,
            },
            "counts": self.counts,
            "turns_changed": self._turns_changed,
        }

    def _mask_turn(self, turn: Turn) -> Turn:
        result = mask_text(turn.text, self.config)
        if not result.spans:
            return turn
        self._counts.update(span.kind.value for span in result.spans)
        self._turns_changed += 1
        return turn.model_copy(update={"text": result.text})


def mask_conversation(conversation: Conversation, config: PiiConfig | None = None) -> Conversation:
    """``conversation`` with every turn's text masked (use :class:`PiiMasker` for counts)."""
    return PiiMasker(config).apply(conversation)
