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
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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

__all__ = ["InferenceSettings", "lifespan", "model_unavailable", "runtime_of", "serving_config"]


class InferenceSettings(BaseSettings):
    """How intent predictions run off the event loop (``COLLOQUY_API_*`` variables).

    Kept beside the runtime rather than in :class:`ApiSettings`: they tune this module
    only, and every uvicorn worker reads them from the same environment.
    """

    model_config = SettingsConfigDict(env_prefix="COLLOQUY_API_", extra="ignore")

    intent_inference: InferenceMode = Field(
        default="thread-pool", description="thread-pool (measured faster) or micro-batch"
    )
    intent_max_batch: int = Field(default=32, ge=1, le=512, description="Texts per batch")
    intent_max_wait_ms: float = Field(
        default=0.0, ge=0, le=1000, description="How long a batch waits for company"
    )
    inference_workers: int = Field(default=2, ge=1, le=64, description="Model-call threads")


def serving_config(
    settings: ApiSettings, inference: InferenceSettings | None = None
) -> ServingConfig:
    """The models to serve (API settings) and how to run them (inference settings)."""
    tuning = inference or InferenceSettings()
    return ServingConfig(
        intent_model=settings.intent_model,
        conversion_model=settings.conversion_model,
        poll_interval=settings.alias_poll_seconds,
        inference=tuning.intent_inference,
        max_batch=tuning.intent_max_batch,
        max_wait_ms=tuning.intent_max_wait_ms,
        workers=tuning.inference_workers,
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
