"""``TuneConfig``: what a study searches, how, for how long, and where it is stored.

It is the ``tune:`` block of a pipeline file (and the whole of ``colloquy pipeline tune``'s
settings), validated as one frozen record so that a wrong sampler, an empty range or a
grid over an unstepped float is reported with its key before the first trial starts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from colloquy.pipelines.tuning.space import Dimension, check_parameter_name, grid_values

Sampler = Literal["tpe", "random", "grid"]
Pruner = Literal["median", "none"]
Direction = Literal["maximize", "minimize"]


class TuneConfig(BaseModel):
    """An Optuna study's settings.

    ``n_trials`` counts finished trials only (complete or pruned), so a study resumed
    after a crash, or shared by several workers, ends with exactly that many.
    ``study`` names the study in the storage (``None``: the pipeline derives one);
    workers on other machines join it by that name. ``n_startup_trials`` is the number of
    finished trials before the median pruner may prune (and before TPE leaves its random
    start); ``n_warmup_steps`` the steps within a trial before it may be pruned.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_trials: int = Field(20, description="finished trials (complete + pruned) to run")
    timeout_seconds: float | None = Field(None, description="stop starting trials after this")
    sampler: Sampler = "tpe"
    pruner: Pruner = "median"
    n_startup_trials: int = Field(5, ge=0)
    n_warmup_steps: int = Field(0, ge=0)
    direction: Direction = "maximize"
    metric: str = Field("accuracy", min_length=1)
    study: str | None = Field(None, min_length=1, max_length=200)
    workers: int = Field(1, ge=1, le=64)
    seed: int = 0
    space: dict[str, Dimension]

    @field_validator("n_trials")
    @classmethod
    def _positive_trials(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"n_trials must be at least 1, got {value}")
        return value

    @field_validator("timeout_seconds")
    @classmethod
    def _positive_timeout(cls, value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise ValueError(f"timeout_seconds must be > 0 (or null for none), got {value}")
        return value

    @field_validator("space")
    @classmethod
    def _names(cls, value: dict[str, Dimension], info: ValidationInfo) -> dict[str, Dimension]:
        if not value:
            raise ValueError("space is empty; add at least one dimension (e.g. head.C)")
        for name in value:
            check_parameter_name(name)
        if info.data.get("sampler") == "grid":
            grid_values(value)
        return value


__all__ = ["Direction", "Pruner", "Sampler", "TuneConfig"]
