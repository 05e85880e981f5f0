"""The component seam: what a pipeline stage is, what it reads and what it leaves behind.

A component declares its stage, the tasks it serves, a Pydantic model of its parameters,
the artifact kinds it needs from earlier stages (``requires``) and the ones it makes
(``provides``). The orchestrator gives :meth:`Component.run` an empty output directory
and the directories of the stages that provided its inputs; whatever the component
writes there is the stage's cached output, described by the :class:`StageOutput` it
returns. :meth:`Component.check` runs at validation time, before any stage runs, for
checks that need the data (a column that does not exist) or a service (a tracking URI).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from colloquy.errors import ConfigError
from colloquy.pipelines.spec.data import DataSpec
from colloquy.pipelines.spec.schema import TASKS, RegisterSpec, Stage, Task, TrackingSpec
from colloquy.progress import ProgressCallback

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.tracking.base import TrackedRun

ROWS = "rows"
SPLITS = "splits"
FEATURES = "features"
MODEL = "model"
STUDY = "study"
EVALUATION = "evaluation"
REGISTERED = "registered"
PREDICTIONS = "predictions"
ARTIFACT_KINDS = (ROWS, SPLITS, FEATURES, MODEL, STUDY, EVALUATION, REGISTERED, PREDICTIONS)
"""What stages pass to each other; a stage's input is the latest stage providing the kind."""

Scalar = str | int | float | bool | None
ParamsT = TypeVar("ParamsT", bound=BaseModel)
Locator = Callable[[tuple[str | int, ...]], str]
"""Turns a key path of the pipeline file into ``file:line`` (made by the spec loader)."""


class NoParams(BaseModel):
    """The parameters of a component that takes none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StageOutput(BaseModel):
    """What a stage reports: deterministic metrics, descriptive facts, and the files of
    its output directory worth logging as tracking artifacts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metrics: dict[str, float] = Field(default_factory=dict)
    info: dict[str, Scalar] = Field(default_factory=dict)
    artifacts: tuple[str, ...] = Field(
        default=(), description="Paths relative to the output directory, logged to MLflow"
    )
    reused: bool = Field(
        default=False,
        description="The stage found its result already in place (an identical model already "
        "registered) and did nothing: reported as cached",
    )


@dataclass(frozen=True, slots=True)
class StageInput:
    """An earlier stage's output: its directory and record."""

    stage: Stage
    directory: Path
    output: StageOutput


@dataclass(frozen=True, slots=True)
class StageInputs:
    """The outputs a stage reads, by artifact kind."""

    by_kind: Mapping[str, StageInput]

    def directory(self, kind: str) -> Path:
        """The directory of the stage that provided ``kind``."""
        return self.by_kind[kind].directory

    def output(self, kind: str) -> StageOutput:
        return self.by_kind[kind].output

    def has(self, kind: str) -> bool:
        return kind in self.by_kind


@dataclass(frozen=True, slots=True)
class PipelineFacts:
    """What every stage may know about the pipeline it belongs to."""

    name: str
    task: Task
    seed: int
    data: DataSpec
    file: Path
    register: RegisterSpec
    tracking: TrackingSpec


@dataclass(frozen=True, slots=True)
class StageContext:
    """Everything a running stage needs besides its inputs."""

    run_id: str
    stage: Stage
    pipeline: PipelineFacts
    params: BaseModel
    data_version: str
    output: Path
    home: Path
    settings: Settings
    force_register: bool = False
    tracker: TrackedRun | None = None
    progress: ProgressCallback | None = None

    def typed(self, model: type[ParamsT]) -> ParamsT:
        """The stage's parameters as the component's own model."""
        if not isinstance(self.params, model):
            raise TypeError(f"{self.stage} parameters are {type(self.params).__name__}")
        return self.params

    @property
    def embedding_cache(self) -> Path:
        """The persistent embedding cache under the colloquy home (shared by all runs)."""
        from colloquy.features.embeddings.cache import default_cache_path

        return default_cache_path(self.home)


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What :meth:`Component.check` may use; :meth:`fail` raises a located ConfigError."""

    stage: Stage
    pipeline: PipelineFacts
    params: BaseModel
    settings: Settings
    locate: Locator
    earlier: tuple[Stage, ...] = ()

    def typed(self, model: type[ParamsT]) -> ParamsT:
        if not isinstance(self.params, model):
            raise TypeError(f"{self.stage} parameters are {type(self.params).__name__}")
        return self.params

    def fail(self, key: tuple[str | int, ...], message: str, hint: str) -> ConfigError:
        """A ConfigError naming ``file:line`` of ``key`` (a path from the file's top)."""
        dotted = ".".join(str(part) for part in key)
        return ConfigError(f"{self.locate(key)}: key {dotted!r}: {message}", hint=hint)


class Component(ABC):
    """One stage's work. Subclasses set the class attributes and implement :meth:`run`."""

    stage: ClassVar[Stage]
    tasks: ClassVar[tuple[Task, ...]] = TASKS
    params_model: ClassVar[type[BaseModel]] = NoParams
    requires: ClassVar[tuple[str, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()
    cacheable: ClassVar[bool] = True
    """False for stages with effects outside their directory (registering a model)."""

    def check(self, context: CheckContext) -> None:
        """Validate what can be validated before any work; raise ``context.fail(...)``."""
        return

    @abstractmethod
    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        """Do the stage's work, writing files into ``context.output``."""
