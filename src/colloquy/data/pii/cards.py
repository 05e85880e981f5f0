"""Payment cards (ISO/IEC 7812): 12–19 digits, a known issuer range and a passing Luhn check.

Digits may be grouped by spaces or dashes, and customers paste several cards in one run
("4111 1111 1111 1111 5555 5555 5555 4444"): a run is split into whole groups, the longest
window that is a card is taken, and the groups on either side are searched again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from colloquy.data.pii.checksums import luhn_valid
from colloquy.data.pii.kinds import PiiKind, PiiSpan

__all__ = ["card_number", "cards"]

_ANY = tuple(range(12, 20))
_CARD_PREFIXES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    # (lowest prefix, highest prefix, allowed lengths): the networks' published IIN ranges
    ("4", "4", (13, 16, 19)),  # Visa
    ("51", "55", (16,)),  # Mastercard
    ("2221", "2720", (16,)),  # Mastercard 2-series
    ("2200", "2204", (16, 17, 18, 19)),  # Mir
    ("34", "34", (15,)),  # American Express
    ("37", "37", (15,)),
    ("300", "305", (14, 15, 16, 17, 18, 19)),  # Diners Club
    ("36", "36", (14, 15, 16, 17, 18, 19)),
    ("38", "39", (14, 15, 16, 17, 18, 19)),
    ("3528", "3589", (16, 17, 18, 19)),  # JCB
    ("6011", "6011", (16, 17, 18, 19)),  # Discover
    ("644", "649", (16, 17, 18, 19)),
    ("65", "65", (16, 17, 18, 19)),  # Discover, RuPay
    ("60", "60", (16,)),  # RuPay
    ("81", "82", (16,)),  # RuPay, UnionPay
    ("62", "62", (16, 17, 18, 19)),  # UnionPay
    ("50", "50", _ANY),  # Maestro, Verve
    ("56", "69", _ANY),  # Maestro
)
# A run may touch a comma ("4111111111111111,5555555555554444") but not a thousands or decimal
# group ("1,234", "12.50").
_DIGIT_RUN = re.compile(
    r"(?<![\w.])(?<!\d/)(?<!\d,\d{3})(?>\d+(?:[ -]\d+)*)(?![.,/]\d{1,3}(?!\d)|[./]\d)", re.ASCII
)
_GROUP = re.compile(r"\d+", re.ASCII)


def _known_issuer(digits: str) -> bool:
    for low, high, lengths in _CARD_PREFIXES:
        if len(digits) in lengths and low <= digits[: len(low)] <= high:
            return True
    return False


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
