"""The records a study hands back: one per trial, and the study's summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from colloquy.pipelines.tuning.pruning import OnIteration
from colloquy.pipelines.tuning.space import ParamValue

if TYPE_CHECKING:
    import optuna

TrialStateName = Literal["complete", "pruned", "fail", "running", "waiting"]


@dataclass(frozen=True)
class TrialRun:
    """What an objective gets for one trial: the suggested parameters (dotted paths), the
    study's seed for the trainer, the pruning reporter, and the Optuna trial itself."""

    number: int
    params: Mapping[str, ParamValue]
    seed: int
    on_iteration: OnIteration
    trial: optuna.Trial = field(repr=False)


Objective = Callable[[TrialRun], float]
"""Trains with ``run.params`` and returns the metric; may raise ``optuna.TrialPruned``."""


@dataclass(frozen=True)
class TrialRecord:
    """One trial as the storage holds it (``value`` of a pruned trial: its last report)."""

    number: int
    state: TrialStateName
    value: float | None
    params: Mapping[str, ParamValue]
    duration_seconds: float | None
    steps: int


@dataclass(frozen=True)
class StudyResult:
    """A study's outcome: the best trial and every trial, in number order."""

    study_name: str
    storage: str
    metric: str
    direction: Literal["maximize", "minimize"]
    best_number: int | None
    best_value: float | None
    best_params: Mapping[str, ParamValue]
    trials: tuple[TrialRecord, ...]

    @property
    def n_complete(self) -> int:
        return sum(trial.state == "complete" for trial in self.trials)

    @property
    def n_pruned(self) -> int:
        return sum(trial.state == "pruned" for trial in self.trials)

    @property
    def n_failed(self) -> int:
        return sum(trial.state == "fail" for trial in self.trials)

    @property
    def n_finished(self) -> int:
        """Complete plus pruned: the trials that count towards ``n_trials``."""
        return self.n_complete + self.n_pruned


__all__ = ["Objective", "StudyResult", "TrialRecord", "TrialRun", "TrialStateName"]
