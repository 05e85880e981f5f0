"""The pipeline file: schema and per-task data (``loader`` reads and validates a file,
``checks`` validates what needs the data or services; import them from their modules)."""

from colloquy.pipelines.spec.data import (
    ClassificationData,
    ConversionData,
    DataSpec,
    TextData,
)
from colloquy.pipelines.spec.schema import (
    DEFAULT_STAGES,
    STAGES,
    TASKS,
    PipelineSpec,
    RegisterSpec,
    RetrySpec,
    Stage,
    StageSpec,
    StagesSpec,
    Task,
    TrackingSpec,
)

__all__ = [
    "DEFAULT_STAGES",
    "STAGES",
    "TASKS",
    "ClassificationData",
    "ConversionData",
    "DataSpec",
    "PipelineSpec",
    "RegisterSpec",
    "RetrySpec",
    "Stage",
    "StageSpec",
    "StagesSpec",
    "Task",
    "TextData",
    "TrackingSpec",
]
