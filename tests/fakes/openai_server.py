"""A FAKE OpenAI-compatible HTTP server, standing in for a hosted LLM that cannot run here.

It is a real HTTP server (stdlib ``ThreadingHTTPServer`` on 127.0.0.1, an ephemeral port,
a background thread), so the code under test goes through its real HTTP stack — the
OpenAI client, LangChain, httpx, sockets — and only the model is scripted. It implements
the two routes colloquy uses:

* ``POST /v1/chat/completions`` — answered by ``reply(request)``: a string becomes the
  assistant message's content; a :class:`ToolCalls` becomes an assistant message that
  calls those functions; an :class:`HttpError` becomes that status with an OpenAI-style
  error body (and its headers, e.g. ``Retry-After``); a :class:`RawResponse` is sent as
  it is (a web page, a broken body). A request with ``"stream": true`` gets the string
  as server-sent events, one word per chunk, ending in a usage chunk (when
  ``stream_options.include_usage`` asks for it) and ``data: [DONE]``.
* ``GET /v1/models`` — lists the configured model names.

Token counts in ``usage`` are the FAKE's: whitespace-separated words of the messages and
of the answer, so accounting code has non-zero numbers to add up.

Every request is recorded (method, path, headers, parsed JSON body) in ``requests`` so
tests can check what was sent: the model, the Bearer key, the transcript.

    with fake_openai_server(lambda request: '{"insights": []}') as server:
        analyzer = LLMInsightAnalyzer(server.base_url, model="fake-model", api_key="k")
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: Any = None
    """The parsed JSON body (``None`` for GET or a body that is not JSON)."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of a completion request (empty for anything else)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return list(self.body["messages"])
        return []

    @property
    def bearer(self) -> str | None:
        """The token of an ``Authorization: Bearer …`` header."""
        value = self.headers.get("authorization", "")
        return value.removeprefix("Bearer ") if value.startswith("Bearer ") else None


@dataclass(frozen=True)
class HttpError:
    """A scripted failure: the fake answers with this status and an OpenAI error body."""

    status: int
    message: str = "the fake server was told to fail"
    headers: tuple[tuple[str, str], ...] = ()
    """Extra response headers, e.g. ``(("Retry-After", "0.1"),)``."""


@dataclass(frozen=True)
class ToolCalls:
    """A scripted answer that calls functions: ``(name, JSON arguments)`` pairs."""

    calls: tuple[tuple[str, str], ...]
    content: str = ""


@dataclass(frozen=True)
class RawResponse:
    """Bytes sent verbatim, for servers that are not what they claim to be."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"


Reply = Callable[[RecordedRequest], "str | ToolCalls | HttpError | RawResponse"]
"""What the fake answers a chat completion with, given the request."""


@dataclass
class FakeOpenAIServer:
    """The fake server; use :func:`fake_openai_server` to run one for a block."""

    reply: Reply
    models: tuple[str, ...] = ("fake-model",)
    requests: list[RecordedRequest] = field(default_factory=list)
    _httpd: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake OpenAI server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """What an OpenAI client takes as ``base_url``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def completions(self) -> list[RecordedRequest]:
        """The chat-completion requests received so far."""
        with self._lock:
            return [r for r in self.requests if r.path == "/v1/chat/completions"]

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def start(self) -> None:
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-openai-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None


@contextmanager
def fake_openai_server(
    reply: Reply | str, models: tuple[str, ...] = ("fake-model",)
) -> Iterator[FakeOpenAIServer]:
    """Run a fake server for the block; a plain string ``reply`` is answered every time."""
    script: Reply = (lambda _request: reply) if isinstance(reply, str) else reply
    server = FakeOpenAIServer(script, models)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def unused_port() -> int:
    """A local port nothing listens on (bound, then released), for "unreachable" tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timeout test) is expected; do not print a traceback."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeOpenAIServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request lines the stdlib prints to stderr."""

    def do_GET(self) -> None:
        self.fake.record(self._recorded(None))
        if self.path.rstrip("/") != "/v1/models":
            self._send(404, _error(f"no route GET {self.path}", "not_found"))
            return
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.fake.models
        ]
        self._send(200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        request = self._recorded(body)
        self.fake.record(request)
        if self.path != "/v1/chat/completions":
            self._send(404, _error(f"no route POST {self.path}", "not_found"))
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._send(400, _error("body must be JSON with a 'messages' list", "invalid_request"))
            return
        answer = self.fake.reply(request)
        model = str(body.get("model", ""))
        if isinstance(answer, HttpError):
            self._send(answer.status, _error(answer.message, "server_error"), answer.headers)
        elif isinstance(answer, RawResponse):
            self._send_bytes(answer.status, answer.body, answer.content_type)
        elif body.get("stream"):
            self._stream(
                model, body, str(answer.content if isinstance(answer, ToolCalls) else answer)
            )
        else:
            self._send(200, _completion(model, body, answer))

    def _stream(self, model: str, body: dict[str, Any], text: str) -> None:
        """The answer as server-sent events, closing the connection at the end."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        words = text.split(" ")
        for index, word in enumerate(words):
            piece = word if index == 0 else " " + word
            self._event(_chunk(model, {"content": piece}, None))
        self._event(_chunk(model, {}, "stop"))
        options = body.get("stream_options") or {}
        if options.get("include_usage"):
            usage = {**_chunk(model, {}, None), "choices": [], "usage": _usage(body, text)}
            self._event(usage)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()

    def _recorded(self, body: Any) -> RecordedRequest:
        headers = {name.lower(): value for name, value in self.headers.items()}
        return RecordedRequest(self.command, self.path, headers, body)

    def _send(
        self, status: int, payload: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def _send_bytes(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _completion(model: str, body: dict[str, Any], answer: str | ToolCalls) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer}
    reason = "stop"
    if isinstance(answer, ToolCalls):
        reason = "tool_calls"
        message = {
            "role": "assistant",
            "content": answer.content or None,
            "tool_calls": [
                {"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": a}}
                for i, (n, a) in enumerate(answer.calls)
            ],
        }
    text = answer.content if isinstance(answer, ToolCalls) else answer
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": reason,
            }
        ],
        "usage": _usage(body, text),
    }


def _chunk(model: str, delta: dict[str, Any], reason: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
    }


def _usage(body: dict[str, Any], answer: str) -> dict[str, int]:
    """The FAKE's token counts: words, not tokens."""
    prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages", []))
    completion = len(answer.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


__all__ = [
    "FakeOpenAIServer",
    "HttpError",
    "RawResponse",
    "RecordedRequest",
    "Reply",
    "ToolCalls",
    "fake_openai_server",
    "unused_port",
]
