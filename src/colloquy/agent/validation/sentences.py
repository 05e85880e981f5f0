"""Cutting a reply into sentences, the unit every check judges and every fix replaces.

A regex split on ``[.!?]`` breaks "Dr. Lee", "$1,200.50" and "e.g. a dent" into pieces a
check would misread, so the reply is scanned once: a run of terminal punctuation ends a
sentence only when whitespace (or the end) follows, the word before it is not a title
("Dr.") nor a soft abbreviation ("a.m.") before a lower-case word, and, for an ellipsis,
the next word starts with a capital letter. Line breaks always end a sentence (a bullet
list reads as one sentence per line).
"""

from __future__ import annotations

import re

_TITLES = frozenset(
    {"dr", "mr", "mrs", "ms", "st", "jr", "sr", "vs", "e.g", "i.e", "approx", "apt"}
)
"""Never end a sentence: a name or an example always follows."""
_SOFT = frozenset(
    {"etc", "inc", "ltd", "co", "a.m", "p.m", "u.s", "ave"}
    | {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
"""End a sentence only when a capitalised word follows ("at 9 a.m. Today …")."""
_TERMINAL = re.compile(r"(?:\.\.\.|…|[.!?])+[\"')\]]*")
_WORD_BEFORE = re.compile(r"([A-Za-z](?:[A-Za-z.]*[A-Za-z])?)$")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def split_sentences(text: str) -> tuple[str, ...]:
    """The reply's sentences, stripped, in order; empty pieces are left out."""
    out: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip()
        if line:
            out.extend(_split_line(line))
    return tuple(out)


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _TERMINAL.finditer(line):
        end = match.end()
        if end < len(line) and not line[end].isspace():
            continue
        if not _ends_sentence(line, match, start):
            continue
        piece = line[start:end].strip()
        if piece:
            pieces.append(piece)
        start = end
    rest = line[start:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _ends_sentence(line: str, match: re.Match[str], start: int) -> bool:
    mark = match.group()
    following = line[match.end() :].lstrip()
    if mark.startswith(("...", "…")):
        return not following or following[0].isupper()
    if mark.startswith("."):
        found = _WORD_BEFORE.search(line[start : match.start()])
        word = found.group(1) if found is not None else ""
        if word.lower() in _TITLES or (len(word) == 1 and word.isupper()):
            return False
        if word.lower() in _SOFT:
            return following[:1].isupper()
        if word.lower() == "no" and following[:1].isdigit():
            return False
    return True
