"""The training texts as the trainer uses them: checked, subsampled, fingerprinted.

Bad inputs fail here, before a model is loaded, and the fingerprint of the prepared data
and settings is what lets a resumed run refuse a folder trained on something else.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from colloquy.errors import DataError, UsageError
from colloquy.models.contrastive_config import ContrastiveConfig

RESUME_NEUTRAL_FIELDS = frozenset({"epochs", "patience", "torch_threads"})
"""Config fields that may change between a run and its resumption (the rest may not)."""


@dataclass(frozen=True, slots=True)
class TrainingData:
    """The training texts (after any subsample) and the optional validation split."""

    texts: list[str]
    labels: list[str]
    validation: tuple[list[str], list[str]] | None
    label_codes: list[int]
    """Each training label as an integer (its rank among the labels), for loss tensors."""


def prepare_data(
    texts: Sequence[str],
    labels: Sequence[str],
    validation: tuple[Sequence[str], Sequence[str]] | None,
    config: ContrastiveConfig,
) -> TrainingData:
    """Check the inputs, apply ``max_examples_per_class`` and fail early on unusable data."""
    if len(texts) != len(labels):
        raise UsageError(f"got {len(texts)} texts but {len(labels)} labels; pass one per text")
    train_texts, train_labels = [str(t) for t in texts], [str(label) for label in labels]
    if config.max_examples_per_class is not None:
        keep = subsample(train_labels, config.max_examples_per_class, config.seed)
        train_texts = [train_texts[i] for i in keep]
        train_labels = [train_labels[i] for i in keep]
    pairable = [label for label, n in Counter(train_labels).items() if n >= 2]
    if len(pairable) < 2:
        raise DataError(
            f"contrastive fine-tuning needs at least two classes with two or more examples "
            f"each; got {len(pairable)} among {len(train_labels)} examples",
            hint="add labelled examples or use a frozen encoder",
        )
    codes = {label: code for code, label in enumerate(sorted(set(train_labels)))}
    return TrainingData(
        train_texts,
        train_labels,
        _prepare_validation(validation),
        [codes[label] for label in train_labels],
    )


def _prepare_validation(
    validation: tuple[Sequence[str], Sequence[str]] | None,
) -> tuple[list[str], list[str]] | None:
    """The validation split as lists; an empty one means no validation."""
    if validation is None:
        return None
    texts, labels = validation
    if len(texts) != len(labels):
        raise UsageError(
            f"validation has {len(texts)} texts but {len(labels)} labels; pass one per text"
        )
    if not texts:
        return None
    return [str(t) for t in texts], [str(label) for label in labels]


def subsample(labels: Sequence[str], per_class: int, seed: int) -> list[int]:
    """Indices of at most ``per_class`` seeded examples per class, in their original order."""
    rng = random.Random(f"colloquy-contrastive:{seed}:subsample")
    members: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    keep: list[int] = []
    for indices in members.values():
        keep.extend(rng.sample(indices, per_class) if len(indices) > per_class else indices)
    return sorted(keep)


def fingerprint(base_model: str, config: ContrastiveConfig, data: TrainingData) -> str:
    """SHA-256 of everything that must not change when a run is resumed."""
    digest = hashlib.sha256()
    fixed = config.model_dump(exclude=set(RESUME_NEUTRAL_FIELDS))
    digest.update(json.dumps({"base_model": base_model, "config": fixed}, sort_keys=True).encode())
    digest.update(json.dumps([data.texts, data.labels, data.validation]).encode())
    return digest.hexdigest()


__all__ = ["RESUME_NEUTRAL_FIELDS", "TrainingData", "fingerprint", "prepare_data", "subsample"]
