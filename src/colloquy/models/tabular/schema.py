"""What a tabular model saw at training time, checked again on every row it predicts.

A model fitted on ``age`` as numbers and ``plan`` as words gives silent nonsense if it is
later fed ``age`` as text or a table without ``plan``. :class:`InputSchema` records each
declared column's kind, the family of values it held (numbers, strings, booleans) and the
categories seen, and :meth:`InputSchema.prepare` refuses mismatching data in one line
naming the column and what was expected, before anything reaches the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from colloquy.errors import ArtifactError, DataError
from colloquy.models.tabular.config import FeatureKind, FeatureSpec

Family = Literal["number", "string", "bool", "empty"]
_KINDS: tuple[str, ...] = get_args(FeatureKind)
_FAMILIES: tuple[str, ...] = get_args(Family)
_MAX_CATEGORIES = 1000


@dataclass(frozen=True, slots=True)
class ColumnSchema:
    """One declared column as training saw it."""

    name: str
    kind: FeatureKind
    family: Family
    """The values it held: numbers, strings, booleans, or nothing but missing values."""
    dtype: str
    """The pandas dtype it was read with (for people; checks use ``family``)."""
    categories: tuple[str, ...] = ()
    """Categorical columns: the distinct values seen (at most 1000, for reports)."""


@dataclass(frozen=True, slots=True)
class InputSchema:
    """The declared columns, in order, as training saw them."""

    columns: tuple[ColumnSchema, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, features: Sequence[FeatureSpec]) -> InputSchema:
        """The schema of the training rows, as they were read (before coercion)."""
        columns = []
        for feature in features:
            series = frame[feature.name]
            categories: tuple[str, ...] = ()
            if feature.kind == "categorical":
                seen = sorted({_category(v) for v in series.tolist() if not _missing(v)})
                categories = tuple(seen[:_MAX_CATEGORIES])
            columns.append(
                ColumnSchema(
                    feature.name, feature.kind, _family(series), str(series.dtype), categories
                )
            )
        return cls(tuple(columns))

    def prepare(self, frame: pd.DataFrame, *, where: str = "the input") -> pd.DataFrame:
        """The declared columns of ``frame``, coerced to their kinds, or a :class:`DataError`
        naming the first column that is missing or holds the wrong kind of values."""
        missing = [column for column in self.columns if column.name not in frame.columns]
        if missing:
            expected = ", ".join(f"{c.name} ({c.kind})" for c in self.columns)
            raise DataError(
                f"column {missing[0].name!r} ({missing[0].kind}) is missing from {where}",
                hint=f"the model was trained on: {expected}",
            )
        prepared = {
            column.name: coerce(frame[column.name], column.kind, where=where, family=column.family)
            for column in self.columns
        }
        return pd.DataFrame(prepared, index=frame.index)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "name": c.name,
                "kind": c.kind,
                "family": c.family,
                "dtype": c.dtype,
                "categories": list(c.categories),
            }
            for c in self.columns
        ]

    @classmethod
    def from_json(cls, value: Any, *, where: Path) -> InputSchema:
        """A schema read from a manifest, every field checked (the file is untrusted)."""
        if not isinstance(value, list) or not value:
            raise ArtifactError(f"{where}: 'input_schema' is not a list of columns", hint="retrain")
        columns = []
        for item in value:
            if not isinstance(item, Mapping) or set(item) != {
                "name",
                "kind",
                "family",
                "dtype",
                "categories",
            }:
                raise ArtifactError(f"{where}: an input_schema column is malformed", hint="retrain")
            name, kind, family, dtype = item["name"], item["kind"], item["family"], item["dtype"]
            categories = item["categories"]
            if (
                not isinstance(name, str)
                or kind not in _KINDS
                or family not in _FAMILIES
                or not isinstance(dtype, str)
                or not isinstance(categories, list)
                or not all(isinstance(c, str) for c in categories)
            ):
                raise ArtifactError(
                    f"{where}: input_schema column {name!r} is malformed", hint="retrain"
                )
            columns.append(
                ColumnSchema(
                    name, cast(FeatureKind, kind), cast(Family, family), dtype, tuple(categories)
                )
            )
        return cls(tuple(columns))


def coerce(
    series: pd.Series, kind: FeatureKind, *, where: str, family: Family | None = None
) -> pd.Series:
    """``series`` as its kind needs it: numeric as float64 (missing as NaN), categorical as
    strings (missing as NaN), text as strings (missing as ""). ``family`` (what training
    saw) makes a categorical column of numbers refuse strings, and the other way round."""
    found = _family(series)
    name = str(series.name)
    if kind == "numeric":
        if found == "string":
            bad = _first_non_numeric(series)
            raise DataError(
                f"column {name!r} in {where} must be numeric but holds {bad!r}",
                hint="fix the value, or declare the column as categorical or text",
            )
        return pd.to_numeric(series, errors="raise").astype(np.float64)
    if kind == "text":
        if found != "empty" and (
            ptypes.is_numeric_dtype(series.dtype) or ptypes.is_bool_dtype(series.dtype)
        ):
            raise DataError(
                f"column {name!r} in {where} must be text but holds {found} values "
                f"(dtype {series.dtype})",
                hint="pass the column as strings, or declare it numeric or categorical",
            )
        return series.map(lambda v: "" if _missing(v) else str(v)).astype(object)
    if family is not None and "empty" not in (family, found) and found != family:
        raise DataError(
            f"column {name!r} in {where} is categorical with {family} values in training, "
            f"but holds {found} values now (dtype {series.dtype})",
            hint=f"pass its values as {family}s, as the training data had them",
        )
    return series.map(lambda v: np.nan if _missing(v) else _category(v)).astype(object)


def _category(value: Any) -> str:
    """A category's text; whole floats drop ``.0`` so ``2`` and ``2.0`` are one category."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and np.isnan(value))


def _family(series: pd.Series) -> Family:
    if ptypes.is_bool_dtype(series.dtype):
        return "bool"
    if ptypes.is_numeric_dtype(series.dtype):
        return "number" if series.notna().any() else "empty"
    values = series.dropna()
    if values.empty:
        return "empty"
    if all(isinstance(v, bool | np.bool_) for v in values):
        return "bool"
    if all(isinstance(v, int | float | np.integer | np.floating) for v in values):
        return "number"
    if all(isinstance(v, str) for v in values):
        numeric = pd.to_numeric(values, errors="coerce")
        return "string" if numeric.isna().any() else "number"
    return "string"


def _first_non_numeric(series: pd.Series) -> Any:
    values = series.dropna()
    numeric = pd.to_numeric(values, errors="coerce")
    return values[numeric.isna()].iloc[0]
