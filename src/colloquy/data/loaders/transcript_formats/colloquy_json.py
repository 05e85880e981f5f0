"""colloquy's own transcript JSON: ``{"id", "turns": [...], "metadata", "outcome", …}``.

The turns name their speakers by role or by a name in the speaker map, one turn per
item, so this format skips cue merging and the speaker heuristic; what it shares with
the other formats is the problem reporting and the clock-offset handling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from colloquy.data.loaders.tabular.cells import parse_timestamp
from colloquy.data.loaders.transcript_formats.cues import CueProblem, is_clock, parse_clock
from colloquy.schema import Outcome

_TURN_KEYS = frozenset({"speaker", "text", "timestamp", "intent"})


@dataclass(frozen=True, slots=True)
class JsonTurn:
    """One item of ``turns`` as written; its speaker is resolved by the parser."""

    position: int
    speaker: str
    text: str
    offset: float | None = None
    timestamp: datetime | None = None
    intent: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def is_colloquy_json(data: object) -> bool:
    """A list of ``{"speaker", "text"}`` items, or an object with a ``turns`` list."""
    if isinstance(data, dict):
        return isinstance(data.get("turns"), list)
    return isinstance(data, list)


def read_fields(data: dict[str, Any], problems: list[CueProblem]) -> dict[str, Any]:
    """The conversation-level fields (id, metadata, labels, channel, started_at, outcome)."""
    fields: dict[str, Any] = {}
    if data.get("id") not in (None, ""):
        fields["id"] = str(data["id"])
    for key in ("metadata", "labels"):
        value = data.get(key) or {}
        if isinstance(value, dict):
            fields[key] = value
        else:
            problems.append(
                CueProblem(None, f"{key!r} must be an object, found {type(value).__name__}")
            )
    if isinstance(data.get("channel"), str):
        fields["channel"] = data["channel"]
    try:
        if data.get("started_at") is not None:
            fields["started_at"] = parse_timestamp(data["started_at"])
        if isinstance(data.get("outcome"), dict):
            fields["outcome"] = Outcome.model_validate(data["outcome"])
    except ValueError as exc:
        problems.append(CueProblem(None, f"bad started_at or outcome: {exc}"))
    return fields


def read_turns(
    items: list[object], problems: list[CueProblem], unknown: Callable[[str], str | None]
) -> list[JsonTurn]:
    """The readable turns; ``unknown`` says why a speaker name is refused, or ``None``."""
    turns: list[JsonTurn] = []
    for position, item in enumerate(items):
        where = f"turns[{position}]"
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            problems.append(
                CueProblem(None, f"{where}: expected an object with 'speaker' and 'text' strings")
            )
            continue
        name = str(item.get("speaker", "")).strip()
        if not name:
            problems.append(CueProblem(None, f"{where}: missing 'speaker'"))
            continue
        refused = unknown(name)
        if refused is not None:
            problems.append(CueProblem(None, f"{where}: {refused}"))
            continue
        value = item.get("timestamp")
        extra = {k: v for k, v in item.items() if k not in _TURN_KEYS}
        offset: float | None = None
        timestamp: datetime | None = None
        try:
            if isinstance(value, str) and is_clock(value):
                offset = parse_clock(value)
            elif value not in (None, ""):
                timestamp = parse_timestamp(value)
        except ValueError as exc:
            problems.append(CueProblem(None, f"{where}: {exc}"))
            continue
        turns.append(
            JsonTurn(position, name, item["text"], offset, timestamp, item.get("intent"), extra)
        )
    return turns


__all__ = ["JsonTurn", "is_colloquy_json", "read_fields", "read_turns"]
