"""The leakage guard of conversion training: every interpretable feature whose own
ROC-AUC is too good to be true stops training (or, on request, is only logged).

Tabular blocks are checked before anything is fitted; TF-IDF blocks once their fitted
vocabulary names the terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from colloquy.features.leakage import check_leakage
from colloquy.logging import get_logger
from colloquy.models.conversion_blocks import BlockName, FeatureBlock, TfidfBlock

OnLeakage = Literal["fail", "warn"]
log = get_logger(__name__)


def guard_leakage(
    blocks: Mapping[BlockName, FeatureBlock],
    features: Mapping[BlockName, Any],
    labels: NDArray[np.int_],
    *,
    final: Any,
    threshold: float,
    on_leakage: OnLeakage,
) -> list[dict[str, Any]]:
    """Check the tabular blocks (``final=None``), or the TF-IDF terms of the fitted block
    models ``final``; returns one report per block checked, for the manifest."""
    reports: list[dict[str, Any]] = []
    for name, block in blocks.items():
        words = isinstance(block, TfidfBlock)
        if not block.interpretable or words != (final is not None):
            continue
        if words:
            matrix = final[name].named_steps["tfidf"].transform(features[name])
            names = block.feature_names(final[name])
        else:
            matrix, names = features[name], block.feature_names(None)
        if matrix.shape[1] == 0:
            continue
        found = check_leakage(matrix, labels, names, threshold=threshold)
        reports.append({"block": name, **found.to_dict()})
        if not found.ok:
            if on_leakage == "fail":
                found.raise_if_flagged()
            log.warning("leakage_suspected", block=name, detail=found.message())
    return reports
