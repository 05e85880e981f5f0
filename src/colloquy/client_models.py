"""The records :mod:`colloquy.client` returns: the API's response documents, typed.

They mirror the server's response models but depend only on Pydantic, so a client
process need not import FastAPI or the models. Unknown fields are ignored, so a newer
server that adds fields does not break an older client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Problem(BaseModel):
    """An RFC 9457 problem document, as the API sends every error."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type: str = "about:blank"
    title: str = ""
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None

    def extra(self) -> dict[str, Any]:
        """Fields beyond RFC 9457's (``errors`` of a validation problem, ``limit_bytes`` ...)."""
        return dict(self.model_extra or {})


class Health(_Record):
    status: str
    version: str


class ReadinessCheck(_Record):
    ready: bool
    detail: str = ""


class Readiness(_Record):
    ready: bool
    checks: dict[str, ReadinessCheck]


class WhoAmI(_Record):
    key_id: str | None
    name: str
    scope: str
    anonymous: bool


class ServedModel(_Record):
    kind: str
    name: str
    version: str


class IntentAlternative(_Record):
    label: str
    probability: float


class IntentResult(_Record):
    text: str
    label: str
    confidence: float
    out_of_scope: bool
    top_k: tuple[IntentAlternative, ...]


class IntentPredictions(_Record):
    model: ServedModel
    predictions: tuple[IntentResult, ...]


class ConversionTurn(_Record):
    """A turn to send: ``speaker`` is customer, agent, system or bot."""

    speaker: str
    text: str
    timestamp: datetime | None = None


class BlockEvidence(_Record):
    block: str
    probability: float
    contribution: float


class FeatureContribution(_Record):
    feature: str
    contribution: float
    value: float | None = None


class TurnEffect(_Record):
    turn_index: int
    speaker: str
    text: str
    effect: float
    probability_without: float


class Explanation(_Record):
    base_rate: float
    blocks: tuple[BlockEvidence, ...]
    top_features: tuple[FeatureContribution, ...]
    key_turns: tuple[TurnEffect, ...]


class ConversionScore(_Record):
    model: ServedModel
    conversation_id: str
    probability: float
    running_probability: tuple[float, ...]
    partial: bool
    explanation: Explanation
    insights: dict[str, Any] | None = Field(
        default=None, description="The insights document (see the API schema)"
    )
    metadata_issues: dict[str, int] = Field(default_factory=dict)


class Dataset(_Record):
    name: str
    source: str
    description: str | None
    conversations: int
    turns: int
    created_at: datetime


class Upload(_Record):
    id: str
    job_id: str | None
    filename: str
    source: str
    bytes: int
    sha256: str
    created_at: datetime


class DatasetDetail(Dataset):
    speakers: dict[str, int]
    outcomes: dict[str, int]
    labels: dict[str, dict[str, int]]
    ingests: int
    uploads: tuple[Upload, ...]


class Job(_Record):
    """A training or ingest job; ``state`` is queued, running, succeeded, failed or cancelled."""

    id: str
    kind: str
    state: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    stage: str | None
    progress: float | None
    message: str | None
    metrics: dict[str, float]
    error: str | None
    pipeline: str | None = None
    dataset: str | None = None
    source: str | None = None
    result: dict[str, Any] | None = None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.state in ("succeeded", "failed", "cancelled")


class ServingModel(_Record):
    kind: str
    name: str
    version: str
    reference: str
    loaded_at: datetime
    warmup_seconds: float


class RegisteredModel(_Record):
    name: str
    latest_version: int | None
    aliases: dict[str, int]
    created_at: datetime
    updated_at: datetime
    description: str | None = None


class ModelVersion(_Record):
    version: int
    aliases: tuple[str, ...]
    run_id: str | None
    source: str
    status: str
    created_at: datetime
    tags: dict[str, str]
    metrics: dict[str, float]


class ModelList(_Record):
    models: tuple[RegisteredModel, ...]
    serving: tuple[ServingModel, ...]


class ModelDetail(RegisteredModel):
    versions: tuple[ModelVersion, ...]
    serving: tuple[ServingModel, ...]


class AliasMove(_Record):
    name: str
    alias: str
    version: int
    previous: int | None
    serving: tuple[ServingModel, ...]
