"""Hyper-parameter tuning on Optuna: the search space, studies in the project database,
resumable and shareable across worker processes, and pruning reports from trainers.

Optuna itself is imported only when a study runs, so validating a pipeline file that
holds a ``tune:`` block stays cheap.
"""

from colloquy.pipelines.tuning.config import Direction, Pruner, Sampler, TuneConfig
from colloquy.pipelines.tuning.pruning import (
    OnIteration,
    lightgbm_callback,
    torch_epoch_hook,
    trial_reporter,
    xgboost_callback,
)
from colloquy.pipelines.tuning.records import Objective, StudyResult, TrialRecord, TrialRun
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
from colloquy.pipelines.tuning.storage import dashboard_command, open_storage, study_storage_url
from colloquy.pipelines.tuning.study import open_study, run_study
from colloquy.pipelines.tuning.workers import ObjectiveFactory, run_study_workers

__all__ = [
    "CategoricalDimension",
    "Dimension",
    "Direction",
    "FloatDimension",
    "IntDimension",
    "Objective",
    "ObjectiveFactory",
    "OnIteration",
    "ParamValue",
    "Pruner",
    "Sampler",
    "StudyResult",
    "TrialRecord",
    "TrialRun",
    "TuneConfig",
    "dashboard_command",
    "grid_size",
    "grid_values",
    "lightgbm_callback",
    "open_storage",
    "open_study",
    "run_study",
    "run_study_workers",
    "study_storage_url",
    "suggest",
    "torch_epoch_hook",
    "trial_reporter",
    "xgboost_callback",
]
