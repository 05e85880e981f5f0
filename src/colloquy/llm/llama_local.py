"""The local adapter: a GGUF model run in process by llama-cpp-python, offline.

Choices, and why:

* **One thread by default.** On a 2-core machine shared with other work, two threads
  under load collapsed generation to about 3.5 tokens/s in the issue's measurement; one
  thread does not fight the rest of the process. ``n_threads`` is configurable.
* **Always streamed inside.** Generation runs token by token even for ``chat``, so a
  call can stop at its deadline (``timeout_s``) with a clear error instead of holding
  the caller for minutes, and the time to first token is measured on every call.
* **Structured output and tool calls by grammar.** The JSON Schema becomes a llama.cpp
  grammar, so even a 135M model can only emit schema-shaped JSON. Tool calls use the
  same mechanism — the model must answer ``{"tool": <name>, "arguments": {...}}`` or
  ``{"tool": "none", "answer": "..."}`` — because llama-cpp-python's function-calling
  chat formats are specific to a few model families, and a grammar works for any GGUF.
  Tool calls and tool results are written back into the chat as plain text for the
  same reason: every chat template understands user and assistant turns.
* **One call at a time.** A ``Llama`` object is not thread-safe; a lock serialises use.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from colloquy.errors import LLMError
from colloquy.extras import require
from colloquy.llm.cache import ResponseCache
from colloquy.llm.client import LLMClient, ToolChoice
from colloquy.llm.records import (
    CallOptions,
    ChatMessage,
    ChatResult,
    FinishReason,
    StreamChunk,
    ToolCall,
    ToolSpec,
    Usage,
)
from colloquy.llm.wire import finish_reason

if TYPE_CHECKING:
    from llama_cpp import Llama

NO_TOOL = "none"


class LlamaCppClient(LLMClient):
    """A GGUF chat model in this process; ``model`` names it in results and cache keys."""

    backend = "local"

    def __init__(
        self,
        model_path: Path,
        *,
        model: str | None = None,
        n_threads: int = 1,
        n_ctx: int = 4096,
        timeout_s: float = 300.0,
        options: CallOptions | None = None,
        seed: int = 0,
        cache: ResponseCache | None = None,
    ) -> None:
        super().__init__(model or model_path.stem, options=options, cache=cache)
        if n_threads < 1:
            raise ValueError("n_threads must be >= 1")
        self.model_path = model_path
        self.n_threads = n_threads
        self.n_ctx = n_ctx
        self.timeout_s = timeout_s
        self.seed = seed
        self._llm: Llama | None = None
        self._run_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LlamaCppClient(model_path={str(self.model_path)!r}, n_threads={self.n_threads})"

    def _load(self) -> Llama:
        if self._llm is None:
            require("llama_cpp", extra="llm", feature="the local LLM backend")
            from llama_cpp import Llama

            try:
                self._llm = Llama(
                    model_path=str(self.model_path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    seed=self.seed,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise LLMError(
                    f"llama.cpp cannot load {self.model_path}: {exc}",
                    hint="check that the file is a GGUF model llama.cpp supports",
                ) from exc
        return self._llm

    def _complete(
        self,
        messages: tuple[ChatMessage, ...],
        *,
        tools: tuple[ToolSpec, ...],
        tool_choice: ToolChoice,
        json_schema: dict[str, Any] | None,
        options: CallOptions,
    ) -> ChatResult:
        wire = _plain_messages(messages)
        schema = json_schema
        if tools:
            wire = [{"role": "system", "content": _tool_instructions(tools)}, *wire]
            schema = _tool_schema(tools, required=tool_choice == "required")
        started = time.perf_counter()
        pieces: list[str] = []
        reason: FinishReason = "stop"
        first: float | None = None
        tokens = 0
        for delta, finished in self._generate(wire, schema, options, started):
            if delta:
                first = first if first is not None else time.perf_counter() - started
                pieces.append(delta)
                tokens += 1
            if finished is not None:
                reason = finished
        text = "".join(pieces)
        usage = Usage(
            prompt_tokens=self._count_prompt(wire),
            completion_tokens=tokens,
            latency_s=time.perf_counter() - started,
            time_to_first_token_s=first,
        )
        message = ChatMessage.assistant(text)
        if tools:
            message, reason = _tool_answer(text, reason)
        return ChatResult(message, reason, usage, self.backend, self.model)

    def _stream(
        self, messages: tuple[ChatMessage, ...], *, options: CallOptions
    ) -> Iterator[StreamChunk]:
        wire = _plain_messages(messages)
        started = time.perf_counter()
        first: float | None = None
        tokens = 0
        reason: FinishReason = "stop"
        for delta, finished in self._generate(wire, None, options, started):
            if delta:
                first = first if first is not None else time.perf_counter() - started
                tokens += 1
                yield StreamChunk(delta)
            if finished is not None:
                reason = finished
        usage = Usage(
            prompt_tokens=self._count_prompt(wire),
            completion_tokens=tokens,
            latency_s=time.perf_counter() - started,
            time_to_first_token_s=first,
        )
        yield StreamChunk("", reason, usage)

    def _generate(
        self,
        wire: list[dict[str, Any]],
        schema: dict[str, Any] | None,
        options: CallOptions,
        started: float,
    ) -> Iterator[tuple[str, FinishReason | None]]:
        """``(text delta, finish reason or None)`` per token, stopping at the deadline."""
        kwargs: dict[str, Any] = {
            "messages": wire,
            "temperature": options.temperature,
            "max_tokens": options.max_tokens,
            "stream": True,
        }
        if options.seed is not None:
            kwargs["seed"] = options.seed
        if options.stop:
            kwargs["stop"] = list(options.stop)
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        with self._run_lock:
            llm = self._load()
            try:
                for chunk in llm.create_chat_completion(**kwargs):
                    if time.perf_counter() - started > self.timeout_s:
                        raise LLMError(
                            f"local model {self.model} did not finish within {self.timeout_s:g} s",
                            hint="raise COLLOQUY_LLM__TIMEOUT_SECONDS, lower max_tokens, or "
                            "use a smaller model",
                        )
                    # Streamed chunks are OpenAI-shaped dicts; the stubs' union also
                    # allows a non-streamed response, which stream=True never returns.
                    choice: dict[str, Any] = cast("dict[str, Any]", chunk)["choices"][0]
                    delta = str((choice.get("delta") or {}).get("content") or "")
                    done = choice.get("finish_reason")
                    yield delta, (finish_reason(done) if done is not None else None)
            except (ValueError, RuntimeError) as exc:
                raise LLMError(
                    f"local model {self.model} failed: {exc}",
                    hint="a prompt longer than the context window is the usual cause; "
                    "shorten it or raise n_ctx",
                ) from exc

    def _count_prompt(self, wire: list[dict[str, Any]]) -> int:
        """Prompt tokens, counted with the model's tokenizer (template tokens excluded)."""
        text = "\n".join(str(m.get("content") or "") for m in wire)
        return len(self._load().tokenize(text.encode("utf-8"), add_bos=False))


def _plain_messages(messages: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """Messages every chat template accepts: tool calls and results become plain turns."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            content = f"Result of tool call {message.tool_call_id or ''}: {message.content}"
            out.append({"role": "user", "content": content})
        elif message.tool_calls:
            calls = [
                {"tool": c.name, "arguments": c.parsed_arguments()} for c in message.tool_calls
            ]
            out.append(
                {"role": "assistant", "content": json.dumps(calls[0] if len(calls) == 1 else calls)}
            )
        else:
            out.append({"role": message.role, "content": message.content})
    return out


def _tool_instructions(tools: tuple[ToolSpec, ...]) -> str:
    listed = "\n".join(
        f"- {t.name}: {t.description} Arguments (JSON Schema): {t.parameters_json}" for t in tools
    )
    return (
        "You can call these tools:\n"
        f"{listed}\n"
        'To call one, answer {"tool": "<name>", "arguments": {...}}. To answer without a '
        f'tool, answer {{"tool": "{NO_TOOL}", "answer": "<your answer>"}}.'
    )


def _tool_schema(tools: tuple[ToolSpec, ...], *, required: bool) -> dict[str, Any]:
    options: list[dict[str, Any]] = [
        {
            "type": "object",
            "properties": {"tool": {"const": tool.name}, "arguments": tool.parameters()},
            "required": ["tool", "arguments"],
        }
        for tool in tools
    ]
    if not required:
        options.append(
            {
                "type": "object",
                "properties": {"tool": {"const": NO_TOOL}, "answer": {"type": "string"}},
                "required": ["tool", "answer"],
            }
        )
    return options[0] if len(options) == 1 else {"anyOf": options}


def _tool_answer(text: str, reason: FinishReason) -> tuple[ChatMessage, FinishReason]:
    """The grammar-shaped answer as a tool call, or as text when the model chose none."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return ChatMessage.assistant(text), "length" if reason == "length" else reason
    if not isinstance(data, dict) or data.get("tool") in (None, NO_TOOL):
        answer = data.get("answer") if isinstance(data, dict) else None
        return ChatMessage.assistant(str(answer if answer is not None else text)), reason
    call = ToolCall("call_0", str(data["tool"]), json.dumps(data.get("arguments") or {}))
    return ChatMessage("assistant", "", tool_calls=(call,)), "tool_calls"


__all__ = ["NO_TOOL", "LlamaCppClient"]
