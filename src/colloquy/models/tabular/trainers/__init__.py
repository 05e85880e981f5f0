"""Trainers for the generic classification task, one adapter per library, found by name."""

from __future__ import annotations

from colloquy.errors import ConfigError
from colloquy.models.tabular.config import TRAINER_NAMES, TrainerSpec
from colloquy.models.tabular.trainers.base import OnIteration, Trainer, Validation
from colloquy.models.tabular.trainers.lightgbm_trainer import LightGBMTrainer
from colloquy.models.tabular.trainers.sklearn_trainer import SklearnTrainer, build_estimator
from colloquy.models.tabular.trainers.torch_mlp_trainer import TorchMLPTrainer
from colloquy.models.tabular.trainers.xgboost_trainer import XGBoostTrainer

ADAPTERS: tuple[type[Trainer], ...] = (
    SklearnTrainer,
    XGBoostTrainer,
    LightGBMTrainer,
    TorchMLPTrainer,
)


def trainer_class(name: str) -> type[Trainer]:
    """The adapter serving trainer ``name``."""
    for adapter in ADAPTERS:
        if name in adapter.names:
            return adapter
    raise ConfigError(
        f"trainer.name: unknown trainer {name!r}", hint=f"use one of {', '.join(TRAINER_NAMES)}"
    )


def make_trainer(spec: TrainerSpec) -> Trainer:
    """An unfitted trainer for ``spec``, its parameter names checked."""
    return trainer_class(spec.name)(spec.name, spec.params)


def check_trainer(spec: TrainerSpec) -> None:
    """Refuse, before any work, a parameter the trainer does not take or a value that
    scikit-learn's own constraints reject (for its estimators)."""
    adapter = trainer_class(spec.name)
    adapter.check_params(spec.name, spec.params)
    if adapter is SklearnTrainer:
        build_estimator(spec.name, spec.params, seed=0)


__all__ = [
    "ADAPTERS",
    "LightGBMTrainer",
    "OnIteration",
    "SklearnTrainer",
    "TorchMLPTrainer",
    "Trainer",
    "Validation",
    "XGBoostTrainer",
    "check_trainer",
    "make_trainer",
    "trainer_class",
]
