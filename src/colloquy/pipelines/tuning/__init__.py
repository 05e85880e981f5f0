"""Hyper-parameter tuning on Optuna: the search space, studies in the project database,
resumable and shareable across worker processes, and pruning reports from trainers."""

from colloquy.pipelines.tuning.config import Direction, Pruner, Sampler, TuneConfig
from colloquy.pipelines.tuning.space import (
    CategoricalDimension,
    Dimension,
    FloatDimension,
    IntDimension,
    ParamValue,
    grid_size,
    grid_values,
    suggest,
)

__all__ = [
    "CategoricalDimension",
    "Dimension",
    "Direction",
    "FloatDimension",
    "IntDimension",
    "ParamValue",
    "Pruner",
    "Sampler",
    "TuneConfig",
    "grid_size",
    "grid_values",
    "suggest",
]
