"""Plain-text transcripts: ``Speaker: text`` lines, with or without clock offsets.

Dialers and meeting tools export lines such as ``[00:01:02] Name: text``,
``00:01:02 Name: text``, ``[Name] text`` or ``(Name) text`` (Google Meet), and some put
the clock alone on a line before the speakers it applies to. Others write a heading line
per turn with the text below it: ``Name  0:03`` (Otter), ``Name (00:03):`` (Rev),
``[Name] 10:01:02`` (Zoom's text transcript). A line that names nobody continues the
previous turn, so ``It shows two charges: …`` stays inside its turn.
"""

from __future__ import annotations

import re

from colloquy.data.loaders.transcript_formats.cues import CLOCK, Cue, Label, is_clock, parse_clock
from colloquy.data.loaders.transcript_formats.speakers import looks_like_name, split_caption_line

_LEADING_CLOCK = re.compile(rf"^\s*(?:\[(?P<bracket>{CLOCK})\]|(?P<bare>{CLOCK})(?=\s))\s*")
_HEADING = re.compile(
    rf"^\s*(?:\[(?P<enclosed>[^\]]+)\]|(?P<name>[^\W\d_][\w .'\-]{{0,40}}?))"
    rf"\s*(?:\((?P<paren>{CLOCK})\)|(?P<clock>{CLOCK}))\s*:?\s*$"
)


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
        heading = _heading(line, raw)
        if heading is not None:
            cues.append(heading)
            pending = None
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


def _heading(line: int, raw: str) -> Cue | None:
    """A ``Name  0:03`` style heading: a speaker and a clock with the text on later lines."""
    match = _HEADING.match(raw)
    if match is None:
        return None
    name = (match["enclosed"] or match["name"]).strip()
    if not looks_like_name(name):
        return None
    offset = parse_clock(match["paren"] or match["clock"])
    return Cue(line, "", offset, None, None, (Label(name, "heading"),))


__all__ = ["read_plain"]
