"""The facts a sentence states (claim ids, amounts, dates, personal data), normalised.

Every check compares values, not spellings: "$2,840", "2840.00 dollars" and the tool's
``"2840.00"`` are one amount; "March 14, 2026", "14 March 2026" and ``2026-03-14`` one date.
Patterns run in a fixed order and each match masks its span, so the digits inside a claim
id or a date are never read again as a phone number or an amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class Kind(StrEnum):
    CLAIM_ID = "claim id"
    POLICY = "policy number"
    EMAIL = "email address"
    SSN = "social security number"
    CARD = "card number"
    DATE = "date"
    MONEY = "amount"
    PHONE = "phone number"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Entity:
    kind: Kind
    text: str
    """As written in the sentence."""
    value: str
    """Normalised: ``CLM-2026-00012``, ``2840.00``, ``2026-03-14`` (``--03-14`` without a
    year), digits only for phone, card and social security numbers, lower case otherwise."""
    start: int
    end: int


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
_FLAGS = re.IGNORECASE

CLAIM_PATTERN = r"CLM[- ]?\d{4}[- ]?\d{1,6}"
"""A claim id as written, for patterns that mention one (no groups)."""
_CLAIM = re.compile(
    r"\bCLM[- ]?(?P<year>\d{4})[- ]?(?P<number>\d{1,6})\b"
    r"|(?<![\w-])(?P<bare_year>(?:19|20)\d{2})-(?P<bare_number>\d{5})(?![\w-])",
    _FLAGS,
)
"""A claim id, also without its ``CLM-`` prefix ("2026-00012"), as a model may shorten it."""
_POLICY = re.compile(r"\bPOL[- ]?(?P<number>\d{4,8})\b", _FLAGS)
_EMAIL = re.compile(r"[\w.+*-]+@[\w-]+(?:\.[\w-]+)+")
_SSN = re.compile(r"(?<![\d-])\d{3}[- ]\d{2}[- ]\d{4}(?![\d-])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_DATES = (
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
    re.compile(r"\b(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4}|\d{2})\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b{_YEAR}", _FLAGS),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?![a-z]){_YEAR}", _FLAGS),
)
_MONEY = (
    re.compile(
        r"(?:\$|\bUSD\s?|\bUS\$\s?)\s?(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
        r"(?P<scale>\s?(?:k|thousand)\b)?",
        _FLAGS,
    ),
    re.compile(
        r"\b(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
        r"(?P<scale>\s?(?:k|thousand))?\s?(?:dollars|usd|bucks)\b",
        _FLAGS,
    ),
    re.compile(
        r"(?<![\d.,])(?P<amount>\d{1,3}(?:,\d{3})+\.\d{2}|\d{3,}\.\d{2})(?![\d.,]*\d)(?P<scale>)"
    ),
)
_PHONE = re.compile(r"(?<![\w$])\+?\(?\d(?:[\s().-]{0,2}\d){6,14}(?![\w])")
_ADDRESS = re.compile(
    r"\b(?P<number>\d{1,6})\s+(?P<street>(?:[A-Za-z]+\s+){1,3}?)"
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl"
    r"|terrace|parkway|pkwy|circle|cir)\b",
    _FLAGS,
)
_ANY_FACT = re.compile(r"[\d@]")
"""Every kind of fact has a digit, except an email address, which has an ``@``."""
_PLAIN_AMOUNT = re.compile(r"\d+(?:\.\d+)?")
_CENT = Decimal("0.01")


def money_value(text: str) -> str | None:
    """``"2,840"`` → ``"2840.00"``; None when it is not a number."""
    try:
        return str(Decimal(text.replace(",", "")).quantize(_CENT))
    except InvalidOperation:
        return None


def plain_amount(text: str) -> str | None:
    """A tool's decimal string (``"2840.00"``, ``"300"``) as a normalised amount."""
    return money_value(text) if _PLAIN_AMOUNT.fullmatch(text.strip()) else None


def find_entities(text: str) -> tuple[Entity, ...]:
    """Every fact ``text`` states, in order of position."""
    if _ANY_FACT.search(text) is None:
        return ()
    taken: list[tuple[int, int]] = []
    found: list[Entity] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(kind: Kind, match: re.Match[str], value: str | None) -> None:
        if value is None or not free(match.start(), match.end()):
            return
        taken.append((match.start(), match.end()))
        found.append(Entity(kind, match.group(), value, match.start(), match.end()))

    for match in _CLAIM.finditer(text):
        year = match["year"] or match["bare_year"]
        number = match["number"] or match["bare_number"]
        add(Kind.CLAIM_ID, match, f"CLM-{year}-{number.zfill(5)}")
    for match in _POLICY.finditer(text):
        add(Kind.POLICY, match, f"POL-{match['number']}")
    for match in _EMAIL.finditer(text):
        add(Kind.EMAIL, match, match.group().lower())
    for match in _SSN.finditer(text):
        add(Kind.SSN, match, _digits(match.group()))
    for pattern in _DATES:
        for match in pattern.finditer(text):
            add(Kind.DATE, match, _date_value(match))
    for match in _CARD.finditer(text):
        add(Kind.CARD, match, _digits(match.group()))
    for pattern in _MONEY:
        for match in pattern.finditer(text):
            add(Kind.MONEY, match, _money(match))
    for match in _PHONE.finditer(text):
        digits = _digits(match.group())
        add(Kind.PHONE, match, digits if 7 <= len(digits) <= 15 else None)
    for match in _ADDRESS.finditer(text):
        street = " ".join(match["street"].lower().split())
        add(Kind.ADDRESS, match, f"{match['number']} {street}")
    found.sort(key=lambda e: e.start)
    return tuple(found)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _money(match: re.Match[str]) -> str | None:
    value = money_value(match["amount"])
    if value is not None and match["scale"] and match["scale"].strip():
        value = str((Decimal(value) * 1000).quantize(_CENT))
    return value


def _date_value(match: re.Match[str]) -> str | None:
    month_text = match["month"].lower().rstrip(".")
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text)
    year_text = match["year"]
    if month is None:
        return None
    day = int(match["day"])
    year = int(year_text) if year_text else 2000
    if year_text and len(year_text) == 2:
        year += 2000 if year <= 50 else 1900
    try:
        parsed = date(year, month, day)
    except ValueError:
        return None
    return parsed.isoformat() if year_text else f"--{month:02d}-{day:02d}"
