"""ASGI middleware: request ids, access logs, metrics, security headers, body limits.

Written as plain ASGI (not ``BaseHTTPMiddleware``) so streamed responses (server-sent
events, downloads) pass through untouched and the per-request cost stays a few
microseconds.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from colloquy.logging import get_logger
from colloquy.services.api.metrics import ApiMetrics
from colloquy.services.api.problems import PROBLEM_BASE, ProblemError, internal_error

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
_API_ONLY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cache-control", b"no-store"),
)
"""Not sent with the interactive docs, whose page loads Swagger UI's scripts."""
_DOC_PATHS = ("/docs", "/redoc")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            candidate = str(value.decode("latin-1"))
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex[:16]


def _route_template(scope: Scope) -> str:
    """The matched route's path template (``/v1/datasets/{name}``), so labels stay few."""
    path: object = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Gives each request an id (``X-Request-ID`` in and out, bound into the log context),
    logs one access line, counts it in the metrics and adds the security headers."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = get_logger("colloquy.services.api.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import structlog

        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        path = scope.get("path", "")
        api_page = not path.startswith(_DOC_PATHS)

        started_response = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = int(message["status"])
                headers: list[Any] = list(message.get("headers", ()))
                headers.append((b"x-request-id", request_id.encode()))
                present = {name.lower() for name, _ in headers}
                extra = SECURITY_HEADERS + (_API_ONLY_HEADERS if api_page else ())
                headers.extend(item for item in extra if item[0] not in present)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started_response:
                raise
            from starlette.requests import Request

            await internal_error(Request(scope), exc)(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            labels = {"method": scope.get("method", ""), "route": route, "status": str(status)}
            self.metrics.requests.labels(**labels).inc()
            self.metrics.latency.labels(**labels).observe(elapsed)
            principal = scope.get("state", {}).get("principal")
            self.log.info(
                "http.request",
                api_key_id=getattr(principal, "key_id", None),
                method=scope.get("method"),
                path=path,
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )


class BodyTooLargeError(ProblemError):
    """A request body over the limit; answered 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            "Content Too Large",
            f"the request body is over the limit of {limit} bytes",
            type_=PROBLEM_BASE + "too-large",
            extra={"limit_bytes": limit},
        )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class BodySizeLimitMiddleware:
    """Refuses bodies over ``max_body_bytes`` (``max_upload_bytes`` for multipart uploads),
    by ``Content-Length`` before reading and by counting when the body is chunked."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = _header(scope, b"content-type") or ""
        multipart = content_type.lower().startswith("multipart/form-data")
        limit = self.max_upload_bytes if multipart else self.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        exceeded = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLargeError(limit)
            return message

        async def guarded_send(message: Message) -> None:
            # Frameworks turn an error while reading the body into their own 400; once the
            # limit was crossed, the answer is this middleware's 413 instead.
            nonlocal refused
            if exceeded:
                if not refused:
                    refused = True
                    await self._refuse(scope, receive, send, limit)
                return
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLargeError:
            if not refused:
                await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        from starlette.requests import Request

        from colloquy.services.api.problems import problem_response

        error = BodyTooLargeError(limit)
        response = problem_response(
            Request(scope),
            413,
            title=error.title,
            detail=error.detail,
            type_=error.type_,
            extra=error.extra,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
