"""Phone numbers, found and validated by libphonenumber (the ``phonenumbers`` port).

libphonenumber knows every country's numbering plan, so national formats starting with 0,
extensions (``345-899-3560x4587``, ``ext. 23``) and international ``+CC`` numbers are read the
way a phone would dial them. Numbers without ``+`` are read in the configured default regions.

Precision is protected around that: a number must stand alone (not inside a longer word,
id or date), a number valid in no region needs phone-like formatting (a trunk ``0``, ``+``,
brackets) or a phone word nearby, a local number of seven digits or fewer needs a phone word
("call", "mobile", "WhatsApp" …), and an unformatted number next to "order", "account",
"tracking" … is taken to be that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from colloquy.data.pii.context import ascii_alnum, context, named_as_other
from colloquy.data.pii.kinds import PiiKind, PiiSpan

__all__ = ["phones"]

_SEVEN_DIGITS = re.compile(r"(?:\d[\s().+/-]{0,3}){6}\d", re.ASCII)
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*\d+$", re.IGNORECASE)


def _stands_alone(text: str, start: int, end: int, previous_end: int) -> bool:
    """Not inside a word, an id, a date or a longer run of digit groups.

    A number right after another digit group ("1234 5698 7654 31" in a mistyped IBAN) is part
    of that run, unless the group before was itself a phone.
    """
    before = text[start - 1 : start]
    after = text[end : end + 2]
    # A "+" is distinctive enough to follow a slash: "Daragan/02152/+380671277946".
    plus_after_slash = before == "/" and text.startswith("+", start)
    if not plus_after_slash and (ascii_alnum(before) or (before and before in "-/._@&=#")):
        return False
    after_digit_group = before in (" ", "-", ".") and text[start - 2 : start - 1].isdigit()
    if after_digit_group and start - 1 != previous_end:
        return False
    glued = after[:1] in ("-", "/", ".") and after[1:2].isdigit()
    return not (ascii_alnum(after[:1]) or glued)


def _accepted(text: str, match: phonenumbers.PhoneNumberMatch, previous_end: int) -> bool:
    raw: str = match.raw_string
    if not _stands_alone(text, match.start, match.end, previous_end):
        return False
    near = context(text, match.start, match.end)
    body = _EXTENSION.sub("", raw)
    if near == "other" and (body.isdigit() or body.startswith("00")):
        return False
    if named_as_other(text, match.start) and not body.startswith(("+", "(")):
        return False
    if sum(char.isdigit() for char in body) < 7:
        return False
    number = match.number
    if len(phonenumbers.national_significant_number(number)) <= 7 and not raw.startswith("+"):
        return near == "phone"
    if phonenumbers.is_valid_number(number):
        return True
    digits = sum(char.isdigit() for char in body)
    formatted = body.startswith(("+", "(")) or (body.startswith("0") and digits >= 10)
    formatted = formatted and not body.isdigit()
    trunk_zero = body.startswith("0") and 10 <= digits <= 11
    international = body.startswith("00") and 10 <= digits <= 17
    return formatted or trunk_zero or international or near == "phone"


def _without_open_bracket(match: phonenumbers.PhoneNumberMatch) -> tuple[int, int]:
    """The match without a lone leading "(" ("line ( 09020564975)" keeps its bracket)."""
    raw: str = match.raw_string
    if raw.startswith("(") and ")" not in raw:
        return match.start + len(raw) - len(raw[1:].lstrip()), match.end
    return match.start, match.end


# Digit groups joined by single spaces: libphonenumber reads "020 7946 0958 020 7946 0959" as
# one (invalid) number, so such runs are also cut at group boundaries into valid numbers.
_SPACED_GROUPS = re.compile(r"(?<![\w+])\+?\d+(?: \d+){3,}(?!\w)", re.ASCII)


def _valid_in(part: str, regions: tuple[str, ...]) -> bool:
    for region in regions:
        try:
            number = phonenumbers.parse(part, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def _valid_pieces(
    text: str, groups: list[tuple[int, int]], regions: tuple[str, ...]
) -> list[tuple[int, int]] | None:
    """``groups`` cut into consecutive valid numbers (shortest first piece first), or None."""
    if not groups:
        return []
    for cut in range(1, len(groups) + 1):
        part = text[groups[0][0] : groups[cut - 1][1]]
        if sum(char.isdigit() for char in part) < 7 or not _valid_in(part, regions):
            continue
        rest = _valid_pieces(text, groups[cut:], regions)
        if rest is not None:
            return [(groups[0][0], groups[cut - 1][1]), *rest]
    return None


def _spaced_numbers(text: str, regions: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    for run in _SPACED_GROUPS.finditer(text):
        near = context(text, run.start(), run.end())
        if near == "other" or named_as_other(text, run.start()) or _valid_in(run.group(), regions):
            continue
        groups = [(g.start(), g.end()) for g in re.finditer(r"\+?\d+", run.group())]
        pieces = _valid_pieces(run.group(), groups, regions)
        if pieces is not None and len(pieces) > 1:
            yield from ((run.start() + start, run.start() + end) for start, end in pieces)


def phones(text: str, regions: tuple[str, ...]) -> Iterator[PiiSpan]:
    if _SEVEN_DIGITS.search(text) is None:
        return
    seen: set[tuple[int, int]] = set()
    for region in regions:
        previous_end = -1
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
            span = _without_open_bracket(match)
            if span not in seen and _accepted(text, match, previous_end):
                seen.add(span)
                previous_end = match.end
                yield PiiSpan(PiiKind.PHONE, *span)
    for span in _spaced_numbers(text, regions):
        if span not in seen:
            yield PiiSpan(PiiKind.PHONE, *span)
