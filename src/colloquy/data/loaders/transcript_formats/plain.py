"""Plain-text transcripts: ``Speaker: text`` lines, with or without clock offsets.

Dialers and meeting tools export lines such as ``[00:01:02] Name: text``,
``00:01:02 Name: text``, ``[Name] text`` or ``(Name) text`` (Google Meet), and some put
the clock alone on a line before the speakers it applies to. A line that names nobody
continues the previous turn, so ``It shows two charges: …`` stays inside its turn.
"""

from __future__ import annotations

import re

from colloquy.data.loaders.transcript_formats.cues import CLOCK, Cue, is_clock, parse_clock
from colloquy.data.loaders.transcript_formats.speakers import split_caption_line

_LEADING_CLOCK = re.compile(rf"^\s*(?:\[(?P<bracket>{CLOCK})\]|(?P<bare>{CLOCK})(?=\s))\s*")


def read_plain(text: str) -> list[Cue]:
    """One cue per non-blank line; a clock alone on a line times the next cue."""
    cues: list[Cue] = []
    pending: float | None = None
    for line, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip().strip("[]")
        if not stripped:
            continue
        if is_clock(stripped):
            pending = parse_clock(stripped)
            continue
        offset = pending
        body = raw
        clock = _LEADING_CLOCK.match(raw)
        if clock is not None:
            offset = parse_clock(clock["bracket"] or clock["bare"])
            body = raw[clock.end() :]
        parsed = split_caption_line(body)
        candidates = (parsed.candidate,) if parsed.candidate is not None else ()
        if candidates:
            cues.append(Cue(line, parsed.text, offset, None, None, candidates))
            pending = None
        else:
            cues.append(Cue(line, body.strip(), offset if clock is not None else None))
    return cues


__all__ = ["read_plain"]
