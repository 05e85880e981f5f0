"""The JSON each audit event carries: small, sorted, and readable by replay."""

from __future__ import annotations

import json

from colloquy.agent.engine.grounding import succeeded
from colloquy.agent.guidelines.records import GuidelineMatch
from colloquy.agent.tools.outcome import ToolOutcome


def same_arguments(a: str, b: str) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except json.JSONDecodeError:
        return False


def event_json(**fields: object) -> str:
    return json.dumps(fields, sort_keys=True, default=str)


def match_json(match: GuidelineMatch) -> dict[str, object]:
    return {
        "name": match.guideline.name,
        "priority": match.guideline.priority,
        "score": round(match.score, 4),
        "keyword_hit": match.keyword_hit,
        "method": match.method,
    }


def tool_json(outcome: ToolOutcome) -> str:
    return event_json(
        tool=outcome.tool,
        status=outcome.status.value,
        arguments=json.loads(outcome.arguments_json)
        if is_json(outcome.arguments_json)
        else outcome.arguments_json,
        result=json.loads(outcome.content()) if outcome.result is not None else None,
        error=outcome.error,
        cached=outcome.cached,
        succeeded=succeeded(outcome),
    )


def is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True
