"""IBANs: a registered country code, that country's length, and a passing mod-97 check."""

from __future__ import annotations

import re
from collections.abc import Iterator

from colloquy.data.pii.checksums import IBAN_LENGTHS, iban_valid
from colloquy.data.pii.context import ascii_alnum
from colloquy.data.pii.kinds import PiiKind, PiiSpan

__all__ = ["ibans"]

# Two letters and two digits; the letters are checked against the registry afterwards (an
# alternation of every country code in the pattern is several times slower).
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d\d(?=[ -]?[A-Za-z0-9])", re.ASCII)


def _end_after_alnum(text: str, start: int, count: int) -> int | None:
    """Where ``count`` letters/digits from ``start`` end, single spaces or dashes between."""
    position, seen = start, 0
    while seen < count:
        if position >= len(text):
            return None
        char = text[position]
        if ascii_alnum(char):
            seen += 1
        elif char not in " -" or seen == 0 or not ascii_alnum(text[position + 1 : position + 2]):
            return None
        position += 1
    return position


def ibans(text: str) -> Iterator[PiiSpan]:
    for match in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(match.group()[:2].upper())
        if length is None:
            continue
        start = match.start()
        end = _end_after_alnum(text, start, length)
        if end is None or ascii_alnum(text[end : end + 1]):
            continue
        if iban_valid(text[start:end]):
            yield PiiSpan(PiiKind.IBAN, start, end)
