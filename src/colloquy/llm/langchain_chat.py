"""Any :class:`~colloquy.llm.client.LLMClient` as a LangChain chat model.

Users' own chains (``prompt | model | parser``) then run on whichever backend the
configuration picks — a hosted endpoint or the local GGUF model — with colloquy's
retries, timeouts and accounting, instead of each chain carrying its own client.
Tool binding (``bind_tools``), streaming and ``usage_metadata`` work as LangChain
expects. This module imports ``langchain_core`` (the ``llm`` extra), so it is not
imported by ``colloquy.llm`` itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk
from langchain_core.outputs import ChatResult as LCChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict

from colloquy.llm.client import LLMClient
from colloquy.llm.records import CallOptions, ChatMessage, PromptRef, ToolCall, ToolSpec, Usage


class ColloquyChatModel(BaseChatModel):
    """A LangChain chat model backed by ``client``; ``options`` set sampling and limits."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client: LLMClient
    options: CallOptions = CallOptions()
    prompt: PromptRef | None = None
    """Recorded with every call made through this model (see :mod:`colloquy.llm.prompts`)."""

    @property
    def _llm_type(self) -> str:
        return f"colloquy-{self.client.backend}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"backend": self.client.backend, "model": self.client.model}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer ``tools`` (LangChain tools, functions, Pydantic models or OpenAI dicts)."""
        specs = []
        for tool in tools:
            function = convert_to_openai_tool(tool)["function"]
            specs.append(
                ToolSpec(
                    name=str(function["name"]),
                    description=str(function.get("description") or ""),
                    parameters_json=json.dumps(function.get("parameters") or {}, sort_keys=True),
                )
            )
        choice = "required" if tool_choice in ("required", "any") else "auto"
        return super().bind(colloquy_tools=tuple(specs), colloquy_tool_choice=choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LCChatResult:
        result = self.client.chat(
            to_chat_messages(messages),
            tools=kwargs.get("colloquy_tools", ()),
            tool_choice=kwargs.get("colloquy_tool_choice", "auto"),
            options=self._options(stop),
            prompt=self.prompt,
        )
        message = AIMessage(
            content=result.text,
            tool_calls=[
                {"name": c.name, "args": _args(c), "id": c.id, "type": "tool_call"}
                for c in result.tool_calls
            ],
            usage_metadata=_usage(result.usage),
            response_metadata={
                "model_name": result.model,
                "backend": result.backend,
                "finish_reason": result.finish_reason,
                "latency_s": result.usage.latency_s,
            },
        )
        return LCChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self.client.stream(
            to_chat_messages(messages), options=self._options(stop), prompt=self.prompt
        ):
            usage = _usage(chunk.usage) if chunk.usage is not None else None
            piece = ChatGenerationChunk(
                message=AIMessageChunk(content=chunk.delta, usage_metadata=usage)
            )
            if run_manager is not None and chunk.delta:
                run_manager.on_llm_new_token(chunk.delta, chunk=piece)
            yield piece

    def _options(self, stop: list[str] | None) -> CallOptions:
        if not stop:
            return self.options
        return CallOptions(
            temperature=self.options.temperature,
            max_tokens=self.options.max_tokens,
            seed=self.options.seed,
            stop=tuple(stop),
        )


def to_chat_messages(messages: Sequence[BaseMessage]) -> list[ChatMessage]:
    """LangChain messages as colloquy's records (tool calls and results included)."""
    out: list[ChatMessage] = []
    for message in messages:
        text = message.text if isinstance(message.text, str) else str(message.content)
        if isinstance(message, SystemMessage):
            out.append(ChatMessage.system(text))
        elif isinstance(message, HumanMessage):
            out.append(ChatMessage.user(text))
        elif isinstance(message, AIMessage):
            calls = tuple(
                ToolCall(str(c.get("id") or f"call_{i}"), c["name"], json.dumps(c["args"]))
                for i, c in enumerate(message.tool_calls)
            )
            out.append(ChatMessage("assistant", text, tool_calls=calls))
        elif isinstance(message, ToolMessage):
            out.append(ChatMessage("tool", text, tool_call_id=message.tool_call_id))
        else:
            raise TypeError(f"unsupported LangChain message type {type(message).__name__}")
    return out


def _args(call: ToolCall) -> dict[str, Any]:
    try:
        value = call.parsed_arguments()
    except json.JSONDecodeError:
        return {"__raw__": call.arguments}
    return value if isinstance(value, dict) else {"value": value}


def _usage(usage: Usage) -> UsageMetadata:
    return UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
    )


__all__ = ["ColloquyChatModel", "to_chat_messages"]
