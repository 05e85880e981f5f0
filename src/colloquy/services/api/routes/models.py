"""``/v1/models``: registered models, their versions and aliases, and what is being served.

Moving an alias (``PUT /v1/models/{name}/aliases/{alias}``, admin scope) is how a model is
rolled out or back: the server checks its references right after the move, so the new
version serves before the call returns (other workers pick it up at their next poll).
This module's lifespan also builds the app's model runtime (:mod:`..serving`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from colloquy.errors import ColloquyError, NotFoundError
from colloquy.services.api.problems import PROBLEM_BASE, PROBLEM_RESPONSES, ProblemError
from colloquy.services.api.security import Scope, require_scope
from colloquy.services.api.serving import lifespan, runtime_of
from colloquy.serving import ModelIdentity, ModelRuntime
from colloquy.tracking.registry import (
    ModelDetails,
    ModelRegistry,
    ModelVersionRecord,
    RegisteredModelRecord,
)

__all__ = ["lifespan", "router"]

router = APIRouter(prefix="/v1/models", tags=["models"], responses=PROBLEM_RESPONSES)

ModelName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")]
AliasName = Annotated[str, Path(pattern=r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")]


class ServingOut(BaseModel):
    """A model being served by this worker."""

    kind: str = Field(examples=["intent"])
    name: str = Field(examples=["banking77-intent"])
    version: str = Field(examples=["3"])
    reference: str = Field(examples=["banking77-intent@champion"])
    loaded_at: datetime
    warmup_seconds: float

    @classmethod
    def of(cls, identity: ModelIdentity) -> ServingOut:
        return cls(
            kind=identity.kind,
            name=identity.name,
            version=identity.version,
            reference=identity.reference,
            loaded_at=identity.loaded_at,
            warmup_seconds=identity.warmup_seconds,
        )


class RegisteredModelOut(BaseModel):
    name: str = Field(examples=["banking77-intent"])
    latest_version: int | None = Field(examples=[3])
    aliases: dict[str, int] = Field(examples=[{"champion": 3, "challenger": 2}])
    created_at: datetime
    updated_at: datetime
    description: str | None = None

    @classmethod
    def of(cls, record: RegisteredModelRecord) -> RegisteredModelOut:
        return cls(
            name=record.name,
            latest_version=record.latest_version,
            aliases=dict(record.aliases),
            created_at=record.created_at,
            updated_at=record.updated_at,
            description=record.description,
        )


class ModelVersionOut(BaseModel):
    version: int = Field(examples=[3])
    aliases: list[str] = Field(examples=[["champion"]])
    run_id: str | None
    source: str
    status: str
    created_at: datetime
    tags: dict[str, str]
    metrics: dict[str, float]

    @classmethod
    def of(cls, record: ModelVersionRecord) -> ModelVersionOut:
        return cls(
            version=record.version,
            aliases=list(record.aliases),
            run_id=record.run_id,
            source=record.source,
            status=record.status,
            created_at=record.created_at,
            tags=dict(record.tags),
            metrics=dict(record.metrics),
        )


class ModelListResponse(BaseModel):
    """Every registered model, and what this worker serves of each kind."""

    models: list[RegisteredModelOut]
    serving: list[ServingOut]


class ModelDetailResponse(RegisteredModelOut):
    """One registered model with all its versions (newest first)."""

    versions: list[ModelVersionOut]
    serving: list[ServingOut]

    @classmethod
    def build(cls, details: ModelDetails, serving: list[ServingOut]) -> ModelDetailResponse:
        base = RegisteredModelOut.of(details.model)
        return cls(
            **base.model_dump(),
            versions=[ModelVersionOut.of(v) for v in details.versions],
            serving=[s for s in serving if s.name == details.model.name],
        )


class AliasRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": 3}]})

    version: int = Field(ge=1, description="The version the alias should point at")


class AliasResponse(BaseModel):
    """Where the alias points now, where it pointed before, and what serves now."""

    name: str = Field(examples=["banking77-intent"])
    alias: str = Field(examples=["champion"])
    version: int = Field(examples=[3])
    previous: int | None = Field(examples=[2])
    serving: list[ServingOut]


def _serving(runtime: ModelRuntime) -> list[ServingOut]:
    return [ServingOut.of(i) for i in runtime.serving().values() if i is not None]


def _registry(runtime: ModelRuntime) -> ModelRegistry:
    """The registry, or a 503 problem when the configured store cannot be used."""
    try:
        return runtime.registry()
    except NotFoundError as exc:
        raise ProblemError(
            404, "Not Found", exc.one_line(), type_=PROBLEM_BASE + "not-found"
        ) from None
    except ColloquyError as exc:
        raise _unavailable(exc) from None


def _unavailable(exc: ColloquyError) -> ProblemError:
    return ProblemError(
        503,
        "Model registry unavailable",
        exc.one_line(),
        type_=PROBLEM_BASE + "registry-unavailable",
    )


@router.get(
    "",
    response_model=ModelListResponse,
    summary="List registered models and the models being served",
    dependencies=[Depends(require_scope(Scope.READ))],
)
async def list_models(request: Request) -> ModelListResponse:
    runtime = runtime_of(request)
    try:
        registry = await run_in_threadpool(runtime.registry)
    except NotFoundError:
        return ModelListResponse(models=[], serving=_serving(runtime))
    except ColloquyError as exc:
        raise _unavailable(exc) from None
    found = await run_in_threadpool(registry.list_models)
    return ModelListResponse(
        models=[RegisteredModelOut.of(m) for m in found], serving=_serving(runtime)
    )


@router.get(
    "/{name}",
    response_model=ModelDetailResponse,
    summary="A registered model with its versions, aliases, runs and metrics",
    dependencies=[Depends(require_scope(Scope.READ))],
)
async def show_model(name: ModelName, request: Request) -> ModelDetailResponse:
    runtime = runtime_of(request)
    registry = await run_in_threadpool(_registry, runtime)
    details = await run_in_threadpool(registry.show, name)
    return ModelDetailResponse.build(details, _serving(runtime))


@router.put(
    "/{name}/aliases/{alias}",
    response_model=AliasResponse,
    summary="Point an alias (champion, challenger ...) at a version; served models follow",
    dependencies=[Depends(require_scope(Scope.ADMIN))],
)
async def set_alias(
    name: ModelName, alias: AliasName, body: AliasRequest, request: Request
) -> AliasResponse:
    runtime = runtime_of(request)
    registry = await run_in_threadpool(_registry, runtime)

    def move() -> int | None:
        previous = registry.alias_version(name, alias)
        registry.set_alias(name, alias, body.version)
        return previous

    previous = await run_in_threadpool(move)
    await runtime.refresh()
    return AliasResponse(
        name=name,
        alias=alias,
        version=body.version,
        previous=previous,
        serving=_serving(runtime),
    )
