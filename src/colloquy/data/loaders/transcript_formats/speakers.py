"""Finding speaker labels in caption text, and deciding which of them really are names.

A caption line may name its speaker in many ways (``<v Ana>``, ``Ana:``, ``[Ana]``,
``(Ana)``, ``>> ANA:``), but ``Name:`` is also ordinary punctuation: a subtitle saying
"Digo: …" once in a film is dialogue, not a speaker. So labels other than voice spans
are only *candidates* until the whole file has been read. A candidate becomes a speaker
when its role is known, when it heads a turn with a clock (``Name  0:03``), or when it is
short, looks like a name, and either recurs or the file labels most of its cues the same
way; the rejected ones stay in the text and are reported, so a wrong decision is visible
rather than silently swallowing cues.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from colloquy.data.loaders.transcript_formats.cues import Cue, Label

MAX_NAME_WORDS = 4
_NAME = r"[^\W\d_][\w .'\-]{0,40}?"
_VOICE = re.compile(r"^\s*<v(?:\.[\w.\-]+)*\s+(?P<name>[^>]+)>(?P<text>.*)$")
_TAG = re.compile(r"<[^>]*>")
_DASH = re.compile(r"^\s*[-‐–—]\s+")
_CHEVRONS = re.compile(r"^\s*>>\s*")
_PREFIX = re.compile(rf"^\s*(?P<name>{_NAME})\s*:(?:\s+(?P<text>.*))?$")
_ENCLOSED = re.compile(rf"^\s*(?P<open>[\[(])\s*(?P<name>{_NAME})\s*[\])]\s*:?\s*(?P<text>.*)$")
SOUNDS = frozenset(
    {
        "applause",
        "audio",
        "background",
        "beep",
        "cheering",
        "chuckles",
        "clapping",
        "coughs",
        "crosstalk",
        "foreign",
        "inaudible",
        "indistinct",
        "laughing",
        "laughs",
        "laughter",
        "music",
        "noise",
        "pause",
        "playing",
        "ringing",
        "sighs",
        "silence",
        "static",
    }
)
"""Words that make a bracketed label a sound, not a speaker (``[Music]``, ``(laughs)``)."""

PARTICLES = frozenset(
    {"al", "bin", "da", "de", "del", "der", "di", "do", "dos", "du", "la", "le", "van", "von"}
)
"""Lower-case words that names contain (``Ana de Souza``, ``Vincent van Gogh``)."""


def looks_like_name(name: str) -> bool:
    """Short, and every word capitalised, a number or a particle: ``Agent Sam``, ``SPEAKER 1``,
    ``Ana de Souza``; never a sound (``Music``)."""
    words = name.split()
    return (
        0 < len(words) <= MAX_NAME_WORDS
        and not is_sound(name)
        and (words[0][0].isupper() or words[0][0].isdigit())
        and all(w[0].isupper() or w[0].isdigit() or w in PARTICLES for w in words)
    )


def is_sound(label: str) -> bool:
    """Whether a bracketed label describes a sound (``[MUSIC PLAYING]``, ``(laughs)``)."""
    return any(word in SOUNDS for word in label.lower().split())


@dataclass(frozen=True, slots=True)
class CaptionLine:
    """One payload line split into a label (voice, or a candidate) and its text."""

    text: str
    voice: str | None = None
    candidate: Label | None = None
    dash: bool = False


def split_caption_line(raw: str) -> CaptionLine:
    """Find the label a caption line starts with; the text keeps no markup."""
    dash = _DASH.match(raw) is not None
    if dash:
        raw = _DASH.sub("", raw, count=1)
    voice = _VOICE.match(raw)
    if voice is not None:
        name = html.unescape(voice["name"]).strip()
        return CaptionLine(_clean(voice["text"]), voice=name, dash=dash)
    plain = _CHEVRONS.sub("", html.unescape(_TAG.sub("", raw)))
    enclosed = _ENCLOSED.match(plain)
    if enclosed is not None:
        name = enclosed["name"].strip()
        if is_sound(name):
            return CaptionLine(enclosed["text"].strip(), dash=dash)
        if not looks_like_name(name):
            return CaptionLine(plain.strip(), dash=dash)
        kind = "bracket" if enclosed["open"] == "[" else "paren"
        return CaptionLine(enclosed["text"].strip(), candidate=Label(name, kind), dash=dash)
    prefix = _PREFIX.match(plain)
    if prefix is not None and looks_like_name(prefix["name"]):
        label = Label(prefix["name"].strip(), "prefix")
        return CaptionLine((prefix["text"] or "").strip(), candidate=label, dash=dash)
    return CaptionLine(plain.strip(), dash=dash)


def _clean(text: str) -> str:
    return html.unescape(_TAG.sub("", text)).strip()


@dataclass(frozen=True, slots=True)
class SpeakerDecision:
    """Which candidate labels were taken as speakers, and which were left as text."""

    accepted: tuple[str, ...]
    rejected: tuple[str, ...]


def decide_speakers(
    cues: Sequence[Cue], known: Callable[[str], bool]
) -> tuple[list[Cue], SpeakerDecision]:
    """Accept or reject every candidate label; rejected ones go back into the text."""
    counts = Counter(c.candidates[0].name for c in cues if c.candidates)
    labelled = sum(1 for c in cues if c.candidates or c.label is not None)
    mostly_labelled = labelled * 2 >= len(cues)
    voices = any(c.label is not None and c.label.kind == "voice" for c in cues)
    headings = {c.candidates[0].name for c in cues if c.candidates[0:1] and _is_heading(c)}
    accepted: set[str] = set()
    for name, count in counts.items():
        if name in headings or known(name) or (not voices and (count >= 2 or mostly_labelled)):
            accepted.add(name)
    decided: list[Cue] = []
    for cue in cues:
        if not cue.candidates:
            decided.append(cue)
            continue
        label = cue.candidates[0]
        if label.name in accepted:
            decided.append(_replace(cue, label=label, text=cue.text))
        else:
            decided.append(_replace(cue, label=cue.label, text=_restore(label, cue.text)))
    rejected = sorted(set(counts) - accepted)
    return decided, SpeakerDecision(tuple(sorted(accepted)), tuple(rejected))


def _is_heading(cue: Cue) -> bool:
    """A name with a clock alone on its line: evidence enough on its own."""
    return cue.candidates[0].kind == "heading"


def _restore(label: Label, text: str) -> str:
    written = {
        "prefix": f"{label.name}:",
        "bracket": f"[{label.name}]",
        "paren": f"({label.name})",
    }.get(label.kind, label.name)
    return f"{written} {text}".strip()


def _replace(cue: Cue, *, label: Label | None, text: str) -> Cue:
    return Cue(cue.line, text, cue.start, cue.end, label, (), cue.new_turn)


__all__ = [
    "PARTICLES",
    "SOUNDS",
    "CaptionLine",
    "SpeakerDecision",
    "decide_speakers",
    "is_sound",
    "looks_like_name",
    "split_caption_line",
]
