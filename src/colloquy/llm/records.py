"""The records every LLM backend speaks: messages, tools, tool calls, usage and results.

They are frozen so a result can be cached, logged and compared without anyone changing
it underneath; backends translate them to and from their wire format at their edge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

Role = Literal["system", "user", "assistant", "tool"]

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function the model asks the caller to run; ``arguments`` is the raw JSON text."""

    id: str
    name: str
    arguments: str

    def parsed_arguments(self) -> object:
        """The arguments decoded from JSON (a model may send any JSON value)."""
        return json.loads(self.arguments) if self.arguments.strip() else {}


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One turn of a chat; ``tool_call_id`` links a tool's answer to the call it answers."""

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        return cls("system", content)

    @classmethod
    def user(cls, content: str) -> ChatMessage:
        return cls("user", content)

    @classmethod
    def assistant(cls, content: str) -> ChatMessage:
        return cls("assistant", content)


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function the model may call; ``parameters_json`` is its JSON Schema, as text.

    The schema is kept as JSON text so the record stays hashable and frozen all the way
    down; :meth:`from_model` derives it from a Pydantic model, the usual way to declare one.
    """

    name: str
    description: str
    parameters_json: str

    @classmethod
    def from_model(cls, name: str, description: str, model: type[BaseModel]) -> ToolSpec:
        return cls(name, description, json.dumps(model.model_json_schema(), sort_keys=True))

    def parameters(self) -> dict[str, object]:
        value = json.loads(self.parameters_json)
        if not isinstance(value, dict):
            raise TypeError(f"tool {self.name!r}: parameters must be a JSON object schema")
        return value


@dataclass(frozen=True, slots=True)
class PromptRef:
    """Which prompt produced a call: recorded with every result and log line."""

    name: str
    version: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens and wall time of one call, or of several added together."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    calls: int = 1
    retries: int = 0
    """HTTP retries (429, 5xx, timeouts) and structured-output repairs spent."""
    time_to_first_token_s: float | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second of wall time; ``None`` when nothing was timed."""
        if self.latency_s <= 0 or self.completion_tokens == 0:
            return None
        return self.completion_tokens / self.latency_s

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            latency_s=self.latency_s + other.latency_s,
            calls=self.calls + other.calls,
            retries=self.retries + other.retries,
            time_to_first_token_s=self.time_to_first_token_s,
        )


FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "other"]


@dataclass(frozen=True, slots=True)
class ChatResult:
    """A completed answer: text and/or tool calls, how it ended, what it cost."""

    message: ChatMessage
    finish_reason: FinishReason
    usage: Usage
    backend: str
    model: str
    prompt: PromptRef | None = None
    cached: bool = False
    """Served from the response cache (no tokens spent)."""

    @property
    def text(self) -> str:
        return self.message.content

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return self.message.tool_calls


@dataclass(frozen=True, slots=True)
class StreamChunk:
    """A piece of a streamed answer; the last chunk carries the finish reason and usage."""

    delta: str
    finish_reason: FinishReason | None = None
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class StructuredResult(Generic[ModelT]):
    """A validated answer, the raw results it took (first try, then repairs) and their cost."""

    value: ModelT
    attempts: tuple[ChatResult, ...] = field(default=())
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True, slots=True)
class CallOptions:
    """Sampling and limits of one call, the same for every backend."""

    temperature: float = 0.0
    max_tokens: int = 512
    seed: int | None = None
    stop: tuple[str, ...] = ()


__all__ = [
    "CallOptions",
    "ChatMessage",
    "ChatResult",
    "FinishReason",
    "PromptRef",
    "Role",
    "StreamChunk",
    "StructuredResult",
    "ToolCall",
    "ToolSpec",
    "Usage",
]
