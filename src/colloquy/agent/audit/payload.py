"""Event payloads as JSON text: one spelling per record, so equal records log equal bytes.

Replays, diffs between two runs of a scenario and the load test's event counts all compare
payloads; keys are sorted, separators compact, tuples and sets become lists (sets sorted),
enums their values, Pydantic models their JSON dump, dates ISO 8601. A string is taken as
JSON text a caller already wrote (the engine's own payloads); one that is not JSON is
kept as a JSON string, so every stored payload parses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum

from pydantic import BaseModel

JsonPlain = None | bool | int | float | str | list["JsonPlain"] | dict[str, "JsonPlain"]


def payload_json(value: object) -> str:
    """Deterministic JSON text of ``value`` (see the module docstring)."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return _dumps(value)
        return value
    return _dumps(plain(value))


def plain(value: object) -> JsonPlain:
    """``value`` as JSON-ready builtins; a type with no JSON form is a programming error."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, BaseModel):
        dumped: JsonPlain = value.model_dump(mode="json")
        return dumped
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=_dumps)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"an audit payload cannot hold a {type(value).__name__}: {value!r:.80}")


def _dumps(value: JsonPlain) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
