"""The JSON schema a scenario YAML file must satisfy (docs/journeys.md, "Scenarios")."""

from __future__ import annotations

from typing import Any

from colloquy.agent.journeys.schema import NAME_PATTERN

_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}
_TOOL: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "pattern": NAME_PATTERN},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": NAME_PATTERN},
                "status": {
                    "enum": [
                        "ok",
                        "error",
                        "timeout",
                        "invalid_arguments",
                        "rate_limited",
                        "unknown_tool",
                        "failed",
                    ]
                },
            },
        },
    ]
}
EXPECT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "journey": {"type": ["string", "null"]},
        "state": {"type": "string"},
        "event": {
            "enum": [
                "greeting",
                "no_journey",
                "ask_slot",
                "tool_result",
                "tool_failed",
                "confirm",
                "journey_done",
                "switched",
            ]
        },
        "asking": {"type": "string"},
        "tools": {"type": "array", "items": _TOOL},
        "guidelines": _STRINGS,
        "reply_contains": _STRINGS,
        "reply_excludes": _STRINGS,
        "validation": {"enum": ["passed", "fixed"]},
        "failed_checks": _STRINGS,
        "ended": {"type": "boolean"},
    },
}
SCENARIO_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "turns"],
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "description": {"type": "string"},
        "faults": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["tool", "delay_s", "timeout_s"],
                "properties": {
                    "tool": {"type": "string", "pattern": NAME_PATTERN},
                    "delay_s": {"type": "number", "minimum": 0, "maximum": 30},
                    "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 30},
                },
            },
        },
        "turns": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["say"],
                "properties": {
                    "say": {"type": "string", "minLength": 1},
                    "expect": EXPECT,
                },
            },
        },
        "stored": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "new_claims": {"type": "integer", "minimum": 0},
                "events_at_least": {"type": "integer", "minimum": 0},
                "event_kinds": _STRINGS,
                "verdicts_failed": _STRINGS,
            },
        },
    },
}
