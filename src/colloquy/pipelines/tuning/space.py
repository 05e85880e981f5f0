"""The search space: typed dimensions, validated before any trial runs.

A space maps a dotted parameter path into the trainer's parameters (``head.C``,
``encoder``, ``trainer.learning_rate``) to one :data:`Dimension`. The dimensions mirror
Optuna's ``suggest_float`` / ``suggest_int`` / ``suggest_categorical`` one to one, so a
space written in YAML means exactly what the same calls would mean in Python, and every
combination Optuna would refuse at trial time (a log range through zero, a log range with
a step) is refused here, at load time, with the key that is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

ParamValue = float | int | str | bool | None
"""A value a dimension can give: what a trainer parameter receives."""

_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FloatDimension(_Frozen):
    """A real range ``[low, high]``, uniform or log-uniform, optionally on a ``step`` grid."""

    type: Literal["float"]
    low: float
    high: float
    log: bool = False
    step: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError(f"low and high must be finite numbers, got {self.low}, {self.high}")
        _check_range(self.low, self.high)
        if self.log and self.low <= 0:
            raise ValueError(
                f"a log range needs low > 0, got low={self.low}; use a positive low "
                "(e.g. 1e-4) or log: false"
            )
        if self.step is not None:
            if self.log:
                raise ValueError("step and log cannot be combined; drop one of them")
            if not self.step > 0:
                raise ValueError(f"step must be > 0, got {self.step}")
            if self.step > self.high - self.low:
                raise ValueError(
                    f"step {self.step} is wider than the range {self.low}..{self.high}"
                )
        return self

    def grid(self) -> list[ParamValue] | None:
        """The values a grid search visits (``None`` without a ``step``)."""
        if self.step is None:
            return None
        count = math.floor((self.high - self.low) / self.step + 1e-9) + 1
        return [round(self.low + i * self.step, 12) for i in range(count)]


class IntDimension(_Frozen):
    """An integer range ``[low, high]`` (both included), optionally log-uniform or stepped."""

    type: Literal["int"]
    low: int
    high: int
    log: bool = False
    step: int = 1

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_range(self.low, self.high)
        if self.log and self.low <= 0:
            raise ValueError(
                f"a log range needs low > 0, got low={self.low}; use low: 1 or log: false"
            )
        if self.step < 1:
            raise ValueError(f"step must be >= 1, got {self.step}")
        if self.log and self.step != 1:
            raise ValueError("step and log cannot be combined; drop one of them")
        if self.step > self.high - self.low:
            raise ValueError(f"step {self.step} is wider than the range {self.low}..{self.high}")
        return self

    def grid(self) -> list[ParamValue]:
        """Every value of the range, ``step`` apart."""
        return list(range(self.low, self.high + 1, self.step))


class CategoricalDimension(_Frozen):
    """One of a fixed list of values (an encoder name, a solver, a boolean switch)."""

    type: Literal["categorical"]
    choices: tuple[ParamValue, ...]

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.choices:
            raise ValueError("choices is empty; list at least one value")
        seen: set[tuple[str, ParamValue]] = set()
        for choice in self.choices:
            key = (type(choice).__name__, choice)
            if key in seen:
                raise ValueError(f"choice {choice!r} is listed twice")
            seen.add(key)
        return self

    def grid(self) -> list[ParamValue]:
        """The choices, in the order written."""
        return list(self.choices)


Dimension = Annotated[
    FloatDimension | IntDimension | CategoricalDimension, Field(discriminator="type")
]
"""One search dimension; YAML picks the kind with ``type: float | int | categorical``."""


class Suggester(Protocol):
    """The part of ``optuna.Trial`` that :func:`suggest` needs (a seam for typing only)."""

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = ..., log: bool = ...
    ) -> float: ...

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = ..., log: bool = ...
    ) -> int: ...

    def suggest_categorical(self, name: str, choices: list[ParamValue]) -> ParamValue: ...


def check_parameter_name(name: str) -> str:
    """``name`` if it is a dotted path of identifiers, else a ``ValueError`` saying so."""
    if not _PATH.fullmatch(name):
        raise ValueError(
            f"parameter name {name!r} is not a dotted path of identifiers "
            "(e.g. head.C, encoder, trainer.learning_rate)"
        )
    return name


def suggest(trial: Suggester, space: Mapping[str, Dimension]) -> dict[str, ParamValue]:
    """One value per dimension, drawn through the trial's sampler, keyed by parameter path."""
    params: dict[str, ParamValue] = {}
    for name, dim in space.items():
        if isinstance(dim, FloatDimension):
            params[name] = trial.suggest_float(name, dim.low, dim.high, step=dim.step, log=dim.log)
        elif isinstance(dim, IntDimension):
            params[name] = trial.suggest_int(name, dim.low, dim.high, step=dim.step, log=dim.log)
        else:
            params[name] = trial.suggest_categorical(name, list(dim.choices))
    return params


def grid_values(space: Mapping[str, Dimension]) -> dict[str, list[ParamValue]]:
    """The grid a grid sampler walks; a float dimension without ``step`` is a ``ValueError``."""
    grid: dict[str, list[ParamValue]] = {}
    for name, dim in space.items():
        values = dim.grid()
        if values is None:
            raise ValueError(
                f"space.{name}: the grid sampler needs a step on float dimensions; "
                "add step: (e.g. 0.1) or use sampler: tpe"
            )
        grid[name] = values
    return grid


def grid_size(space: Mapping[str, Dimension]) -> int:
    """How many points the grid has (the most trials a grid study can run)."""
    return math.prod(len(values) for values in grid_values(space).values())


def _check_range(low: float, high: float) -> None:
    if low > high:
        raise ValueError(f"inverted range: low {low} is above high {high}; swap them")
    if low == high:
        raise ValueError(
            f"empty range: low and high are both {low}; widen it, or set the value "
            "in the trainer's parameters instead of searching it"
        )


__all__ = [
    "CategoricalDimension",
    "Dimension",
    "FloatDimension",
    "IntDimension",
    "ParamValue",
    "Suggester",
    "check_parameter_name",
    "grid_size",
    "grid_values",
    "suggest",
]
