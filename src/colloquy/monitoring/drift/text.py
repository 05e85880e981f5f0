"""Text drift: can a classifier tell current texts from reference texts?

A cross-validated logistic regression on sentence embeddings is trained to separate the
two sides; its out-of-fold ROC-AUC is 0.5 when they are indistinguishable. The texts it
is surest are "current" and the words most over-represented in them say *what* changed,
which a bare score cannot. The distance between the two embedding centroids is reported
beside it as a cheap second signal.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from colloquy.errors import DataError

_WORD = re.compile(r"[a-z][a-z']+")
MIN_TEXTS = 10
_TAIL = 0.01


@dataclass(frozen=True, slots=True)
class TextDrift:
    """The domain classifier's verdict on one text field."""

    field: str
    roc_auc: float
    p_value: float
    novel_share: float
    novel_p_value: float
    centroid_distance: float
    auc_floor: float
    novel_floor: float
    alpha: float
    drifted: bool
    reference_texts: int
    current_texts: int
    telling_texts: tuple[str, ...]
    telling_words: tuple[str, ...]


def _auc_p_value(auc: float, n_ref: int, n_cur: int) -> float:
    """One-sided p-value of AUC > 0.5 under the Mann–Whitney null (normal approximation)."""
    sd = math.sqrt((n_ref + n_cur + 1) / (12.0 * n_ref * n_cur))
    return float(stats.norm.sf((auc - 0.5) / sd))


def _telling_words(reference: Sequence[str], current: Sequence[str], top: int) -> tuple[str, ...]:
    """Words whose document share rises most from reference to current (smoothed log-odds)."""
    ref_counts = Counter(w for t in reference for w in set(_WORD.findall(t.lower())))
    cur_counts = Counter(w for t in current for w in set(_WORD.findall(t.lower())))
    n_ref, n_cur = max(len(reference), 1), max(len(current), 1)
    scored = [
        (math.log((c + 1) / (n_cur + 2)) - math.log((ref_counts.get(w, 0) + 1) / (n_ref + 2)), w)
        for w, c in cur_counts.items()
        if c >= 3
    ]
    scored.sort(reverse=True)
    return tuple(w for s, w in scored[:top] if s > 0)


def text_drift(
    field: str,
    reference_texts: Sequence[str],
    reference_vectors: npt.NDArray[np.float32],
    current_texts: Sequence[str],
    current_vectors: npt.NDArray[np.float32],
    *,
    auc_floor: float = 0.55,
    novel_floor: float = 0.02,
    alpha: float = 0.01,
    folds: int = 5,
    seed: int = 0,
    examples: int = 5,
) -> TextDrift:
    """Drifted when either signal is both significant (each at ``alpha / 2``) and above
    its effect-size floor, the floor keeping large samples from alarming on differences
    no one would act on.

    The AUC catches a broad shift of the whole mix; it barely moves when a new topic
    appears in a few percent of texts, so the second signal is the *novel share*: how
    many current texts score above the 99th percentile of the reference's own
    out-of-fold scores (1 % when nothing changed, binomial test), minus that 1 %.
    """
    n_ref, n_cur = len(reference_texts), len(current_texts)
    if n_ref < MIN_TEXTS or n_cur < MIN_TEXTS:
        raise DataError(
            f"text drift on {field!r} needs at least {MIN_TEXTS} texts per side "
            f"(reference {n_ref}, current {n_cur})",
            hint="widen the current window or make the reference from more data",
        )
    features = np.vstack([reference_vectors, current_vectors]).astype(np.float64)
    labels = np.concatenate([np.zeros(n_ref), np.ones(n_cur)])
    scores = np.zeros(labels.size)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(features, labels):
        model = LogisticRegression(C=1.0, max_iter=200)
        model.fit(features[train], labels[train])
        scores[test] = model.predict_proba(features[test])[:, 1]
    auc = float(roc_auc_score(labels, scores))
    p_value = _auc_p_value(auc, n_ref, n_cur)
    cut = float(np.quantile(scores[:n_ref], 1.0 - _TAIL))
    above = int(np.sum(scores[n_ref:] > cut))
    novel_share = above / n_cur - _TAIL
    novel_p = float(stats.binom.sf(above - 1, n_cur, _TAIL))
    ref_centroid = reference_vectors.mean(axis=0)
    cur_centroid = current_vectors.mean(axis=0)
    norm = float(np.linalg.norm(ref_centroid) * np.linalg.norm(cur_centroid))
    centroid = 1.0 - float(ref_centroid @ cur_centroid) / norm if norm > 0 else 0.0
    order = np.argsort(-scores[n_ref:])[:examples]
    return TextDrift(
        field=field,
        roc_auc=auc,
        p_value=p_value,
        novel_share=novel_share,
        novel_p_value=novel_p,
        centroid_distance=centroid,
        auc_floor=auc_floor,
        novel_floor=novel_floor,
        alpha=alpha,
        drifted=(p_value < alpha / 2 and auc >= auc_floor)
        or (novel_p < alpha / 2 and novel_share >= novel_floor),
        reference_texts=n_ref,
        current_texts=n_cur,
        telling_texts=tuple(current_texts[i] for i in order),
        telling_words=_telling_words(reference_texts, current_texts, examples * 2),
    )
