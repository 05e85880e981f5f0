"""The @tool registry: typed declarations become JSON-schema function definitions."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from colloquy.agent.tools import ToolRegistry
from colloquy.errors import NotFoundError


class EchoArgs(BaseModel):
    text: str = Field(min_length=1, description="What to echo.")
    times: int = Field(default=1, ge=1, le=3)


class EchoResult(BaseModel):
    text: str


def test_decorated_function_is_exported_as_a_function_definition() -> None:
    registry = ToolRegistry()

    @registry.tool(timeout_s=2, cache_ttl_s=60)
    def echo(args: EchoArgs) -> EchoResult:
        """Say the text back.

        Twice if asked."""
        return EchoResult(text=args.text * args.times)

    definition = registry.get("echo")
    assert (definition.parameters, definition.result) == (EchoArgs, EchoResult)
    assert (definition.timeout_s, definition.cache_ttl_s) == (2, 60)
    [payload] = registry.function_definitions()
    assert payload["type"] == "function"
    function = payload["function"]
    assert isinstance(function, dict)
    assert function["name"] == "echo"
    assert function["description"] == "Say the text back. Twice if asked."
    schema = function["parameters"]
    assert schema["required"] == ["text"]
    assert schema["properties"]["times"]["maximum"] == 3
    [spec] = registry.specs()
    assert spec.name == "echo"
    assert spec.parameters() == schema
    assert echo(EchoArgs(text="ab", times=2)).text == "abab"


def test_declarations_that_cannot_work_are_refused() -> None:
    registry = ToolRegistry()

    def untyped(args: dict[str, str]) -> EchoResult:
        """Untyped."""
        return EchoResult(text="")

    with pytest.raises(TypeError, match="argument annotation must be a Pydantic model"):
        registry.tool()(untyped)

    def undocumented(args: EchoArgs) -> EchoResult:
        return EchoResult(text="")

    with pytest.raises(TypeError, match="needs a description"):
        registry.tool()(undocumented)
    registry.tool(description="first")(undocumented)
    with pytest.raises(ValueError, match="already registered"):
        registry.tool(description="again")(undocumented)
    with pytest.raises(ValueError, match="must be a letter"):
        registry.tool(name="bad name", description="x")(undocumented)


def test_unknown_tool_names_the_known_ones() -> None:
    registry = ToolRegistry()

    @registry.tool()
    def echo(args: EchoArgs) -> EchoResult:
        """Say it back."""
        return EchoResult(text=args.text)

    with pytest.raises(NotFoundError, match="known tools: echo"):
        registry.get("ech")
    assert "echo" in registry
    assert len(registry) == 1
