"""Customer metadata as model features: one dict per conversation in, one float row out.

Metadata arrives as loosely typed JSON (``Conversation.metadata``): questionnaire scores,
demographics, a CRM's segment and plan, user ids, free text. :class:`MetadataEncoder` decides
once, at fit time, what each field is and how to encode it, and then encodes any later record
the same way, however it differs from the training data:

* **Types are inferred.** A field is numeric when every non-missing value is an int or float
  (``None`` and NaN are missing; bools are categorical: ``True`` is a category, not 1.0);
  strings make it categorical; lists and objects exclude it. ``numeric=`` / ``categorical=``
  fix a role instead of inferring it (a role whose list is given is never inferred).
* **Useless fields are dropped and said so.** Entirely missing and constant fields, and
  identifier-like categorical fields (more distinct values than ``max_cardinality_ratio`` of
  the rows that have one, e.g. user ids or free text), which a model can only memorise. Each
  is listed in :attr:`dropped_` with the reason.
* **Encoding** is a scikit-learn ``ColumnTransformer``: numbers → median imputation with
  missing-value indicators, then standardisation; categories → a ``(missing)`` category, then
  one-hot with categories rarer than ``min_frequency`` (and beyond ``max_categories``) folded
  into one ``(infrequent)`` column.
* **Prediction never crashes on odd input.** Absent fields count as missing and extra fields
  are ignored. An unseen category goes to the field's ``(infrequent)`` column when it has
  one (it is, after all, rarer than anything seen in training), else to all zeros. A
  non-number in a numeric field is treated as missing. Both are counted in
  :attr:`last_transform_issues_` and logged as a warning, never silently swallowed.

With no usable field at all, :meth:`transform` returns an ``(n, 0)`` array, so a caller can
concatenate it with text features unconditionally. The encoder holds only scikit-learn
objects and plain containers, so it pickles; scikit-learn is imported on first fit, keeping
``import colloquy.features`` fast.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeGuard

import numpy as np
import numpy.typing as npt

from colloquy.errors import DataError, UsageError
from colloquy.logging import get_logger
from colloquy.schema.conversation import JsonValue

if TYPE_CHECKING:
    from sklearn.compose import ColumnTransformer

__all__ = ["MISSING_CATEGORY", "MetadataEncoder"]

MISSING_CATEGORY = "(missing)"
"""The category a missing categorical value becomes (it gets its own one-hot column)."""
_INFREQUENT = "(infrequent)"
_SKLEARN_INFREQUENT = "infrequent_sklearn"
_PARAMS = (
    "numeric",
    "categorical",
    "exclude",
    "max_cardinality_ratio",
    "min_frequency",
    "max_categories",
)

log = get_logger(__name__)

Records = Sequence[Mapping[str, JsonValue]]


def _is_number(value: object) -> TypeGuard[int | float]:
    """Ints and floats, NumPy's included (metadata read through pandas holds ``np.int64``)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _is_missing(value: object) -> bool:
    return value is None or (_is_number(value) and math.isnan(value))


def _category(value: JsonValue) -> str:
    """The category label of a scalar: ``1`` and ``1.0`` are the same category ``"1"``."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if _is_number(value):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)


def _check_records(records: Records, what: str) -> None:
    if isinstance(records, Mapping) or not isinstance(records, Sequence):
        raise UsageError(
            f"{what} needs a sequence of metadata dicts, got {type(records).__name__}",
            hint="pass [conversation.metadata for conversation in conversations]",
        )
    if len(records) == 0:
        raise UsageError(
            f"{what} got no records", hint="pass one metadata dict per conversation (>= 1)"
        )
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise UsageError(
                f"record {index} is a {type(record).__name__}, not a dict of metadata fields"
            )


class MetadataEncoder:
    """Encode customer metadata records into a float matrix (scikit-learn estimator contract).

    Parameters are stored unchanged by ``__init__``; everything learned ends in ``_``. See the
    module docstring for how fields are typed, dropped and encoded.
    """

    numeric_columns_: list[str]
    categorical_columns_: list[str]
    dropped_: dict[str, str]
    """Field → why it is not used (excluded, unsupported type, missing, constant, id-like)."""
    column_transformer_: ColumnTransformer | None
    """The fitted transformer, or ``None`` when no field is usable."""
    feature_names_out_: list[str]
    """Output column names: ``age``, ``missing:age``, ``sex=Female``, ``sex=(infrequent)``."""
    last_transform_issues_: dict[str, int]
    """Counts from the latest fit/transform: ``non_number:<field>``, ``unsupported:<field>``
    (a list or object where a category was expected), ``unseen:<field>``; empty when clean.
    Replaced by every call, so read it right after the call you care about (and do not share
    one encoder between threads that need it)."""

    def __init__(
        self,
        numeric: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
        max_cardinality_ratio: float = 0.5,
        min_frequency: int = 5,
        max_categories: int = 30,
    ) -> None:
        self.numeric = numeric
        self.categorical = categorical
        self.exclude = exclude
        self.max_cardinality_ratio = max_cardinality_ratio
        self.min_frequency = min_frequency
        self.max_categories = max_categories

    # ------------------------------------------------------------------ sklearn plumbing

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (for ``sklearn.base.clone`` and grid searches)."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params: Any) -> Self:
        """Set constructor parameters by name; unknown names are a :class:`UsageError`."""
        for name, value in params.items():
            if name not in _PARAMS:
                raise UsageError(f"MetadataEncoder has no parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"MetadataEncoder({args})"

    def get_feature_names_out(self, input_features: object = None) -> npt.NDArray[np.object_]:
        """:attr:`feature_names_out_` as an object array, as scikit-learn transformers do."""
        self._check_fitted()
        return np.asarray(self.feature_names_out_, dtype=object)

    # ------------------------------------------------------------------ fitting

    def _check_params(self) -> None:
        if not 0.0 < self.max_cardinality_ratio <= 1.0:
            raise UsageError(
                f"max_cardinality_ratio must be in (0, 1], got {self.max_cardinality_ratio}"
            )
        if self.min_frequency < 1 or self.max_categories < 2:
            raise UsageError(
                "min_frequency must be >= 1 and max_categories >= 2, got "
                f"{self.min_frequency} and {self.max_categories}"
            )
        both = set(self.numeric or ()) & set(self.categorical or ())
        if both:
            raise UsageError(
                f"field(s) {', '.join(sorted(both))} are listed as numeric and categorical",
                hint="list each field in one of numeric= and categorical=",
            )

    def _role(self, key: str, values: list[JsonValue]) -> tuple[str | None, str]:
        """``("numeric" | "categorical", "")`` or ``(None, why it is dropped)``."""
        present = [v for v in values if not _is_missing(v)]
        if key in self.exclude:
            return None, "excluded"
        if any(isinstance(v, list | tuple | dict) for v in present):
            return None, "holds lists or objects, which cannot be encoded"
        if not present:
            return None, "entirely missing"
        declared = None
        if key in (self.numeric or ()):
            declared = "numeric"
            bad = next((v for v in present if not _is_number(v)), None)
            if bad is not None:
                raise DataError(
                    f"field {key!r} is declared numeric but holds {bad!r}",
                    hint="fix the data, or list the field in categorical= instead",
                )
        elif key in (self.categorical or ()):
            declared = "categorical"
        inferred = "numeric" if all(_is_number(v) for v in present) else "categorical"
        role = declared or inferred
        # a role whose list was given (``self.numeric`` / ``self.categorical``) is not inferred
        if declared is None and getattr(self, role) is not None:
            return None, f"inferred {role}, but not listed in {role}="
        distinct = len({_category(v) for v in present})
        if distinct == 1 and len(present) == len(values):
            return None, "constant"
        limit = self.max_cardinality_ratio * len(present)
        if declared is None and role == "categorical" and distinct > limit:
            return None, (
                f"identifier-like: {distinct} distinct values in {len(present)} rows "
                f"(more than max_cardinality_ratio={self.max_cardinality_ratio})"
            )
        return role, ""

    def fit(self, records: Records, y: object = None) -> Self:
        """Infer each field's role, drop the unusable ones and fit the encoders."""
        _check_records(records, "MetadataEncoder.fit")
        self._check_params()
        keys = list(dict.fromkeys(key for record in records for key in record))
        keys += [k for k in (*(self.numeric or ()), *(self.categorical or ())) if k not in keys]
        numeric: list[str] = []
        categorical: list[str] = []
        dropped: dict[str, str] = {}
        for key in keys:
            role, why = self._role(key, [record.get(key) for record in records])
            if role == "numeric":
                numeric.append(key)
            elif role == "categorical":
                categorical.append(key)
            else:
                dropped[key] = why
        self.numeric_columns_ = numeric
        self.categorical_columns_ = categorical
        self.dropped_ = dropped
        self.column_transformer_ = None
        self.feature_names_out_ = []
        self.last_transform_issues_ = {}
        if dropped:
            log.info("metadata_fields_dropped", dropped=dropped)
        if not numeric and not categorical:
            log.warning("metadata_no_usable_fields", dropped=dropped, rows=len(records))
            return self
        matrix = self._matrix(records)
        self.column_transformer_ = self._build_transformer()
        self.column_transformer_.fit(matrix)
        self.feature_names_out_ = self._feature_names()
        return self

    def _build_transformer(self) -> ColumnTransformer:
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        branches: list[tuple[str, Any, list[int]]] = []
        n_numeric = len(self.numeric_columns_)
        if n_numeric:
            numeric = Pipeline(
                [
                    ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                    ("scale", StandardScaler()),
                ]
            )
            branches.append(("numeric", numeric, list(range(n_numeric))))
        if self.categorical_columns_:
            onehot = OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                min_frequency=self.min_frequency,
                max_categories=self.max_categories,
                sparse_output=False,
                dtype=np.float64,
            )
            categorical = Pipeline(
                [
                    ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY)),
                    ("onehot", onehot),
                ]
            )
            stop = n_numeric + len(self.categorical_columns_)
            branches.append(("categorical", categorical, list(range(n_numeric, stop))))
        return ColumnTransformer(branches, remainder="drop", sparse_threshold=0.0)

    def _feature_names(self) -> list[str]:
        assert self.column_transformer_ is not None
        names: list[str] = []
        fitted = self.column_transformer_.named_transformers_
        if self.numeric_columns_:
            names += self.numeric_columns_
            indicator = fitted["numeric"].named_steps["impute"].indicator_
            names += [f"missing:{self.numeric_columns_[int(i)]}" for i in indicator.features_]
        if self.categorical_columns_:
            onehot = fitted["categorical"].named_steps["onehot"]
            positions = [str(i) for i in range(len(self.categorical_columns_))]
            for raw in onehot.get_feature_names_out(positions):
                index, category = str(raw).split("_", 1)
                if category == _SKLEARN_INFREQUENT:
                    category = _INFREQUENT
                names.append(f"{self.categorical_columns_[int(index)]}={category}")
        return names

    # ------------------------------------------------------------------ transforming

    def _matrix(self, records: Records) -> npt.NDArray[np.object_]:
        """The object matrix the transformer reads (numbers, then categories; NaN = missing).

        Sets :attr:`last_transform_issues_` to what had to be treated as missing.
        """
        issues: Counter[str] = Counter()
        columns = self.numeric_columns_ + self.categorical_columns_
        matrix = np.full((len(records), len(columns)), np.nan, dtype=object)
        n_numeric = len(self.numeric_columns_)
        for row, record in enumerate(records):
            for col, key in enumerate(columns):
                value = record.get(key)
                if _is_missing(value):
                    continue
                if col < n_numeric:
                    if _is_number(value) and math.isfinite(value):
                        matrix[row, col] = float(value)
                    else:
                        issues[f"non_number:{key}"] += 1
                elif isinstance(value, list | tuple | dict):
                    issues[f"unsupported:{key}"] += 1
                else:
                    matrix[row, col] = _category(value)
        self.last_transform_issues_ = dict(issues)
        return matrix

    def _count_unseen(self, matrix: npt.NDArray[np.object_]) -> None:
        assert self.column_transformer_ is not None
        onehot = self.column_transformer_.named_transformers_["categorical"]["onehot"]
        offset = len(self.numeric_columns_)
        for i, key in enumerate(self.categorical_columns_):
            known = set(onehot.categories_[i].tolist())
            values = matrix[:, offset + i]
            unseen = sum(1 for v in values if isinstance(v, str) and v not in known)
            if unseen:
                self.last_transform_issues_[f"unseen:{key}"] = unseen

    def _check_fitted(self) -> None:
        if not hasattr(self, "feature_names_out_"):
            raise UsageError(
                "this MetadataEncoder is not fitted yet", hint="call fit(records) first"
            )

    def transform(self, records: Records) -> npt.NDArray[np.float64]:
        """Encode records into a ``(len(records), len(feature_names_out_))`` float64 array."""
        self._check_fitted()
        _check_records(records, "MetadataEncoder.transform")
        if self.column_transformer_ is None:
            self.last_transform_issues_ = {}
            return np.zeros((len(records), 0), dtype=np.float64)
        matrix = self._matrix(records)
        if self.categorical_columns_:
            self._count_unseen(matrix)
        if self.last_transform_issues_:
            log.warning(
                "metadata_transform_issues",
                rows=len(records),
                issues=self.last_transform_issues_,
                effect="non-numbers and unsupported values were imputed as missing; unseen "
                "categories went to the (infrequent) column or to all zeros",
            )
        return np.asarray(self.column_transformer_.transform(matrix), dtype=np.float64)

    def fit_transform(self, records: Records, y: object = None) -> npt.NDArray[np.float64]:
        """``fit(records).transform(records)``."""
        return self.fit(records, y).transform(records)
