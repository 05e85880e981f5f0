"""Authentication, scopes and per-key rate limits, as one dependency per route.

``Depends(require_scope(Scope.PREDICT))`` authenticates the request (``Authorization:
Bearer KEY`` or ``X-API-Key: KEY``), checks the key's scope and takes a token from the
key's rate-limit bucket, so every authenticated route is limited. Answers: 401 with
``WWW-Authenticate: Bearer`` for a missing, malformed, unknown, revoked or expired key;
403 for a key whose scope does not cover the route; 429 with ``Retry-After``.

Scopes: ``admin`` covers everything; ``predict`` and ``train`` each cover ``read``.

With no active key in the store, a server bound to a loopback address (or started with
``--insecure``) treats every request as an anonymous admin: a developer on their own
machine needs no key. Once any key exists, every request needs one. A verified key is
remembered for ``key_check_seconds`` (2 s by default), so a revocation takes effect
within that time without a store query per request.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from colloquy.errors import ConfigError
from colloquy.services.api.metrics import metrics_of
from colloquy.services.api.problems import PROBLEM_BASE, ProblemError
from colloquy.services.api.ratelimit import limiter_of
from colloquy.services.api.settings import ApiSettings
from colloquy.storage import Store
from colloquy.storage.api_keys import (
    ApiKeyError,
    ApiKeyRecord,
    KeyScope,
    has_active_keys,
    verify_api_key,
)

Scope = KeyScope
"""The scopes a key can hold (``read``, ``predict``, ``train``, ``admin``)."""

_COVERS: dict[Scope, frozenset[Scope]] = {
    Scope.READ: frozenset({Scope.READ}),
    Scope.PREDICT: frozenset({Scope.PREDICT, Scope.READ}),
    Scope.TRAIN: frozenset({Scope.TRAIN, Scope.READ}),
    Scope.ADMIN: frozenset(Scope),
}


def covers(held: Scope, needed: Scope) -> bool:
    """Whether a key holding ``held`` may call a route that needs ``needed``."""
    return needed in _COVERS[held]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an API key, or the anonymous admin of an unsecured local server."""

    key_id: str | None
    name: str
    scope: Scope

    @property
    def anonymous(self) -> bool:
        return self.key_id is None

    @property
    def limit_key(self) -> str:
        return self.key_id or "anonymous"


ANONYMOUS = Principal(key_id=None, name="anonymous", scope=Scope.ADMIN)


@dataclass
class KeyVerifier:
    """Verifies keys against the store, remembering answers for ``ttl`` seconds."""

    store: Store
    ttl: float
    clock: Callable[[], float] = time.monotonic
    _verified: dict[str, tuple[float, ApiKeyRecord]] = field(default_factory=dict)
    _any_key: tuple[float, bool] | None = None

    def cached(self, key: str) -> ApiKeyRecord | None:
        """The remembered record of ``key``, if it is fresh: no store query, no thread hop."""
        entry = self._verified.get(key)
        if entry is None or self.clock() - entry[0] >= self.ttl:
            return None
        record = entry[1]
        if record.expires_at is not None and record.expires_at <= datetime.now(UTC):
            return None
        return record

    def cached_any_key(self) -> bool | None:
        """The remembered answer of :meth:`any_key`, if it is fresh."""
        if self._any_key is None or self.clock() - self._any_key[0] >= self.ttl:
            return None
        return self._any_key[1]

    def verify(self, key: str) -> ApiKeyRecord:
        record = self.cached(key)
        if record is not None:
            return record
        now = self.clock()
        self._verified.pop(key, None)
        record = verify_api_key(self.store, key)
        if self.ttl > 0:
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[key] = (now, record)
        return record

    def any_key(self) -> bool:
        cached = self.cached_any_key()
        if cached is not None:
            return cached
        now = self.clock()
        answer = has_active_keys(self.store)
        self._any_key = (now, answer)
        return answer


def verifier_of(app: FastAPI) -> KeyVerifier:
    verifier = getattr(app.state, "key_verifier", None)
    if not isinstance(verifier, KeyVerifier):
        raise RuntimeError("the app's lifespan has not started: no key verifier")
    return verifier


def check_exposure(settings: ApiSettings, store: Store) -> None:
    """Refuse to serve a non-loopback address without keys, unless ``insecure`` is set."""
    if settings.loopback or settings.insecure:
        return
    if not has_active_keys(store):
        raise ConfigError(
            f"refusing to serve {settings.host} without API keys: anyone who can reach it "
            "would be an admin",
            hint="create a key with `colloquy api-keys create`, bind to 127.0.0.1, "
            "or pass --insecure",
        )


_bearer = HTTPBearer(auto_error=False, description="An API key as a Bearer token")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key")

_UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="colloquy"'}


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401, "Unauthorized", detail, type_=PROBLEM_BASE + "unauthorized", headers=_UNAUTHORIZED
    )


async def authenticate(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
) -> Principal:
    """The caller, from its key; the anonymous admin where the server allows it."""
    key = bearer.credentials if bearer is not None else header_key
    return await principal_for_key(request.app, key)


async def principal_for_key(app: FastAPI, key: str | None) -> Principal:
    """Who ``key`` is (None: no key sent), as :func:`authenticate` decides for any transport."""
    verifier = verifier_of(app)
    if key:
        record = verifier.cached(key)
        if record is None:
            try:
                record = await run_in_threadpool(verifier.verify, key)
            except ApiKeyError as exc:
                raise _unauthorized(exc.one_line()) from None
        return Principal(key_id=record.id, name=record.name, scope=record.scope)
    settings: ApiSettings = app.state.settings
    if settings.loopback or settings.insecure:
        any_key = verifier.cached_any_key()
        if any_key is None:
            any_key = await run_in_threadpool(verifier.any_key)
        if not any_key:
            return ANONYMOUS
    raise _unauthorized(
        "this request needs an API key: send `Authorization: Bearer KEY` or `X-API-Key: KEY`"
    )


async def websocket_principal(websocket: WebSocket, scope: Scope) -> Principal:
    """The WebSocket's caller, from the same headers (or ``?api_key=`` for browsers, which
    cannot set headers on a WebSocket), allowed ``scope``; a ProblemError otherwise."""
    auth = websocket.headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    key = key or websocket.headers.get("x-api-key") or websocket.query_params.get("api_key")
    principal = await principal_for_key(websocket.app, key)
    if not covers(principal.scope, scope):
        raise ProblemError(
            403,
            "Forbidden",
            f"API key {principal.key_id} has scope {principal.scope.value!r}; "
            f"this stream needs {scope.value!r}",
            type_=PROBLEM_BASE + "forbidden",
        )
    return principal


def require_scope(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller, authenticated, allowed ``scope``, within its rate limit."""

    async def dependency(
        request: Request, principal: Annotated[Principal, Depends(authenticate)]
    ) -> Principal:
        if not covers(principal.scope, scope):
            raise ProblemError(
                403,
                "Forbidden",
                f"API key {principal.key_id} has scope {principal.scope.value!r}; "
                f"this route needs {scope.value!r}",
                type_=PROBLEM_BASE + "forbidden",
            )
        request.state.principal = principal
        limiter = limiter_of(request)
        if limiter is not None:
            decision = await limiter.acquire(principal.limit_key)
            if not decision.allowed:
                metrics_of(request).rate_limit_rejections.labels(scope=scope.value).inc()
                raise ProblemError(
                    429,
                    "Too Many Requests",
                    f"the rate limit of {limiter.rate:g} requests/s (burst {limiter.burst}) "
                    f"for {principal.name} is used up; retry after "
                    f"{decision.retry_after_header} s",
                    type_=PROBLEM_BASE + "rate-limited",
                    headers={"Retry-After": decision.retry_after_header},
                )
        return principal

    return dependency
