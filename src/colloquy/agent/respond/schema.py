"""The JSON schema every response-template YAML file must satisfy."""

from __future__ import annotations

from typing import Any

from colloquy.agent.journeys.schema import NAME_PATTERN
from colloquy.agent.respond.catalog import Move, Position
from colloquy.agent.respond.facts import OutcomeKind
from colloquy.agent.turn import TurnEvent
from colloquy.desk.records import ClaimStatus

TEMPLATE_ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"

TEMPLATE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["move", "text"],
    "properties": {
        "move": {"enum": [m.value for m in Move]},
        "text": {"type": "string", "minLength": 2},
        "strict": {"type": "string", "minLength": 2},
        "state": {"type": "string", "pattern": NAME_PATTERN},
        "event": {"enum": [e.value for e in TurnEvent]},
        "slot": {"type": "string", "pattern": NAME_PATTERN},
        "tool": {"type": "string", "pattern": NAME_PATTERN},
        "outcome": {"enum": [o.value for o in OutcomeKind]},
        "status": {"enum": [s.value for s in ClaimStatus]},
        "guideline": {"type": "string", "pattern": NAME_PATTERN},
        "position": {"enum": [p.value for p in Position]},
        "pattern": {"type": "string", "minLength": 1},
        "verified": {"type": "boolean"},
    },
}

RESPONSES_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["responses"],
    "properties": {
        "journey": {"type": "string", "pattern": NAME_PATTERN},
        "responses": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": TEMPLATE_ID_PATTERN},
            "additionalProperties": TEMPLATE,
        },
    },
}

__all__ = ["RESPONSES_SCHEMA", "TEMPLATE", "TEMPLATE_ID_PATTERN"]
