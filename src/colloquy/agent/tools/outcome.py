"""What a tool call came to: a typed result, or a reason the agent can act on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel


class ToolStatus(StrEnum):
    OK = "ok"
    ERROR = "error"
    """The tool refused (a claim that does not exist, a policy that does not cover it)."""
    TIMEOUT = "timeout"
    INVALID_ARGUMENTS = "invalid_arguments"
    RATE_LIMITED = "rate_limited"
    UNKNOWN_TOOL = "unknown_tool"


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    tool: str
    status: ToolStatus
    arguments_json: str
    """The validated arguments (or the raw text when they did not validate)."""
    result: BaseModel | None
    error: str | None
    cached: bool
    latency_s: float

    @property
    def ok(self) -> bool:
        return self.status is ToolStatus.OK

    def content(self) -> str:
        """The JSON text sent back to the model as the tool message."""
        if self.result is not None:
            return self.result.model_dump_json()
        return json.dumps({"error": self.error, "status": self.status.value})
