"""What a model directory may ask colloquy to import: the exact types a skops file may
need and the modules a sentence encoder may name, each checked before anything is loaded.

Names are matched exactly, never by prefix: ``builtins.`` would admit ``exec``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from colloquy.errors import ArtifactError

TRUSTED_SKOPS_TYPES = frozenset(
    {
        "collections.OrderedDict",
        "colloquy.features.metadata.MetadataEncoder",
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "numpy.dtype",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.tree._tree.Tree",
    }
)
"""Exact type names trusted beyond skops' own defaults (scikit-learn's estimators and the
NumPy and SciPy containers skops vouches for): what a conversion model's blocks, stacker
and metadata encoder are made of, and the fitted trees and calibrators of the generic
classification task's scikit-learn trainers. Everything else is refused, whatever its
module."""

TRUSTED_ENCODER_MODULES = frozenset(
    {
        "sentence_transformers.models.Transformer",
        "sentence_transformers.models.Pooling",
        "sentence_transformers.models.Normalize",
        "sentence_transformers.models.Transformer.Transformer",
        "sentence_transformers.models.Pooling.Pooling",
        "sentence_transformers.models.Normalize.Normalize",
        "sentence_transformers.base.modules.transformer.Transformer",
        "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
        "sentence_transformers.base.modules.normalize.Normalize",
    }
)
"""The modules a sentence encoder saved in a model directory may name in ``modules.json``
(the names older and newer sentence-transformers releases write): sentence-transformers
imports whatever class is named there."""


def check_skops(path: Path, data: bytes) -> None:
    """Refuse a skops file that is not one, or that needs an untrusted type."""
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise ArtifactError(
            f"{path} is not a valid skops file ({type(exc).__name__})", hint="retrain the model"
        ) from None
    refused = sorted(name for name in untrusted if name not in TRUSTED_SKOPS_TYPES)
    if refused:
        raise ArtifactError(
            f"{path} needs types colloquy does not trust: {', '.join(refused[:5])}",
            hint="only load models you trained with colloquy",
        )


def check_encoder_modules(folder: Path) -> None:
    """Refuse an encoder whose ``modules.json`` names a module outside the allow-list."""
    file = folder / "modules.json"
    if not file.is_file():
        return
    try:
        modules = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{file} is corrupt: {exc}", hint="retrain the model") from None
    named = modules if isinstance(modules, list) and modules else [None]
    kinds = [m.get("type") if isinstance(m, dict) else m for m in named]
    refused = [str(kind) for kind in kinds if kind not in TRUSTED_ENCODER_MODULES]
    if refused:
        raise ArtifactError(
            f"{file} names modules colloquy does not trust: {', '.join(refused[:3])}",
            hint="only load models you trained with colloquy",
        )


def check_shapes(
    path: Path, arrays: Mapping[str, np.ndarray], shapes: Mapping[str, tuple[int, ...]]
) -> None:
    if set(arrays) != set(shapes):
        raise ArtifactError(
            f"{path} holds arrays {sorted(arrays)}, expected {sorted(shapes)}", hint="retrain"
        )
    for name, expected in shapes.items():
        found = arrays[name].shape
        if len(found) != len(expected) or any(
            e not in (-1, f) for e, f in zip(expected, found, strict=True)
        ):
            raise ArtifactError(
                f"{path}: array {name!r} has shape {found}, expected {expected}", hint="retrain"
            )


def load_sklearn(path: Path) -> Any:
    """Load one skops file on its own (outside a model directory), trusting only skops'
    defaults and :data:`TRUSTED_SKOPS_TYPES`."""
    import skops.io as sio

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"{path} cannot be read: {exc.strerror}", hint="retrain") from None
    check_skops(path, data)
    try:
        return sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    except Exception as exc:
        raise ArtifactError(f"{path} is corrupt ({type(exc).__name__})", hint="retrain") from None
