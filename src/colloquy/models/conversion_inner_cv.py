"""Inner cross-validation of a conversion model: the training rows (with their prefixes),
the grouped inner folds, and each block's regularisation picked by inner-CV ROC-AUC.

The out-of-fold scores of the winning setting are what the stacker is trained on, so the
stacker learns how far to trust each block on rows that block did not see. The fits of
every candidate on every fold are independent, so they run as one map on the execution
backend when one is given (a Ray or Dask cluster), and in this process otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import DataError
from colloquy.execution.folds import Fold as Fold
from colloquy.execution.folds import FoldData, FoldFit, rows, run_folds
from colloquy.features.transcript import prefix
from colloquy.models.conversion_blocks import FeatureBlock, HeadName
from colloquy.schema import Conversation

if TYPE_CHECKING:
    from colloquy.execution.base import ExecutionBackend

_EPS = 1e-4


class SettingChoice(NamedTuple):
    """A block's winning candidate, its out-of-fold probabilities and its inner-CV ROC-AUC."""

    setting: dict[str, Any]
    out_of_fold: NDArray[np.float64]
    auc: float


def logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    clipped = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(np.log(clipped / (1 - clipped)), dtype=np.float64)


def select_rows(features: Any, index: NDArray[np.intp]) -> Any:
    return rows(features, index)


def roc_auc(y: NDArray[np.int_], score: NDArray[np.float64]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def training_rows(
    conversations: Sequence[Conversation],
    target: NDArray[np.int_],
    groups: Sequence[str] | None,
    ratios: Sequence[float],
) -> tuple[list[Conversation], NDArray[np.int_], NDArray[np.int_]]:
    """Training rows (a prefix per ratio of each conversation) with the group each belongs to."""
    keys = list(groups) if groups is not None else [str(i) for i in range(len(target))]
    codes = {key: code for code, key in enumerate(dict.fromkeys(keys))}
    rows: list[Conversation] = []
    labels: list[int] = []
    row_groups: list[int] = []
    for index, (conversation, label) in enumerate(zip(conversations, target, strict=True)):
        for ratio in sorted(set(ratios)):
            rows.append(prefix(conversation, ratio=ratio))
            labels.append(int(label))
            row_groups.append(codes[keys[index]])
    return rows, np.asarray(labels), np.asarray(row_groups)


def grouped_folds(
    labels: NDArray[np.int_], groups: NDArray[np.int_], count: int, seed: int
) -> list[Fold]:
    """Up to ``count`` stratified folds that keep each group in one fold."""
    from sklearn.model_selection import StratifiedGroupKFold

    minority = int(min(np.bincount(labels)))
    splits = min(count, minority)
    if splits < 2:
        raise DataError(
            f"only {minority} conversation(s) in the rarer outcome class",
            hint="conversion training needs at least 2 of each outcome",
        )
    splitter = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels, groups))


def choose_setting(
    block: FeatureBlock,
    features: Any,
    labels: NDArray[np.int_],
    folds: list[Fold],
    *,
    head: HeadName,
    seed: int,
    execution: ExecutionBackend | None = None,
) -> SettingChoice:
    """The candidate with the best inner-CV ROC-AUC, its out-of-fold scores and AUC
    (the fits on ``execution``'s workers when given)."""
    candidates = block.candidates(head)
    jobs = [
        FoldFit(block.estimator(setting, head, seed), fold)
        for setting in candidates
        for fold in range(len(folds))
    ]
    scores = run_folds(FoldData(features, labels, folds), jobs, execution)
    best: SettingChoice | None = None
    for number, setting in enumerate(candidates):
        oof = np.zeros(len(labels), dtype=np.float64)
        for fold, (_, test) in enumerate(folds):
            oof[test] = scores[number * len(folds) + fold]
        auc = roc_auc(labels, oof)
        if best is None or auc > best.auc + 1e-9:
            best = SettingChoice(setting, oof, auc)
    assert best is not None
    return best


def training_fingerprint(conversations: Sequence[Conversation], target: NDArray[np.int_]) -> str:
    """SHA-256 over the conversations' content and outcomes, recorded in the manifest."""
    digest = hashlib.sha256()
    for conversation, label in zip(conversations, target, strict=True):
        digest.update(conversation.content_hash.encode())
        digest.update(b"1" if label else b"0")
    return digest.hexdigest()
