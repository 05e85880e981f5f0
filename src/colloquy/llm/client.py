"""``LLMClient``: the one seam every LLM call in colloquy goes through.

Backends (an OpenAI-compatible HTTP endpoint, llama-cpp-python in process) implement
two primitives, :meth:`LLMClient._complete` and :meth:`LLMClient._stream`; everything
callers rely on is built once here on top of them, so it behaves the same on every
backend:

* **structured output**: the Pydantic model's JSON Schema goes to the backend (which may
  constrain decoding with it) *and* into the instructions (for servers that ignore
  it); an invalid answer is sent back with what was wrong, at most ``max_repairs`` times;
* **accounting**: every result carries a :class:`~colloquy.llm.records.Usage` (tokens,
  latency, retries), the client keeps a running total, and each call logs one
  ``llm_call`` line naming the backend, model and prompt (name and version);
* **provenance**: a call made from a :class:`~colloquy.llm.prompts.RenderedPrompt`
  carries its :class:`~colloquy.llm.records.PromptRef` in the result, and inside
  :func:`~colloquy.llm.provenance.record_prompts` (a pipeline stage) tags the tracked
  run with the prompt's name and version.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from colloquy.llm.cache import ResponseCache, cache_key
from colloquy.llm.provenance import note_call
from colloquy.llm.records import (
    CallOptions,
    ChatMessage,
    ChatResult,
    ModelT,
    PromptRef,
    StreamChunk,
    StructuredResult,
    ToolSpec,
    Usage,
)
from colloquy.llm.structured import (
    StructuredOutputError,
    parse_structured,
    repair_instruction,
    schema_instruction,
)
from colloquy.logging import get_logger

if TYPE_CHECKING:
    from colloquy.llm.metrics import LLMMetrics, TokenPrice

log = get_logger(__name__)

DEFAULT_MAX_REPAIRS = 2

ToolChoice = Literal["auto", "required"]


class LLMClient(ABC):
    """A chat model: ``chat``, ``stream``, ``structured``; tool calls through ``chat``."""

    backend: ClassVar[str]
    """Short backend name (``openai``, ``local``), recorded in results and cache keys."""

    def __init__(
        self,
        model: str,
        *,
        options: CallOptions | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        self.model = model
        self.options = options or CallOptions()
        self.cache = cache
        self.price: TokenPrice | None = None
        """Set to log and count an estimated cost per call."""
        self.metrics: LLMMetrics | None = None
        """Set to count calls, tokens, cost and latency in Prometheus metrics."""
        self._usage = Usage(calls=0)
        self._lock = threading.Lock()

    @property
    def usage_total(self) -> Usage:
        """Everything this client has spent so far (calls, tokens, seconds, retries)."""
        with self._lock:
            return self._usage

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        tool_choice: ToolChoice = "auto",
        json_schema: dict[str, Any] | None = None,
        options: CallOptions | None = None,
        prompt: PromptRef | None = None,
    ) -> ChatResult:
        """One answer; with ``tools`` it may be tool calls instead of (or besides) text.

        ``tool_choice="required"`` makes the model call one of ``tools``.
        """
        if not messages:
            raise ValueError("chat needs at least one message")
        options = options or self.options
        key: str | None = None
        if self.cache is not None:
            key = cache_key(
                backend=self.backend,
                model=self.model,
                prompt=prompt,
                messages=messages,
                tools=tools,
                tool_choice=tool_choice,
                json_schema=json_schema,
                options=options,
            )
            hit = self.cache.get(key)
            if hit is not None:
                self._account(hit.usage, prompt, cached=True)
                return replace(hit, prompt=prompt, cached=True)
        result = self._complete(
            tuple(messages),
            tools=tuple(tools),
            tool_choice=tool_choice,
            json_schema=json_schema,
            options=options,
        )
        result = replace(result, prompt=prompt)
        self._account(result.usage, prompt)
        if key is not None and self.cache is not None:
            self.cache.put(key, result)
        return result

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        options: CallOptions | None = None,
        prompt: PromptRef | None = None,
    ) -> Iterator[StreamChunk]:
        """The answer's text as it is generated; the last chunk carries the usage."""
        if not messages:
            raise ValueError("stream needs at least one message")
        for chunk in self._stream(tuple(messages), options=options or self.options):
            if chunk.usage is not None:
                self._account(chunk.usage, prompt)
            yield chunk

    def structured(
        self,
        messages: Sequence[ChatMessage],
        schema: type[ModelT],
        *,
        max_repairs: int = DEFAULT_MAX_REPAIRS,
        options: CallOptions | None = None,
        prompt: PromptRef | None = None,
    ) -> StructuredResult[ModelT]:
        """An answer validated as ``schema``, repairing invalid ones up to ``max_repairs`` times.

        Raises :class:`~colloquy.llm.structured.StructuredOutputError` (an ``LLMError``)
        when the last attempt is still invalid.
        """
        if max_repairs < 0:
            raise ValueError("max_repairs must be >= 0")
        conversation = [ChatMessage.system(schema_instruction(schema)), *messages]
        json_schema = schema.model_json_schema()
        attempts: list[ChatResult] = []
        for attempt in range(max_repairs + 1):
            result = self.chat(
                conversation, json_schema=json_schema, options=options, prompt=prompt
            )
            attempts.append(result)
            try:
                value = parse_structured(
                    result.text, schema, source=f"{self.model} ({self.backend})"
                )
            except StructuredOutputError as exc:
                log.info(
                    "llm_structured_repair",
                    model=self.model,
                    attempt=attempt,
                    problems=exc.problems,
                )
                if attempt == max_repairs:
                    raise
                conversation += [
                    ChatMessage.assistant(result.text),
                    ChatMessage.user(repair_instruction(exc)),
                ]
                continue
            return StructuredResult(value, tuple(attempts), _sum(attempts))
        raise AssertionError("unreachable: the loop returns or raises")

    @abstractmethod
    def _complete(
        self,
        messages: tuple[ChatMessage, ...],
        *,
        tools: tuple[ToolSpec, ...],
        tool_choice: ToolChoice,
        json_schema: dict[str, Any] | None,
        options: CallOptions,
    ) -> ChatResult:
        """The backend's answer; raises :class:`~colloquy.errors.LLMError` on failure."""

    @abstractmethod
    def _stream(
        self, messages: tuple[ChatMessage, ...], *, options: CallOptions
    ) -> Iterator[StreamChunk]:
        """The backend's answer as text deltas; the last chunk has the usage."""

    def _account(self, usage: Usage, prompt: PromptRef | None, *, cached: bool = False) -> None:
        with self._lock:
            self._usage = self._usage + usage
        note_call(backend=self.backend, model=self.model, prompt=prompt)
        cost = self.price.cost(usage) if self.price is not None else None
        if self.metrics is not None:
            self.metrics.observe(
                backend=self.backend,
                model=self.model,
                prompt=prompt,
                usage=usage,
                cached=cached,
                cost_usd=cost,
            )
        log.info(
            "llm_call",
            backend=self.backend,
            model=self.model,
            prompt=prompt.name if prompt else None,
            prompt_version=prompt.version if prompt else None,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            latency_s=round(usage.latency_s, 4),
            retries=usage.retries,
            cached=cached,
            cost_usd=cost,
        )


def _sum(results: Sequence[ChatResult]) -> Usage:
    total = results[0].usage
    for result in results[1:]:
        total = total + result.usage
    return replace(total, retries=total.retries + len(results) - 1)


__all__ = ["DEFAULT_MAX_REPAIRS", "LLMClient", "ToolChoice"]
