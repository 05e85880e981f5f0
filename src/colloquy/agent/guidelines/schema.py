"""The JSON schema every guideline YAML file must satisfy."""

from __future__ import annotations

from typing import Any

from colloquy.agent.journeys.schema import NAME_PATTERN

GUIDELINE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "condition", "action"],
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "condition": {"type": "string", "minLength": 5},
        "action": {"type": "string", "minLength": 5},
        "priority": {"type": "integer", "minimum": 0, "maximum": 1000},
        "keywords": {"type": "array", "items": {"type": "string", "minLength": 2}},
        "patterns": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "journey": {"type": "string", "pattern": NAME_PATTERN},
        "state": {"type": "string", "pattern": NAME_PATTERN},
        "once": {"type": "boolean"},
    },
}

GUIDELINES_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["scope", "guidelines"],
    "properties": {
        "scope": {"enum": ["global", "journey", "state"]},
        "journey": {"type": "string", "pattern": NAME_PATTERN},
        "guidelines": {"type": "array", "items": GUIDELINE, "minItems": 1},
    },
}
