"""The shape every transcript format is read into before it becomes turns.

Captions, plain speaker lines and speech-to-text JSON differ in syntax but all reduce to
a sequence of timed pieces of text, some naming who spoke. Reading each format into
:class:`Cue` records lets one place decide speakers, roles and merging for all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
CLOCK = _CLOCK
"""A clock offset as caption and transcript files write it: ``01:02``, ``0:01:02.500``."""
_CLOCK_ONLY = re.compile(rf"^{_CLOCK}$")


@dataclass(frozen=True, slots=True)
class Label:
    """A speaker label as written in a file, and how it was written.

    ``kind`` is ``voice`` (``<v Name>``), ``prefix`` (``Name:``), ``bracket``
    (``[Name]``), ``paren`` (``(Name)``) or ``stt`` (a diarisation id).
    """

    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Cue:
    """One timed piece of text; ``label`` is ``None`` when nothing names its speaker."""

    line: int | None
    text: str
    start: float | None = None
    end: float | None = None
    label: Label | None = None
    candidates: tuple[Label, ...] = field(default=())
    """Labels found in the text that the speaker heuristic has yet to accept or reject."""
    new_turn: bool = False
    """A dialogue dash: a speaker change even though the speaker is not named."""


@dataclass(frozen=True, slots=True)
class CueProblem:
    """Something in the file that could not be read, with its line when there is one."""

    line: int | None
    message: str


def is_clock(value: str) -> bool:
    return _CLOCK_ONLY.match(value.strip()) is not None


def parse_clock(value: str) -> float:
    """Seconds from ``hh:mm:ss.mmm``, ``mm:ss,mmm`` and the like; ``ValueError`` otherwise."""
    if not is_clock(value):
        raise ValueError(f"bad time {value!r}; expected hh:mm:ss.mmm")
    seconds = 0.0
    for part in value.strip().replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return round(seconds, 3)


__all__ = ["CLOCK", "Cue", "CueProblem", "Label", "is_clock", "parse_clock"]
