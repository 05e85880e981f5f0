"""Phrase lexicons shared by the text-only detectors.

Each cue is a compiled pattern with a weight: strong phrases (``couldn't book``) count 1,
hedges that also appear in successful dialogues (``sorry``) count less, so a threshold
tuned on data decides how much evidence a failure needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Cue:
    """A phrase pattern and how much evidence one match is."""

    pattern: re.Pattern[str]
    weight: float


def _cue(pattern: str, weight: float) -> Cue:
    return Cue(re.compile(pattern, re.IGNORECASE), weight)


AGENT_FAILURE_CUES: tuple[Cue, ...] = (
    _cue(r"\b(couldn'?t|could not|can'?t|can not|cannot|unable)\b", 1.0),
    _cue(r"\b(wasn'?t|was not|weren'?t|were not) able\b", 1.0),
    _cue(r"\bnot able to\b", 1.0),
    _cue(r"\bfail(ed|ure)?\b( to)?", 1.0),
    _cue(r"\bsomething went wrong\b", 1.0),
    _cue(r"\bunsuccessful(ly)?\b", 1.0),
    _cue(r"\b(did ?n[o']t|does ?n[o']t) go through\b", 1.0),
    _cue(r"\b(no|not any) (rooms?|tables?|seats?|tickets?|slots?|availability)\b", 0.5),
    _cue(r"\b(unavailable|not available|fully booked|sold out)\b", 0.5),
    _cue(r"\b(sorry|apologi[sz]e|apologies|unfortunately)\b", 0.5),
)
"""An agent telling the customer that what they asked for did not happen."""

AGENT_SUCCESS_CUES: tuple[Cue, ...] = (
    _cue(r"\b(successfully|successful|success)\b", 1.0),
    _cue(r"\b(it'?s|it is|that'?s|that is) done\b", 1.0),
    _cue(
        r"\b(is|are|has been|have been|was|were)\s+(booked|confirmed|reserved|scheduled|"
        r"made|placed|complete|completed|done|set|purchased|sent|processed)\b",
        1.0,
    ),
    _cue(r"\b(booked|confirmed|reserved|scheduled|purchased)\b", 0.5),
    _cue(r"\bon (its|the|their) way\b", 1.0),
    _cue(
        r"\b(i'?ve|i have) (made|booked|reserved|set|scheduled|sent|transferred|purchased)\b", 1.0
    ),
    _cue(r"\b(complete|completed|all set|went through)\b", 0.5),
)
"""An agent confirming that the customer's request was carried out."""

HUMAN_REQUEST_CUES: tuple[Cue, ...] = (
    _cue(
        r"\b(speak|talk|chat)\s+(to|with)\s+(a|an|some|your)?\s*"
        r"(human|person|agent|representative|rep|manager|supervisor|someone)\b",
        1.0,
    ),
    _cue(r"\b(real|live|actual)\s+(person|human|agent)\b", 1.0),
    _cue(r"\b(escalate|escalation)\b", 1.0),
    _cue(r"\b(transfer|connect|put) me (to|through|with)\b", 1.0),
    _cue(r"\b(human|operator|supervisor|manager)\b", 0.5),
)
"""A customer asking for a person, a manager or an escalation."""

CORRECTION_CUES: tuple[Cue, ...] = (
    _cue(r"\b(that'?s|that is|this is) not what i (asked|said|meant|wanted)\b", 1.0),
    _cue(r"\bi (did ?n[o']t|never) (ask|say|mean|want)\b", 1.0),
    _cue(
        r"\byou (misunderstood|did ?n[o']t understand|are not listening|aren'?t listening)\b", 1.0
    ),
    _cue(r"\b(no|nope),? (i said|i meant|i asked)\b", 1.0),
    _cue(r"\b(wrong|incorrect)\b", 0.5),
    _cue(r"\bi (said|meant|asked)\b", 0.5),
)
"""A customer telling the agent that it got the request wrong."""


@lru_cache(maxsize=16)
def _any_cue(cues: tuple[Cue, ...]) -> re.Pattern[str]:
    """One alternation of every cue: most turns match none, and one search tells so."""
    return re.compile("|".join(f"(?:{cue.pattern.pattern})" for cue in cues), re.IGNORECASE)


def cue_score(text: str, cues: tuple[Cue, ...]) -> float:
    """Sum of the weights of the cues that match ``text`` (each cue counts once)."""
    if not _any_cue(cues).search(text):
        return 0.0
    return sum(cue.weight for cue in cues if cue.pattern.search(text))
