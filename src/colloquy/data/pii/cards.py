"""Payment cards (ISO/IEC 7812): 12–19 digits, a known issuer range and a passing Luhn check.

The issuer ranges come from Braintree's maintained ``credit-card-type`` table (regenerated
into :mod:`colloquy.data.pii.card_issuers` by ``scripts/update_card_issuers.py``), plus the
few ranges listed in ``_ADDITIONS`` below.

Digits may be grouped by spaces or dashes, and customers paste several cards in one run
("4111 1111 1111 1111 5555 5555 5555 4444"): a run is split into whole groups, the longest
window that is a card is taken, and the groups on either side are searched again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from colloquy.data.pii.card_issuers import CARD_ISSUERS
from colloquy.data.pii.checksums import luhn_valid
from colloquy.data.pii.kinds import PiiKind, PiiSpan

__all__ = ["card_number", "cards"]

# Ranges the source table leaves out, each still issued and in ISO/IEC 7812's lengths.
_ADDITIONS: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("Visa (13-digit, still valid on older cards)", "4", "4", (13,)),
    ("RuPay", "81", "82", (16,)),
)


def _by_length() -> dict[int, tuple[tuple[str, str], ...]]:
    ranges: dict[int, list[tuple[str, str]]] = {}
    for _network, low, high, lengths in CARD_ISSUERS + _ADDITIONS:
        for length in lengths:
            ranges.setdefault(length, []).append((low, high))
    return {length: tuple(pairs) for length, pairs in ranges.items()}


_RANGES_BY_LENGTH = _by_length()

# A run may touch a comma ("4111111111111111,5555555555554444") but not a thousands or decimal
# group ("1,234", "12.50").
_DIGIT_RUN = re.compile(
    r"(?<![\w.])(?<!\d/)(?<!\d,\d{3})(?>\d+(?:[ -]\d+)*)(?![.,/]\d{1,3}(?!\d)|[./]\d)", re.ASCII
)
_GROUP = re.compile(r"\d+", re.ASCII)


def _known_issuer(digits: str) -> bool:
    ranges = _RANGES_BY_LENGTH.get(len(digits), ())
    return any(low <= digits[: len(low)] <= high for low, high in ranges)


def card_number(digits: str) -> bool:
    """True for 12–19 digits with a known issuer prefix for that length and a valid Luhn."""
    return 12 <= len(digits) <= 19 and _known_issuer(digits) and luhn_valid(digits)


def cards(text: str) -> Iterator[PiiSpan]:
    for run in _DIGIT_RUN.finditer(text):
        if run.end() - run.start() < 12:
            continue
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, run.start(), run.end())]
        for start, end in _card_windows(text, groups):
            yield PiiSpan(PiiKind.CARD, start, end)


def _card_windows(text: str, groups: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Every card in a run of digit groups: the longest (leftmost) first, then either side."""
    for size in range(len(groups), 0, -1):
        for first in range(len(groups) - size + 1):
            window = groups[first : first + size]
            length = sum(end - start for start, end in window)
            # A 12-digit card inside a longer run is more often a coincidence than a card.
            if not (12 if size == len(groups) else 13) <= length <= 19:
                continue
            if card_number("".join(text[start:end] for start, end in window)):
                yield from _card_windows(text, groups[:first])
                yield window[0][0], window[-1][1]
                yield from _card_windows(text, groups[first + size :])
                return
