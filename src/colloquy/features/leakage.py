"""The leakage guard: keep what is only known after the outcome out of a conversion model.

A conversion model trained on a field written after the conversation ended (the donation, the
deal flag, the agreed price, a CRM's "closed won") scores a near-perfect ROC-AUC offline and is
useless in production, where that field is still empty. Two defences, used together:

1. **By name, before fitting.** :data:`DEFAULT_DENYLIST` holds case-insensitive glob patterns
   for post-outcome fields; :func:`strip_denied` removes matching keys from metadata records
   and says which it removed. Patterns are matched against the lower-cased key and against its
   snake_case form (``IsWon`` → ``is_won``, ``deal-stage`` → ``deal_stage``), so one pattern
   covers a CRM's camelCase and a CSV's snake_case. Short words that also occur inside
   innocent names (``won``, ``deal``, ``sold``, ``reward``) are matched as whole ``_``-separated
   words only, so ``dealer_id``, ``ideal_price``, ``rewards_member`` and ``assigned_agent`` pass.
2. **By behaviour, after encoding.** :func:`check_leakage` scores every feature column on its
   own; a single column whose ROC-AUC (either direction) reaches ``threshold`` almost always
   encodes the outcome under another name, and :meth:`LeakageReport.raise_if_flagged` stops
   training with a :class:`~colloquy.errors.LeakageError` naming it.

Legitimate pre-outcome fields of the bundled datasets pass the denylist: PersuasionForGood's
personality, values and demographic answers (its raw ``B5`` intended donation, ``B6`` actual
donation and ``B7`` number of turns are denied), and CraigslistBargain's listing price, title,
category and both parties' targets and bottom lines (its ``outcome``/``reward``/final offer
are denied).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from colloquy.errors import DataError, LeakageError, UsageError
from colloquy.schema.conversation import JsonValue

__all__ = [
    "DEFAULT_DENYLIST",
    "DEFAULT_THRESHOLD",
    "LeakageReport",
    "check_leakage",
    "denied_fields",
    "single_feature_aucs",
    "strip_denied",
]

FeatureMatrix = Any
"""A dense array-like or a SciPy sparse matrix/array of shape ``(examples, features)``."""

DEFAULT_THRESHOLD = 0.98
"""A single feature this predictive on its own is treated as the outcome in disguise."""

_BLOCK_COLUMNS = 256
"""Columns densified and ranked at once (bounded memory for wide sparse matrices)."""


def _word(word: str) -> tuple[str, ...]:
    """Glob patterns matching ``word`` only as a whole ``_``-separated word of a snake key."""
    return (word, f"{word}_*", f"*_{word}", f"*_{word}_*")


DEFAULT_DENYLIST: tuple[str, ...] = (
    # the outcome itself, under the names datasets and CRMs give it
    "*outcome*",
    "*converted*",
    "*conversion*",
    "target",
    "label",
    "y",
    # donations (PersuasionForGood: B5 intended, B6 actual donation; B7 is the number of
    # turns, known only once the conversation is over)
    "*donation*",
    "*donated*",
    "*intended*",
    "b5",
    "b6",
    "b7",
    # deals and sales (CraigslistBargain outcome.reward and final offer; CRM opportunities)
    *_word("deal"),
    "dealstage",
    "stage_name",
    *_word("reward"),
    *_word("won"),
    *_word("lost"),
    *_word("sold"),
    *_word("signed"),
    "*closed*",
    "*close_date*",
    "closedate",
    "*final_price*",
    "*final_offer*",
    "*last_offer*",
    "*agreed*",
    "*accepted*",
    "*result*",
    "*churn*",
    "*refund*",
)
"""Glob patterns (case-insensitive, see the module docstring) for post-outcome fields.

Broad on purpose: a denied legitimate field costs a little accuracy, a leaked one costs the
model. Pass your own tuple (``DEFAULT_DENYLIST + ("my_field",)``) to extend or replace it.
"""

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s.\-/]+")


def _forms(key: str) -> tuple[str, str]:
    """The lower-cased key and its snake_case form."""
    snake = _SEPARATORS.sub("_", _CAMEL.sub("_", key.strip())).lower()
    return key.strip().lower(), snake


def denied_fields(keys: Iterable[str], denylist: Sequence[str] = DEFAULT_DENYLIST) -> list[str]:
    """The keys matching any pattern of ``denylist``, in first-seen order, each once."""
    patterns = [pattern.lower() for pattern in denylist]
    denied: list[str] = []
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            continue
        seen.add(key)
        forms = _forms(key)
        if any(fnmatch.fnmatchcase(form, p) for p in patterns for form in forms):
            denied.append(key)
    return denied


def strip_denied(
    records: Sequence[Mapping[str, JsonValue]], denylist: Sequence[str] = DEFAULT_DENYLIST
) -> tuple[list[dict[str, JsonValue]], list[str]]:
    """New records without the denied keys, and the denied keys found (first-seen order).

    The input records are never modified.
    """
    denied = denied_fields((key for record in records for key in record), denylist)
    drop = set(denied)
    cleaned = [{k: v for k, v in record.items() if k not in drop} for record in records]
    return cleaned, denied


# --------------------------------------------------------------------------- the AUC check


def _binary_target(y: npt.ArrayLike, rows: int) -> npt.NDArray[np.bool_]:
    raw = np.asarray(y)
    if raw.ndim != 1 or raw.size != rows:
        raise UsageError(
            f"y has shape {raw.shape}, expected ({rows},): one outcome per row of the features"
        )
    if raw.dtype != np.bool_:
        values = set(np.unique(raw).tolist()) if raw.dtype.kind in "iuf" else {None}
        if not values <= {0, 1}:
            raise UsageError(
                "y must hold 0/1 or booleans", hint="pass the converted flag of each example"
            )
    target = np.asarray(raw == 1, dtype=np.bool_)
    if target.all() or not target.any():
        raise DataError(
            f"all {rows} outcomes are {'positive' if target.all() else 'negative'}; "
            "the leakage check needs both classes",
            hint="check leakage on a sample with converted and unconverted conversations",
        )
    return target


def _dense_block(features: FeatureMatrix, start: int, stop: int) -> npt.NDArray[np.float64]:
    block = features[:, start:stop]
    if hasattr(block, "toarray"):
        block = block.toarray()
    return np.asarray(block, dtype=np.float64)


def single_feature_aucs(
    X: FeatureMatrix,  # noqa: N803
    y: npt.ArrayLike,
    names: Sequence[str],
) -> dict[str, float]:
    """Each column's ROC-AUC as a one-feature model, folded to ``max(auc, 1 - auc)``.

    NaNs are replaced by the column's median first; constant (and all-NaN) columns are
    skipped, so they are absent from the result. Dense arrays and SciPy sparse matrices are
    read in blocks of columns and ranked with midranks, so a few thousand TF-IDF columns over
    two thousand rows take about a second.
    """
    from scipy import sparse, stats  # type: ignore[import-untyped, unused-ignore]

    features = X.tocsc() if sparse.issparse(X) else np.asarray(X)
    if len(features.shape) != 2:
        raise UsageError(f"X must be two-dimensional, got shape {features.shape}")
    rows, columns = features.shape
    if len(names) != columns:
        raise UsageError(
            f"{len(names)} names for {columns} feature columns",
            hint="pass the encoder's feature names, one per column, in column order",
        )
    if len(set(names)) != len(names):
        raise UsageError("feature names must be unique", hint="prefix each block's names")
    target = _binary_target(y, rows)
    positives = int(target.sum())
    negatives = rows - positives
    result: dict[str, float] = {}
    for start in range(0, columns, _BLOCK_COLUMNS):
        stop = min(columns, start + _BLOCK_COLUMNS)
        block = _dense_block(features, start, stop)
        missing = np.isnan(block)
        usable = ~missing.all(axis=0)
        if missing.any():
            medians = np.zeros(block.shape[1])
            medians[usable] = np.nanmedian(block[:, usable], axis=0)
            block = np.where(missing, medians, block)
        varying = usable & (block.max(axis=0) > block.min(axis=0))
        if not varying.any():
            continue
        ranks = stats.rankdata(block[:, varying], axis=0)
        auc = (ranks[target].sum(axis=0) - positives * (positives + 1) / 2.0) / (
            positives * negatives
        )
        folded = np.maximum(auc, 1.0 - auc)
        for offset, value in zip(np.flatnonzero(varying), folded, strict=True):
            result[names[start + int(offset)]] = float(value)
    return result


@dataclass(frozen=True)
class LeakageReport:
    """Which features predict the outcome suspiciously well on their own."""

    flagged: tuple[tuple[str, float], ...]
    """``(feature name, folded ROC-AUC)`` at or above ``threshold``, most predictive first."""
    threshold: float
    checked: int
    """How many (non-constant) columns were scored."""

    @property
    def ok(self) -> bool:
        """True when no feature was flagged."""
        return not self.flagged

    def message(self) -> str:
        """One line per flagged feature with its AUC, and how to fix it."""
        if self.ok:
            return (
                f"no leakage: none of {self.checked} features reaches single-feature "
                f"ROC-AUC {self.threshold:.2f}"
            )
        lines = [
            f"{len(self.flagged)} of {self.checked} features predict the outcome on their own "
            f"(single-feature ROC-AUC >= {self.threshold:.2f}); they are probably recorded "
            "after the outcome:"
        ]
        lines += [f"  {name}: ROC-AUC {auc:.3f}" for name, auc in self.flagged]
        lines.append(
            "Fix: add the metadata field to the denylist (strip_denied(records, "
            "DEFAULT_DENYLIST + ('field',))) or drop the column; if it really is known before "
            "the outcome, raise the threshold."
        )
        return "\n".join(lines)

    def raise_if_flagged(self) -> None:
        """Raise :class:`~colloquy.errors.LeakageError` when any feature was flagged."""
        if not self.ok:
            names = ", ".join(f"{name} (ROC-AUC {auc:.3f})" for name, auc in self.flagged)
            raise LeakageError(
                f"possible target leakage: {names} predict the outcome on their own "
                f"(threshold {self.threshold:.2f})",
                hint="add the field to the leakage denylist or drop the column, then retrain",
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return {
            "ok": self.ok,
            "threshold": self.threshold,
            "checked": self.checked,
            "flagged": [{"feature": name, "roc_auc": auc} for name, auc in self.flagged],
        }


def check_leakage(
    X: FeatureMatrix,  # noqa: N803
    y: npt.ArrayLike,
    names: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> LeakageReport:
    """Flag every feature whose single-feature ROC-AUC reaches ``threshold``.

    Run it on the training matrix before fitting; it reports rather than raises, so a caller
    can log the report and decide (``report.raise_if_flagged()`` to stop).
    """
    if not 0.5 < threshold <= 1.0:
        raise UsageError(f"threshold must be in (0.5, 1], got {threshold}")
    aucs = single_feature_aucs(X, y, names)
    flagged = sorted(
        ((name, auc) for name, auc in aucs.items() if auc >= threshold),
        key=lambda item: (-item[1], item[0]),
    )
    return LeakageReport(flagged=tuple(flagged), threshold=threshold, checked=len(aucs))
