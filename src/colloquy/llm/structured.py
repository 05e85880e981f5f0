"""Turning a model's text into a validated Pydantic value, and telling it what to repair.

Small and local models wrap JSON in Markdown fences or prose even when asked not to,
and hosted ones occasionally drop a field; both are recoverable. The answer is cut out
of its fence (or from the first ``{`` to the last ``}``), parsed and validated, and a
failure becomes a :class:`StructuredOutputError` whose ``problems`` are short enough to
send back to the model as a repair request.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from colloquy.errors import LLMError
from colloquy.llm.records import ModelT

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_PREVIEW = 200
_MAX_PROBLEMS = 5


class StructuredOutputError(LLMError):
    """The answer is not JSON, or not the JSON the schema asks for; ``problems`` says why."""

    def __init__(self, message: str, *, problems: str, answer: str, hint: str | None = None):
        self.problems = problems
        self.answer = answer
        super().__init__(message, hint=hint)


def json_body(answer: str) -> str:
    """The JSON text inside an answer: a fenced block, else the outermost braces."""
    fenced = _FENCE.search(answer)
    if fenced is not None:
        return fenced.group(1).strip()
    start, end = answer.find("{"), answer.rfind("}")
    return answer[start : end + 1] if 0 <= start < end else answer.strip()


def parse_structured(answer: str, schema: type[ModelT], *, source: str = "the LLM") -> ModelT:
    """``answer`` validated as ``schema``, or a :class:`StructuredOutputError` saying why not."""
    hint = (
        "use a model that follows JSON instructions, allow more repairs, or lower its temperature"
    )
    try:
        data: Any = json.loads(json_body(answer))
    except json.JSONDecodeError as exc:
        problems = f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        raise StructuredOutputError(
            f"the answer of {source} is {problems}: {short(answer)!r}",
            problems=problems,
            answer=answer,
            hint=hint,
        ) from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'answer'}: {err['msg']}"
            for err in exc.errors()[:_MAX_PROBLEMS]
        )
        raise StructuredOutputError(
            f"the answer of {source} does not match {schema.__name__} ({problems}): "
            f"{short(answer)!r}",
            problems=problems,
            answer=answer,
            hint=hint,
        ) from None


def schema_instruction(schema: type[BaseModel]) -> str:
    """The instruction that asks for one JSON object of ``schema`` and nothing else."""
    compact = json.dumps(schema.model_json_schema(), separators=(",", ":"))
    return (
        f"Answer with one JSON object and nothing else. It must match this JSON Schema: {compact}"
    )


def repair_instruction(error: StructuredOutputError) -> str:
    """What the model is told after an invalid answer, so the next one can be valid."""
    return (
        f"Your answer was invalid: {error.problems}. Answer again with only the corrected "
        "JSON object."
    )


def short(text: str) -> str:
    """``text`` on one line, cut to a preview length, for error messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW else flat[:_PREVIEW] + "…"


__all__ = [
    "StructuredOutputError",
    "json_body",
    "parse_structured",
    "repair_instruction",
    "schema_instruction",
    "short",
]
