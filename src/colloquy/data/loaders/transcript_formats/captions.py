"""Caption files: WebVTT (Teams and Zoom exports included), SRT and YouTube ``.sbv``.

All three are blank-line separated blocks of a timing line and payload lines (WebVTT and
SRT allow an identifier line before the timing). Each payload line becomes a
:class:`Cue` carrying the block's times and any speaker label the line starts with; the
labels are decided later for the whole file (see ``speakers``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from colloquy.data.loaders.transcript_formats.cues import Cue, CueProblem, Label, parse_clock
from colloquy.data.loaders.transcript_formats.speakers import split_caption_line

_CUE_TIMING = re.compile(r"^\s*(?P<start>\S+)\s+-->\s+(?P<end>\S+)")
_SBV_TIMING = re.compile(
    r"^\s*(?P<start>\d+:\d{2}:\d{2}\.\d{1,3}),(?P<end>\d+:\d{2}:\d{2}\.\d{1,3})\s*$"
)


def blocks(text: str, *, empty_only: bool = False) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks with the line number of their first line.

    WebVTT ends a cue only at an empty line (``empty_only``): YouTube's automatic captions
    hold lines of one space inside cues. SRT files in the wild end cues with spaces too.
    """
    block: list[str] = []
    first = 0
    for line, raw in enumerate(text.splitlines(), start=1):
        if raw if empty_only else raw.strip():
            if not block:
                first = line
            block.append(raw.rstrip())
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def looks_like_sbv(text: str) -> bool:
    """Whether the first non-blank line is an ``.sbv`` ``start,end`` timing line."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return _SBV_TIMING.match(first) is not None


def read_captions(text: str, kind: str) -> tuple[list[Cue], list[CueProblem]]:
    """Cues of a ``webvtt``, ``srt`` or ``sbv`` file, and the blocks that could not be read."""
    cues: list[Cue] = []
    problems: list[CueProblem] = []
    parts = blocks(text, empty_only=kind == "webvtt")
    if kind == "webvtt":
        header = next(parts, None)
        if header is None or not header[1][0].lstrip("\ufeff").startswith("WEBVTT"):
            message = "not a WebVTT file: the first line must be 'WEBVTT' (nothing read)"
            problems.append(CueProblem(1, message))
            return cues, problems
    pattern = _SBV_TIMING if kind == "sbv" else _CUE_TIMING
    for first, block in parts:
        if kind == "webvtt" and block[0].split(maxsplit=1)[0] in {"NOTE", "STYLE", "REGION"}:
            continue
        for start, cue in _split_run_on(first, block, pattern):
            _read_block(start, cue, kind, cues, problems)
    return cues, problems


def _left_out(lines: int) -> str:
    """How much a refused cue took with it, for the skip report."""
    return f" (the cue's {lines} line{'' if lines == 1 else 's'} left out)"


def _split_run_on(
    first: int, block: list[str], pattern: re.Pattern[str]
) -> Iterator[tuple[int, list[str]]]:
    """A block holding several cues (the blank line between them lost or made of spaces)
    split before each later timing line."""
    cuts = [i for i, raw in enumerate(block) if i >= 2 and pattern.match(raw)]
    begin = 0
    for cut in cuts:
        yield first + begin, block[begin:cut]
        begin = cut
    yield first + begin, block[begin:]


def _read_block(
    first: int, block: list[str], kind: str, cues: list[Cue], problems: list[CueProblem]
) -> None:
    pattern = _SBV_TIMING if kind == "sbv" else _CUE_TIMING
    timing = next((i for i, raw in enumerate(block[:2]) if pattern.match(raw)), None)
    if timing is None:
        expected = "'start,end'" if kind == "sbv" else "'start --> end'"
        message = f"{kind} cue without a {expected} timing line: {block[0]!r}"
        problems.append(CueProblem(first, message + _left_out(len(block))))
        return
    match = pattern.match(block[timing])
    assert match is not None
    try:
        start, end = parse_clock(match["start"]), parse_clock(match["end"])
    except ValueError as exc:
        text_lines = len(block) - timing - 1
        problems.append(CueProblem(first + timing, str(exc) + _left_out(text_lines)))
        return
    voice: str | None = None
    for line, raw in enumerate(block[timing + 1 :], start=first + timing + 1):
        parsed = split_caption_line(raw)
        if parsed.voice is not None:
            voice = parsed.voice
        elif parsed.dash or parsed.candidate is not None:
            voice = None
        label = Label(voice, "voice") if voice is not None else None
        candidates = (parsed.candidate,) if parsed.candidate is not None else ()
        if parsed.text or candidates:
            cue = Cue(line, parsed.text, start, end, label, candidates, parsed.dash)
            cues.append(cue)
        if "</v>" in raw:
            voice = None


__all__ = ["blocks", "looks_like_sbv", "read_captions"]
