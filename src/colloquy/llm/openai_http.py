"""The OpenAI-compatible HTTP adapter: hosted providers, vLLM, Ollama, llama.cpp server.

It speaks ``POST {base_url}/chat/completions`` with httpx directly (no SDK), so the
retry rules are colloquy's own and visible: transient statuses and timeouts are retried
with back-off, a server's ``Retry-After`` is honoured, anything else fails at once as an
:class:`~colloquy.errors.LLMError` naming the endpoint, the status and the fix.

Structured output is requested as ``response_format: json_schema`` (``structured_mode``
``json_object`` or ``prompt`` for servers that lack it); the base class validates and
repairs either way. A local server needs no key; a placeholder is sent when none is
configured, never a key read from another variable, so a hosted provider's key cannot
leak to a different endpoint.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal

import httpx

from colloquy.errors import LLMError
from colloquy.llm.cache import ResponseCache
from colloquy.llm.client import LLMClient, ToolChoice
from colloquy.llm.records import CallOptions, ChatMessage, ChatResult, StreamChunk, ToolSpec, Usage
from colloquy.llm.retry import RETRYABLE_STATUS, RetryPolicy
from colloquy.llm.structured import short
from colloquy.llm.wire import (
    finish_reason,
    openai_messages,
    openai_tools,
    response_message,
    response_usage,
)

NO_KEY = "not-needed"
"""Sent as the key when none is configured (local servers ignore it)."""

StructuredMode = Literal["json_schema", "json_object", "prompt"]


class OpenAICompatibleClient(LLMClient):
    """A chat model behind any OpenAI-compatible ``base_url`` (usually ending in ``/v1``)."""

    backend = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        options: CallOptions | None = None,
        structured_mode: StructuredMode = "json_schema",
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        super().__init__(model, options=options, cache=cache)
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.structured_mode = structured_mode
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_s),
            headers={"Authorization": f"Bearer {api_key or NO_KEY}"},
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"OpenAICompatibleClient(base_url={self.base_url!r}, model={self.model!r})"

    def close(self) -> None:
        self._http.close()

    def _complete(
        self,
        messages: tuple[ChatMessage, ...],
        *,
        tools: tuple[ToolSpec, ...],
        tool_choice: ToolChoice,
        json_schema: dict[str, Any] | None,
        options: CallOptions,
    ) -> ChatResult:
        payload = self._payload(messages, options)
        if tools:
            payload["tools"] = openai_tools(tools)
            payload["tool_choice"] = tool_choice
        if json_schema is not None:
            payload.update(self._response_format(json_schema))
        started = time.perf_counter()
        response, retries = self._send(payload, stream=False)
        try:
            body = response.json()
            choice = body["choices"][0]
            message = response_message(choice)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(
                f"LLM endpoint {self.base_url} did not answer with an OpenAI chat completion "
                f"({type(exc).__name__}: {short(str(exc))}): {short(response.text)!r}",
                hint="check that the base URL is the API root (usually ending in /v1), "
                "not a web page",
            ) from None
        usage = response_usage(body, time.perf_counter() - started, retries)
        return ChatResult(
            message, finish_reason(choice.get("finish_reason")), usage, self.backend, self.model
        )

    def _stream(
        self, messages: tuple[ChatMessage, ...], *, options: CallOptions
    ) -> Iterator[StreamChunk]:
        payload = self._payload(messages, options)
        payload["stream"] = True
        payload["stream_options"] = {"include_usage": True}
        started = time.perf_counter()
        response, retries = self._send(payload, stream=True)
        first: float | None = None
        reason: str | None = None
        tokens: dict[str, Any] = {}
        try:
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line.removeprefix("data:").strip()
                if data == "[DONE]":
                    break
                event = _event(data, self.base_url)
                tokens = event.get("usage") or tokens
                for choice in event.get("choices") or ():
                    delta = str((choice.get("delta") or {}).get("content") or "")
                    reason = choice.get("finish_reason") or reason
                    if delta:
                        first = first if first is not None else time.perf_counter() - started
                        yield StreamChunk(delta)
        except httpx.TimeoutException as exc:
            raise self._timeout_error() from exc
        finally:
            response.close()
        usage = Usage(
            prompt_tokens=int(tokens.get("prompt_tokens") or 0),
            completion_tokens=int(tokens.get("completion_tokens") or 0),
            latency_s=time.perf_counter() - started,
            retries=retries,
            time_to_first_token_s=first,
        )
        yield StreamChunk("", finish_reason(reason), usage)

    def _payload(self, messages: tuple[ChatMessage, ...], options: CallOptions) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": openai_messages(messages),
            "temperature": options.temperature,
            "max_tokens": options.max_tokens,
        }
        if options.seed is not None:
            payload["seed"] = options.seed
        if options.stop:
            payload["stop"] = list(options.stop)
        return payload

    def _response_format(self, json_schema: dict[str, Any]) -> dict[str, Any]:
        if self.structured_mode == "json_schema":
            spec = {"name": "answer", "schema": json_schema, "strict": False}
            return {"response_format": {"type": "json_schema", "json_schema": spec}}
        if self.structured_mode == "json_object":
            return {"response_format": {"type": "json_object"}}
        return {}

    def _send(self, payload: dict[str, Any], *, stream: bool) -> tuple[httpx.Response, int]:
        """The first non-transient response, and how many retries it took."""
        url = f"{self.base_url}/chat/completions"
        for attempt in range(self.retry.max_retries + 1):
            last = attempt == self.retry.max_retries
            try:
                request = self._http.build_request("POST", url, json=payload)
                response = self._http.send(request, stream=stream)
            except httpx.TimeoutException as exc:
                if last:
                    raise self._timeout_error() from exc
                self._sleep(self.retry.delay(attempt))
                continue
            except httpx.TransportError as exc:
                if last:
                    raise LLMError(
                        f"cannot reach LLM endpoint {self.base_url}: {_root_cause(exc)}",
                        hint="check the base URL (COLLOQUY_LLM__BASE_URL, usually ending in "
                        "/v1) and that the server is running",
                    ) from exc
                self._sleep(self.retry.delay(attempt))
                continue
            if response.status_code < 400:
                return response, attempt
            if stream:
                response.read()
                response.close()
            if response.status_code in RETRYABLE_STATUS and not last:
                self._sleep(self.retry.delay(attempt, response.headers.get("retry-after")))
                continue
            raise LLMError(
                f"LLM endpoint {self.base_url} answered HTTP {response.status_code} for model "
                f"{self.model!r}"
                + (f" after {attempt} retries" if attempt else "")
                + f": {short(_error_detail(response))}",
                hint=_status_hint(response.status_code),
            )
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _timeout_error(self) -> LLMError:
        return LLMError(
            f"LLM endpoint {self.base_url} did not answer within {self.timeout_s:g} s",
            hint="raise COLLOQUY_LLM__TIMEOUT_SECONDS or use a faster model",
        )


def _event(data: str, base_url: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except json.JSONDecodeError:
        raise LLMError(
            f"LLM endpoint {base_url} streamed an event that is not JSON: {short(data)!r}",
            hint="check that the server supports streaming chat completions",
        ) from None
    if not isinstance(event, dict):
        raise LLMError(f"LLM endpoint {base_url} streamed a non-object event: {short(data)!r}")
    return event


def _error_detail(response: httpx.Response) -> str:
    """The ``error.message`` of an OpenAI-style error body, else the body's start."""
    try:
        body = response.json()
    except ValueError:
        return response.text or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    return response.text


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return str(exc) or type(exc).__name__


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return "check COLLOQUY_LLM__API_KEY"
    if status == 404:
        return "check COLLOQUY_LLM__MODEL and that COLLOQUY_LLM__BASE_URL ends in /v1"
    if status == 429:
        return "the endpoint is rate limiting; retry later or lower the request rate"
    return "retry later, or look at the endpoint's logs"


__all__ = ["NO_KEY", "OpenAICompatibleClient", "StructuredMode"]
