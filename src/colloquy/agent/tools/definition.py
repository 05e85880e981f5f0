"""A tool: a typed function the agent may call, with its limits and caching policy.

Parameters and results are Pydantic models. The parameters model is what the LLM sees as
the function's JSON Schema; the result model is what the cache stores and the engine,
the responder and the validator read. Nothing is passed around as a loose dictionary.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from pydantic import BaseModel

from colloquy.llm import ToolSpec

DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``calls`` per ``window_s`` for each value ``key`` derives from the arguments."""

    calls: int
    window_s: float
    key: Callable[[BaseModel], str]
    name: str = "default"


@dataclass(frozen=True, slots=True)
class ToolDefinition:
    name: str
    description: str
    parameters: type[BaseModel]
    result: type[BaseModel]
    function: Callable[[Any], BaseModel] = field(repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S
    cache_ttl_s: float | None = None
    """Results are cached this long when set; tools that change data leave it unset."""
    invalidates: tuple[str, ...] = ()
    """Tools whose cached results a successful call makes stale."""
    rate_limit: RateLimit | None = None

    def spec(self) -> ToolSpec:
        """The function definition an LLM takes, JSON Schema from the parameters model."""
        return ToolSpec.from_model(self.name, self.description, self.parameters)


def signature_models(function: Callable[..., Any]) -> tuple[type[BaseModel], type[BaseModel]]:
    """The parameters and result models read from a tool function's annotations."""
    hints = get_type_hints(function)
    params = list(inspect.signature(function).parameters)
    name = getattr(function, "__name__", repr(function))
    if len(params) != 1:
        raise TypeError(f"tool {name} must take exactly one Pydantic model argument")
    parameters = hints.get(params[0])
    result = hints.get("return")
    for label, model in (("argument", parameters), ("return", result)):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"tool {name}: the {label} annotation must be a Pydantic model")
    assert isinstance(parameters, type)
    assert isinstance(result, type)
    return parameters, result
