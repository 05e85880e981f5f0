"""The pipeline file: what a user writes to describe one reproducible training run.

A pipeline names a task (``intent``, ``conversion`` or the generic ``classification``), the
data it reads, and a subset of the fixed stages ``ingest → clean → split → featurize →
train → tune → evaluate → register → batch_predict`` in that order. Each stage names a
component (a built-in name, a dotted path or an entry point) and its parameters; the
parameters are validated by the component's own model once the component is known, so
this module only fixes the shape every pipeline shares.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from colloquy.schema.conversation import JsonValue

Task = Literal["intent", "conversion", "classification"]
TASKS: tuple[Task, ...] = get_args(Task)

Stage = Literal[
    "ingest",
    "clean",
    "split",
    "featurize",
    "train",
    "tune",
    "evaluate",
    "register",
    "batch_predict",
]
STAGES: tuple[Stage, ...] = get_args(Stage)
"""Every stage, in the only order a pipeline may run them."""

DEFAULT_STAGES: dict[Task, tuple[Stage, ...]] = {
    "intent": ("ingest", "split", "train", "evaluate"),
    "conversion": ("ingest", "split", "train", "evaluate"),
    "classification": ("ingest", "split", "train", "evaluate"),
}
"""The stages a pipeline runs when its file has no ``stages`` key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def field_name(key: str) -> str:
    """The attribute behind a file key: ``register`` shadows ``BaseModel.register``."""
    return "register_" if key == "register" else key


class StageSpec(_Strict):
    """One stage: which component runs it and with what parameters."""

    component: str | None = Field(
        default=None,
        description="A built-in component name, `module:Class`, or an entry point of the "
        "`colloquy.components` group; empty: the task's default component for the stage",
    )
    params: dict[str, JsonValue] = Field(
        default_factory=dict, description="The component's parameters (see its section)"
    )


class StagesSpec(_Strict):
    """The stages to run; a missing or ``null`` stage is skipped."""

    ingest: StageSpec | None = Field(default=None, description="Read the data source")
    clean: StageSpec | None = Field(default=None, description="Normalise and de-duplicate")
    split: StageSpec | None = Field(default=None, description="Train / validation / test")
    featurize: StageSpec | None = Field(default=None, description="Warm the embedding cache")
    train: StageSpec | None = Field(default=None, description="Fit the model")
    tune: StageSpec | None = Field(default=None, description="Optuna study, best refitted")
    evaluate: StageSpec | None = Field(default=None, description="Score the test split once")
    register_: StageSpec | None = Field(
        default=None, alias="register", description="Log, register, promote"
    )
    batch_predict: StageSpec | None = Field(default=None, description="Predict a file")


class TrackingSpec(_Strict):
    """Where MLflow records the run (parameters, metrics, artifacts, tags)."""

    enabled: bool = Field(default=True, description="Record the run in MLflow")
    uri: str | None = Field(
        default=None,
        description="MLflow tracking URI; empty: COLLOQUY_MLFLOW__TRACKING_URI or the "
        "SQLite store under the colloquy home",
    )
    experiment: str | None = Field(
        default=None, description="MLflow experiment; empty: the settings' `mlflow.experiment`"
    )


class RegisterSpec(_Strict):
    """How the register stage names and promotes the model."""

    model_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Registered model name; empty: the pipeline's name",
    )
    force: bool = Field(
        default=False, description="Promote even when not significantly better than the champion"
    )
    alpha: float = Field(
        default=0.05, gt=0, lt=1, description="Significance level of the champion comparison"
    )


class RetrySpec(_Strict):
    """Bounded retries with exponential back-off for transient failures (busy database,
    network)."""

    attempts: int = Field(default=3, ge=1, le=10, description="Tries per stage, first included")
    backoff_seconds: float = Field(default=1.0, ge=0, le=60, description="First wait")
    max_backoff_seconds: float = Field(default=30.0, ge=0, le=600, description="Longest wait")


class PipelineSpec(_Strict):
    """The top level of a pipeline file. ``data`` is checked against the task's data model
    (:mod:`colloquy.pipelines.spec.data`) once ``task`` is known."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$",
        description="Pipeline name: the default registered model name and MLflow run name",
    )
    task: Task = Field(description="intent, conversion or classification")
    description: str | None = Field(default=None, description="Free text for people")
    seed: int = Field(default=0, ge=0, description="Seed of every random choice of the run")
    data: dict[str, JsonValue] = Field(description="The data source (see the task's data keys)")
    stages: StagesSpec | None = Field(
        default=None, description="Stages to run; empty: ingest, split, train, evaluate"
    )
    tracking: TrackingSpec = Field(default_factory=TrackingSpec)
    register_: RegisterSpec = Field(default_factory=RegisterSpec, alias="register")
    retries: RetrySpec = Field(default_factory=RetrySpec)

    @property
    def register(self) -> RegisterSpec:
        """The ``register`` section (stored as ``register_``; see :func:`field_name`)."""
        return self.register_

    def stage_specs(self) -> tuple[tuple[Stage, StageSpec], ...]:
        """The stages to run, in order, with their specs (defaults when ``stages`` is empty)."""
        if self.stages is None:
            return tuple((stage, StageSpec()) for stage in DEFAULT_STAGES[self.task])
        chosen = [(s, getattr(self.stages, field_name(s))) for s in STAGES]
        return tuple((stage, spec) for stage, spec in chosen if spec is not None)
