"""The OpenAI chat wire format, which both adapters speak.

llama-cpp-python's ``create_chat_completion`` takes and returns the same shapes as the
OpenAI HTTP API, so one translation serves both; keeping it here means a tool call or a
finish reason reads the same whichever backend produced it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from colloquy.llm.records import ChatMessage, FinishReason, ToolCall, ToolSpec, Usage

_FINISH: Mapping[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


def openai_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Messages in the request shape (``tool_calls`` and ``tool_call_id`` where set)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.tool_calls:
            item["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
                for call in message.tool_calls
            ]
        if message.tool_call_id is not None:
            item["tool_call_id"] = message.tool_call_id
        if message.name is not None:
            item["name"] = message.name
        out.append(item)
    return out


def openai_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """Tools in the ``tools`` request shape."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.parameters(),
            },
        }
        for tool in tools
    ]


def finish_reason(value: object) -> FinishReason:
    """A finish reason as colloquy names it; anything unknown is ``other``."""
    return _FINISH.get(str(value), "other") if value is not None else "other"


def response_message(choice: Mapping[str, Any]) -> ChatMessage:
    """The assistant message of one ``choices[i]``, with its tool calls.

    Raises ``KeyError`` / ``TypeError`` on a body that is not a chat completion; the
    adapter turns that into an :class:`~colloquy.errors.LLMError` naming the endpoint.
    """
    message = choice["message"]
    calls = tuple(
        ToolCall(
            id=str(call.get("id") or f"call_{index}"),
            name=str(call["function"]["name"]),
            arguments=str(call["function"].get("arguments") or ""),
        )
        for index, call in enumerate(message.get("tool_calls") or ())
    )
    return ChatMessage("assistant", str(message.get("content") or ""), tool_calls=calls)


def response_usage(body: Mapping[str, Any], latency_s: float, retries: int = 0) -> Usage:
    """Tokens from a body's ``usage`` (zero when the server reports none)."""
    usage = body.get("usage") or {}
    return Usage(
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        latency_s=latency_s,
        retries=retries,
    )


__all__ = [
    "finish_reason",
    "openai_messages",
    "openai_tools",
    "response_message",
    "response_usage",
]
