"""The JSON schema every journey YAML file must satisfy (checked before any semantic rule)."""

from __future__ import annotations

from typing import Any

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
CONDITION_PATTERN = r"^(always|slots_filled|tool_ok|tool_failed|slot:[a-z][a-z0-9_]*|intent:\S+)$"

_SLOT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "type", "prompt"],
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "type": {
            "enum": [
                "claim_id",
                "policy_number",
                "date",
                "phone",
                "amount",
                "email",
                "text",
                "choice",
            ]
        },
        "prompt": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "choices": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    },
}

_TOOL: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "arguments": {"type": "object", "additionalProperties": {"type": "string"}},
        "result_slot": {"type": "string", "pattern": NAME_PATTERN},
    },
}

_TRANSITION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["to"],
    "properties": {
        "to": {"type": "string", "pattern": NAME_PATTERN},
        "when": {"type": "string", "pattern": CONDITION_PATTERN},
    },
}

_STATE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "instruction"],
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "instruction": {"type": "string", "minLength": 1},
        "required_slots": {"type": "array", "items": {"type": "string"}},
        "tool": _TOOL,
        "transitions": {"type": "array", "items": _TRANSITION},
        "final": {"type": "boolean"},
    },
}

JOURNEY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "version", "title", "triggers", "states"],
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "version": {"type": "integer", "minimum": 1},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "triggers": {
            "type": "array",
            "items": {"type": "string", "minLength": 3},
            "minItems": 2,
        },
        "initial_state": {"type": "string", "pattern": NAME_PATTERN},
        "slots": {"type": "array", "items": _SLOT},
        "states": {"type": "array", "items": _STATE, "minItems": 1},
    },
}
