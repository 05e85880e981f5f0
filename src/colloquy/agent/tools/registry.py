"""The ``@tool`` registry: declare a function once, export it as a JSON-schema definition.

A registry is a value, not a module-level global: each desk (or test) builds its own, with
tools bound to its services, so two agents in one process never share tools by accident.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel

from colloquy.agent.tools.definition import (
    DEFAULT_TIMEOUT_S,
    RateLimit,
    ToolDefinition,
    signature_models,
)
from colloquy.errors import NotFoundError
from colloquy.llm import ToolSpec

F = TypeVar("F", bound=Callable[[Any], BaseModel])
_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,63}$")


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, ToolDefinition] = {}

    def tool(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        cache_ttl_s: float | None = None,
        invalidates: tuple[str, ...] = (),
        rate_limit: RateLimit | None = None,
    ) -> Callable[[F], F]:
        """Register the decorated function; its docstring is the description by default."""

        def register(function: F) -> F:
            parameters, result = signature_models(function)
            tool_name = name or function.__name__
            text = description or " ".join((function.__doc__ or "").split())
            if not text:
                raise TypeError(f"tool {tool_name} needs a description or a docstring")
            self.add(
                ToolDefinition(
                    name=tool_name,
                    description=text,
                    parameters=parameters,
                    result=result,
                    function=function,
                    timeout_s=timeout_s,
                    cache_ttl_s=cache_ttl_s,
                    invalidates=invalidates,
                    rate_limit=rate_limit,
                )
            )
            return function

        return register

    def add(self, definition: ToolDefinition) -> None:
        if not _NAME.match(definition.name):
            raise ValueError(
                f"tool name {definition.name!r} must be a letter then letters, digits or _"
            )
        if definition.name in self._tools:
            raise ValueError(f"tool {definition.name!r} is already registered")
        if definition.timeout_s <= 0:
            raise ValueError(f"tool {definition.name!r}: timeout_s must be positive")
        self._tools[definition.name] = definition

    def get(self, name: str) -> ToolDefinition:
        try:
            return self._tools[name]
        except KeyError:
            known = ", ".join(sorted(self._tools)) or "none"
            raise NotFoundError(f"no tool named {name!r}", hint=f"known tools: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[ToolDefinition]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def specs(self) -> list[ToolSpec]:
        """Every tool as colloquy.llm's ``ToolSpec``, for ``LLMClient.chat(tools=...)``."""
        return [definition.spec() for definition in self]

    def function_definitions(self) -> list[dict[str, object]]:
        """The OpenAI-style ``tools`` payload: ``{"type": "function", "function": {...}}``."""
        return [
            {
                "type": "function",
                "function": {
                    "name": spec.name,
                    "description": spec.description,
                    "parameters": spec.parameters(),
                },
            }
            for spec in self.specs()
        ]
