"""The generic classification task: any table, declared features, a choice of trainers.

The configuration records import cheaply (a pipeline file is validated without
scikit-learn or pandas); the model, its artifact and the training job load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from colloquy.models.tabular.config import (
    SKLEARN_TRAINERS,
    TRAINER_NAMES,
    CategoricalOptions,
    ClassificationTaskConfig,
    CustomTransform,
    FeatureKind,
    FeatureSpec,
    NumericOptions,
    PreprocessingConfig,
    TextOptions,
    TrainerSpec,
)

if TYPE_CHECKING:
    from colloquy.models.tabular.model import TabularModel
    from colloquy.models.tabular.schema import ColumnSchema, InputSchema
    from colloquy.models.tabular.trainers import OnIteration, check_trainer
    from colloquy.models.tabular.training import (
        ClassificationTrainingResult,
        TaskRows,
        evaluate_classification,
        fit_and_score,
        read_task_rows,
        split_rows,
        train_classification,
    )

_LAZY = {
    "TabularModel": "model",
    "ColumnSchema": "schema",
    "InputSchema": "schema",
    "OnIteration": "trainers",
    "check_trainer": "trainers",
    "ClassificationTrainingResult": "training",
    "TaskRows": "training",
    "evaluate_classification": "training",
    "fit_and_score": "training",
    "read_task_rows": "training",
    "split_rows": "training",
    "train_classification": "training",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "SKLEARN_TRAINERS",
    "TRAINER_NAMES",
    "CategoricalOptions",
    "ClassificationTaskConfig",
    "ClassificationTrainingResult",
    "ColumnSchema",
    "CustomTransform",
    "FeatureKind",
    "FeatureSpec",
    "InputSchema",
    "NumericOptions",
    "OnIteration",
    "PreprocessingConfig",
    "TabularModel",
    "TaskRows",
    "TextOptions",
    "TrainerSpec",
    "check_trainer",
    "evaluate_classification",
    "fit_and_score",
    "read_task_rows",
    "split_rows",
    "train_classification",
]
