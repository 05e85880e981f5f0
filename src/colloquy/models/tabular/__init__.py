"""The generic classification task: any table, declared features, a choice of trainers."""

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

__all__ = [
    "SKLEARN_TRAINERS",
    "TRAINER_NAMES",
    "CategoricalOptions",
    "ClassificationTaskConfig",
    "CustomTransform",
    "FeatureKind",
    "FeatureSpec",
    "NumericOptions",
    "PreprocessingConfig",
    "TextOptions",
    "TrainerSpec",
]
