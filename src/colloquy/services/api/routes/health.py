"""``/health`` (the process answers), ``/ready`` (it can serve), ``/metrics`` (Prometheus).

None needs a key: load balancers and scrapers call them, and they reveal no data.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from colloquy.errors import ColloquyError
from colloquy.services.api.deps import get_store
from colloquy.services.api.metrics import metrics_of
from colloquy.services.api.readiness import ReadinessStatus, readiness_of

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = Field(examples=["ok"])
    version: str = Field(examples=["0.1.0"])


class Check(BaseModel):
    ready: bool
    detail: str = ""


class Readiness(BaseModel):
    """Every check: the store, and whatever route modules registered (models ...)."""

    ready: bool = Field(examples=[True])
    checks: dict[str, Check] = Field(
        examples=[{"store": {"ready": True, "detail": "sqlite:///colloquy.db"}}]
    )


@router.get("/health", response_model=Health, summary="Liveness: the process answers")
async def health(request: Request) -> Health:
    return Health(status="ok", version=request.app.version)


def _store_check(request: Request) -> ReadinessStatus:
    try:
        store = get_store(request)
        with store.transaction() as conn:
            conn.execute(text("SELECT 1"))
    except (ColloquyError, RuntimeError) as exc:
        return ReadinessStatus(False, str(exc))
    return ReadinessStatus(True, store.engine.url.render_as_string(hide_password=True))


def _all_checks(request: Request) -> dict[str, ReadinessStatus]:
    return {"store": _store_check(request), **readiness_of(request).run()}


@router.get(
    "/ready",
    response_model=Readiness,
    summary="Readiness: the store answers and every model is loaded",
    responses={503: {"model": Readiness, "description": "Some check is not ready"}},
)
async def ready(request: Request) -> JSONResponse:
    checks = await run_in_threadpool(_all_checks, request)
    body = Readiness(
        ready=all(status.ready for status in checks.values()),
        checks={name: Check(ready=s.ready, detail=s.detail) for name, s in checks.items()},
    )
    return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Text exposition"}},
)
async def metrics(request: Request) -> Response:
    return Response(metrics_of(request).render(), media_type=CONTENT_TYPE_LATEST)
