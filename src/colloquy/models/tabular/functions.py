"""User functions named by dotted path in a pipeline file, and when a saved model may import them.

A pipeline file is written by its user, so the functions it names are imported when it
runs. A saved model is different: it may come from anyone, and importing a module runs its
code. So a model directory records only the dotted paths, and
:func:`trusted_functions_for` imports one only when the caller's exact allow-list names it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Sequence
from typing import Any

import pandas as pd

from colloquy.errors import ArtifactError, ConfigError, DataError
from colloquy.models.tabular.config import CustomTransform

ColumnFunction = Callable[[pd.Series], Any]


def import_function(path: str, *, key: str) -> ColumnFunction:
    """The callable at dotted ``path`` (``package.module.function``); ``key`` names the
    configuration entry for the error message."""
    module_name, _, attribute = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"{key}: cannot import module {module_name!r} for {path!r} ({exc})",
            hint="check the dotted path and that the module is installed or on PYTHONPATH",
        ) from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ConfigError(
            f"{key}: {module_name!r} has no function {attribute!r}",
            hint="check the dotted path (package.module.function)",
        )
    return function  # type: ignore[no-any-return]


def import_functions(transforms: Sequence[CustomTransform]) -> tuple[ColumnFunction, ...]:
    """Every custom transform's function, imported (a pipeline file: trusted by its author)."""
    return tuple(
        import_function(t.function, key=f"preprocessing.custom[{i}].function")
        for i, t in enumerate(transforms)
    )


def trusted_functions_for(
    transforms: Sequence[CustomTransform], trusted: Collection[str], *, where: str
) -> tuple[ColumnFunction, ...]:
    """The functions a saved model names, imported only if ``trusted`` lists each exactly."""
    refused = [t.function for t in transforms if t.function not in trusted]
    if refused:
        raise ArtifactError(
            f"{where} applies function {refused[0]!r}, which this call does not trust "
            "(importing it would run its module's code)",
            hint=f"if you trust it, pass trusted_functions=[{refused[0]!r}] "
            f"(CLI: --trust-function {refused[0]})",
        )
    return import_functions(transforms)


def apply_functions(
    frame: pd.DataFrame,
    transforms: Sequence[CustomTransform],
    functions: Sequence[ColumnFunction],
) -> pd.DataFrame:
    """``frame`` with each transform applied, in order, to its columns (a new frame)."""
    if not transforms:
        return frame
    result = frame.copy()
    for index, (transform, function) in enumerate(zip(transforms, functions, strict=True)):
        for column in transform.columns:
            try:
                output = function(result[column])
            except Exception as exc:
                raise DataError(
                    f"preprocessing.custom[{index}] ({transform.function}) failed on column "
                    f"{column!r}: {type(exc).__name__}: {exc}",
                    hint="fix the function or the column's values",
                ) from None
            values = pd.Series(output)
            if len(values) != len(result):
                raise DataError(
                    f"preprocessing.custom[{index}] ({transform.function}) returned "
                    f"{len(values)} values for column {column!r} of {len(result)} rows",
                    hint="a custom function must return one value per row",
                )
            result[column] = values.to_numpy()
    return result
