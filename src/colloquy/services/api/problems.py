"""RFC 9457 problem documents: every error the API returns, in one shape.

Routes raise :class:`ProblemError`, or let colloquy's own errors (``NotFoundError``,
``DataError`` ...) propagate; the handlers installed by :func:`install_problem_handlers`
render them as ``application/problem+json`` with the request id that the JSON logs carry.
An unexpected exception is logged with its traceback and answered with a bare 500: a stack
trace never leaves the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from colloquy.errors import (
    ArtifactError,
    ColloquyError,
    ConfigError,
    ConflictError,
    DatabaseUnavailableError,
    DataError,
    LLMError,
    NotFoundError,
    ReadOnlyStoreError,
    StorageError,
    UsageError,
)
from colloquy.logging import get_logger

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:colloquy:problem:"
"""Problem types are URNs (``urn:colloquy:problem:not-found``): stable names a client can
match on; the README's HTTP API section describes each."""


class Problem(BaseModel):
    """The problem document (RFC 9457); ``request_id`` matches the server's log lines."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", examples=["urn:colloquy:problem:not-found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["no dataset named 'banking77'"])
    instance: str | None = Field(default=None, examples=["/v1/datasets/banking77"])
    request_id: str | None = Field(default=None, examples=["4f2a9c1e0b7d4e55"])


class ProblemError(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        type_: str | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.type_ = type_ or "about:blank"
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.title}: {detail}")


_STATUS_OF: tuple[tuple[type[ColloquyError], int, str], ...] = (
    (NotFoundError, 404, "not-found"),
    (ConflictError, 409, "conflict"),
    (DatabaseUnavailableError, 503, "store-unavailable"),
    (ReadOnlyStoreError, 503, "store-read-only"),
    (StorageError, 500, "storage"),
    (DataError, 422, "invalid-data"),
    (UsageError, 400, "bad-request"),
    (ConfigError, 400, "bad-configuration"),
    (ArtifactError, 503, "model-unusable"),
    (LLMError, 502, "llm-unavailable"),
)
"""colloquy's errors and the statuses they become; the first matching class wins."""


def status_of(error: ColloquyError) -> tuple[int, str]:
    """The HTTP status and problem type slug for one of colloquy's errors."""
    for cls, status, slug in _STATUS_OF:
        if isinstance(error, cls):
            return status, slug
    return 500, "internal"


def request_id_of(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None


def problem_response(
    request: Request,
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_: str = "about:blank",
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A ``application/problem+json`` response carrying the request's id."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "instance": request.url.path,
        "request_id": request_id_of(request),
    }
    if detail is not None:
        body["detail"] = detail
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {})
    )


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        exc.status,
        title=exc.title,
        detail=exc.detail,
        type_=exc.type_,
        extra=exc.extra,
        headers=exc.headers,
    )


async def _on_colloquy_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ColloquyError)
    status, slug = status_of(exc)
    if status >= 500:
        get_logger(__name__).error("api.error", error=exc.one_line(), kind=type(exc).__name__)
    return problem_response(request, status, detail=exc.one_line(), type_=PROBLEM_BASE + slug)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    first = errors[0] if errors else None
    detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first else "the request is not valid"
    return problem_response(
        request,
        422,
        title="Request validation failed",
        detail=detail,
        type_=PROBLEM_BASE + "validation",
        extra={"errors": errors},
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(request, exc.status_code, detail=detail, headers=exc.headers)


def internal_error(request: Request, exc: BaseException) -> JSONResponse:
    """The 500 for an exception nothing expected: logged in full, answered with nothing
    but the request id (called by the request middleware, which sees every request)."""
    get_logger(__name__).error(
        "api.unhandled", path=request.url.path, kind=type(exc).__name__, exc_info=exc
    )
    return problem_response(
        request,
        500,
        detail="the server failed to answer; the request id identifies it in the logs",
        type_=PROBLEM_BASE + "internal",
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error the app can return a problem document."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(ColloquyError, _on_colloquy_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}}
    for status in (400, 401, 403, 404, 413, 422, 429, 500, 503)
}
"""``responses=`` for routers: documents the problem shape in the OpenAPI schema."""
