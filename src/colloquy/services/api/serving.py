"""The app's model runtime: built and started in a lifespan, handed to the model routes.

One :class:`~colloquy.serving.ModelRuntime` per app (per worker process) serves both
kinds; the intents, conversions and models routes find it with :func:`runtime_of`. A kind
without a model leaves the server up: its routes answer 503 and ``/ready`` says why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI, Request

from colloquy.services.api.metrics import metrics_of
from colloquy.services.api.problems import PROBLEM_BASE, ProblemError
from colloquy.services.api.readiness import ReadinessStatus, register_readiness
from colloquy.services.api.settings import ApiSettings
from colloquy.serving import (
    InferenceMode,
    ModelHolder,
    ModelRuntime,
    ModelUnavailableError,
    ServingConfig,
)

__all__ = ["lifespan", "model_unavailable", "runtime_of", "serving_config"]

_MODES: tuple[InferenceMode, ...] = ("micro-batch", "thread-pool")


def serving_config(settings: ApiSettings) -> ServingConfig:
    """The serving part of the API settings (inference options default when not set)."""
    mode = str(getattr(settings, "intent_inference", "micro-batch"))
    return ServingConfig(
        intent_model=settings.intent_model,
        conversion_model=settings.conversion_model,
        poll_interval=settings.alias_poll_seconds,
        inference=mode if mode in _MODES else "micro-batch",
        max_batch=int(getattr(settings, "intent_max_batch", 32)),
        max_wait_ms=float(getattr(settings, "intent_max_wait_ms", 0.0)),
        workers=int(getattr(settings, "inference_workers", 2)),
    )


def runtime_of(app_or_request: FastAPI | Request) -> ModelRuntime:
    """The app's model runtime (started by :func:`lifespan`)."""
    app = app_or_request.app if isinstance(app_or_request, Request) else app_or_request
    runtime = getattr(app.state, "model_runtime", None)
    if not isinstance(runtime, ModelRuntime):
        raise RuntimeError("the app has no model runtime: mount the models routes")
    return runtime


def model_unavailable(error: ModelUnavailableError) -> ProblemError:
    """A 503 problem for a kind without a model; ``Retry-After`` as a poll comes soon."""
    return ProblemError(
        503,
        "Model unavailable",
        error.one_line(),
        type_=PROBLEM_BASE + "model-unavailable",
        extra={"kind": error.kind},
    )


def _readiness(holder: ModelHolder[Any]) -> Callable[[], ReadinessStatus]:
    def check() -> ReadinessStatus:
        served = holder.current()
        if served is not None:
            return ReadinessStatus(True, served.identity.label)
        reason = holder.last_error or "not loaded yet"
        return ReadinessStatus(False, f"{holder.locator.description}: {reason}")

    return check


@asynccontextmanager
async def lifespan(app: FastAPI, settings: ApiSettings) -> AsyncIterator[None]:
    """Load and warm up both models, register their readiness, stop the pollers at exit."""
    metrics = metrics_of(app)

    def observe(kind: Literal["intent", "conversion"], model: str, seconds: float) -> None:
        metrics.model_inference.labels(kind=kind, model=model).observe(seconds)

    runtime = ModelRuntime.from_settings(serving_config(settings), settings.core(), observe=observe)
    await runtime.start()
    app.state.model_runtime = runtime
    for holder in runtime.holders():
        register_readiness(app, f"{holder.kind} model", _readiness(holder))
    try:
        yield
    finally:
        await runtime.aclose()
