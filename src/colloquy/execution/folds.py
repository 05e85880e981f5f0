"""Cross-validation folds on a backend: every (candidate, fold) fit as one item of a map.

The fold data (features, labels, the folds' indices) is shipped to the workers once
(:meth:`~colloquy.execution.base.ExecutionBackend.map_shared`); each item carries only an
unfitted estimator and its fold's number. Without a backend the fits run here, in order,
exactly as a plain loop would, so the local result is the reference the distributed
backends are checked against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from colloquy.execution.base import ExecutionBackend

Fold = tuple[NDArray[np.intp], NDArray[np.intp]]
"""Indices of the rows a model is fitted on and of the rows it then scores."""


@dataclass(frozen=True, slots=True)
class FoldData:
    """What every fold reads: the features (an array, a sparse matrix or a list of
    rows), the labels and the folds."""

    features: Any
    labels: NDArray[Any]
    folds: Sequence[Fold]


@dataclass(frozen=True, slots=True)
class FoldFit:
    """One item: an unfitted estimator (scikit-learn's contract) and the fold it is fitted on.

    ``output`` is ``proba1`` (the second column of ``predict_proba``: a binary score) or
    ``label`` (``predict``).
    """

    estimator: Any
    fold: int
    output: str = "proba1"


def rows(features: Any, index: NDArray[np.intp]) -> Any:
    """The rows ``index`` of ``features`` (a list, an array or a sparse matrix)."""
    return [features[i] for i in index] if isinstance(features, list) else features[index]


def fit_fold(data: FoldData, job: FoldFit) -> NDArray[Any]:
    """The held-out predictions of ``job``'s estimator fitted on its fold's training rows."""
    train, test = data.folds[job.fold]
    model = job.estimator.fit(rows(data.features, train), data.labels[train])
    held_out = rows(data.features, test)
    if job.output == "label":
        return np.asarray(model.predict(held_out))
    return np.asarray(model.predict_proba(held_out)[:, 1], dtype=np.float64)


def run_folds(
    data: FoldData, jobs: Sequence[FoldFit], execution: ExecutionBackend | None = None
) -> list[NDArray[Any]]:
    """The held-out predictions of every job, in order, on ``execution`` (here without one)."""
    if execution is None or execution.name == "local":
        return [fit_fold(data, job) for job in jobs]
    return execution.map_shared(fit_fold, data, jobs)


__all__ = ["Fold", "FoldData", "FoldFit", "fit_fold", "rows", "run_folds"]
