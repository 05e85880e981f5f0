"""Sentences out of a reply, and out of a token stream as it arrives.

The voice channel speaks, and the validator checks, one sentence at a time, so a streamed
reply is handed on in whole sentences. A boundary is ``.``, ``!`` or ``?`` (and any closing
quote) followed by white space and not by a lower-case letter; the dot of a title ("Dr."),
of an initial or of a number ("$1,200.50") is not one, and neither is anything inside a
claim id ("CLM-2026-00012").
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"([.!?][\"'”’)]*)\s+(?=(\S?))")
_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "st", "jr", "sr", "no", "vs", "etc", "e.g", "i.e", "approx", "inc"}
)


def _ends_sentence(text: str) -> bool:
    """Whether ``text`` (ending in . ! or ?) ends a sentence rather than an abbreviation."""
    if text.endswith(("!", "?", "...", "…")):
        return True
    word = text.rsplit(None, 1)[-1].rstrip(".").lower() if text.strip() else ""
    if word in _ABBREVIATIONS:
        return False
    return not (len(word) == 1 and word.isalpha())


def _cut(text: str) -> tuple[list[str], str]:
    """The complete sentences of ``text`` and what follows the last boundary."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        piece = text[start : match.end(1)]
        if match.group(2).islower() or not _ends_sentence(piece.rstrip("\"'”’)")):
            continue
        if piece.strip():
            sentences.append(piece.strip())
        start = match.end()
    return sentences, text[start:]


def split_sentences(text: str) -> list[str]:
    """``text`` cut into sentences, each stripped; empty pieces are dropped."""
    sentences, rest = _cut(text)
    return [*sentences, rest.strip()] if rest.strip() else sentences


class SentenceBuffer:
    """Collects streamed text and gives back each sentence as soon as it is complete.

    A sentence is complete once white space follows its final mark, so the last one
    waits for more text or for :meth:`flush`.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, delta: str) -> list[str]:
        """Add ``delta``; return the sentences it completed (often none)."""
        sentences, self._pending = _cut(self._pending + delta)
        return sentences

    def flush(self) -> list[str]:
        """The sentences still held (the stream ended)."""
        rest, self._pending = self._pending, ""
        return split_sentences(rest)
