"""The approved sentences a fix may use, loaded from YAML and checked on load.

Fixes never write new prose: a failing sentence becomes its check's approved sentence,
personal data is masked with an approved phrase, a missing disclaimer is the guideline's
approved sentence, and a reply that cannot be saved becomes the approved fallback. Keeping
them in one file lets compliance review every sentence the validator can say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from colloquy.agent.journeys.validation import LoadedYaml, check_schema, read_yaml, read_yaml_file
from colloquy.agent.turn import Check
from colloquy.agent.validation.entities import Kind

_SENTENCE = {"type": "string", "minLength": 1}
_REPLACED = ("verification", "promise", "grounding", "llm_judge")
_MASKED = tuple(
    str(k) for k in (Kind.PHONE, Kind.EMAIL, Kind.DATE, Kind.CARD, Kind.SSN, Kind.ADDRESS)
)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "replacements", "pii_masks", "disclaimers", "fallback"],
    "properties": {
        "version": {"type": "integer", "minimum": 1},
        "replacements": {
            "type": "object",
            "additionalProperties": False,
            "required": list(_REPLACED),
            "properties": dict.fromkeys(_REPLACED, _SENTENCE),
        },
        "pii_masks": {
            "type": "object",
            "additionalProperties": False,
            "required": list(_MASKED),
            "properties": dict.fromkeys(_MASKED, _SENTENCE),
        },
        "disclaimers": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["pattern", "sentence"],
                "properties": {"pattern": _SENTENCE, "sentence": _SENTENCE},
            },
        },
        "fallback": _SENTENCE,
    },
}


@dataclass(frozen=True, slots=True)
class Disclaimer:
    guideline: str
    pattern: re.Pattern[str]
    sentence: str


@dataclass(frozen=True, slots=True)
class SafeSentences:
    replacements: tuple[tuple[Check, str], ...]
    pii_masks: tuple[tuple[Kind, str], ...]
    disclaimers: tuple[Disclaimer, ...]
    fallback: str
    source: str = ""

    def replacement(self, check: Check) -> str:
        return next(text for c, text in self.replacements if c is check)

    def mask(self, kind: Kind) -> str:
        return next((text for k, text in self.pii_masks if k is kind), "that")

    def disclaimer(self, guideline: str) -> Disclaimer | None:
        return next((d for d in self.disclaimers if d.guideline == guideline), None)


def shipped_fixes_path() -> Path:
    return Path(str(files("colloquy.agent").joinpath("assets", "fixes.yaml")))


def load_fixes(path: Path | None = None) -> SafeSentences:
    """The approved sentences in ``path`` (the shipped file by default)."""
    return _build(read_yaml_file(path or shipped_fixes_path()))


def parse_fixes(text: str, source: str = "<fixes>") -> SafeSentences:
    return _build(read_yaml(text, source))


def _build(loaded: LoadedYaml) -> SafeSentences:
    check_schema(loaded, SCHEMA, "approved fix sentences")
    data = loaded.data
    disclaimers = []
    for name, entry in data["disclaimers"].items():
        try:
            pattern = re.compile(entry["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise loaded.error(
                ["disclaimers", name, "pattern"],
                f"invalid regular expression: {exc}",
                "write a Python regular expression, quoted with single quotes in YAML",
            ) from exc
        if pattern.search(entry["sentence"]) is None:
            raise loaded.error(
                ["disclaimers", name, "sentence"],
                "the approved sentence does not contain the required phrase",
                "make the sentence match its own pattern, or the fix would not pass the check",
            )
        disclaimers.append(Disclaimer(str(name), pattern, " ".join(entry["sentence"].split())))
    return SafeSentences(
        replacements=tuple(
            (Check(name), " ".join(text.split())) for name, text in data["replacements"].items()
        ),
        pii_masks=tuple((Kind(name), text) for name, text in data["pii_masks"].items()),
        disclaimers=tuple(disclaimers),
        fallback=" ".join(data["fallback"].split()),
        source=loaded.source,
    )
