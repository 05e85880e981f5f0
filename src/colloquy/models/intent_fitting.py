"""The intent classifier's fitting helpers: checking the training rows, carving the
held-out slices, fine-tuning the encoder, and the numbers the held-out slices choose (the
TF-IDF share of the blend, the temperature that calibrates it, the confidence threshold
below which a message is out of scope).

They take arrays and return arrays or numbers; :class:`~colloquy.models.intent.
IntentClassifier` decides which rows each one sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from colloquy.errors import DataError
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.progress import ProgressCallback

MIN_PER_CLASS_FOR_EARLY_STOPPING = 30
"""Below this many examples per class, contrastive fine-tuning runs without early stopping."""
WEIGHT_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
"""The TF-IDF shares of the blend compared on validation data."""
TEMPERATURE_BOUNDS = (0.25, 4.0)
"""The temperatures searched: at most a fourfold sharpening or flattening of the log-odds."""
MIN_TEMPERATURE_ROWS = 50
"""Below this many validation rows the temperature stays 1.0: too few to fit it on."""


def check_training_data(
    texts: Sequence[str], labels: Sequence[str], oos_label: str | None
) -> tuple[np.ndarray, np.ndarray]:
    if len(texts) != len(labels):
        raise DataError(f"{len(texts)} texts but {len(labels)} labels")
    texts_ = np.asarray([str(t) for t in texts], dtype=object)
    labels_ = np.asarray([str(label) for label in labels], dtype=object)
    empty = [i for i, text in enumerate(texts_) if not text.strip()]
    if empty:
        shown = ", ".join(str(i) for i in empty[:5])
        raise DataError(
            f"{len(empty)} empty texts (rows {shown}{', …' if len(empty) > 5 else ''})",
            hint="drop or fill empty rows before training",
        )
    present = set(labels_.tolist())
    if oos_label is not None and oos_label not in present:
        known = sorted(present)
        listed = ", ".join(repr(label) for label in known[:10])
        raise DataError(
            f"the out-of-scope label {oos_label!r} is not among the training labels "
            f"({listed}{', …' if len(known) > 10 else ''})",
            hint="pass one of those labels to --oos-label, or drop the option",
        )
    classes = present - ({oos_label} if oos_label else set())
    if len(classes) < 2:
        raise DataError(
            f"training data has {len(classes)} in-scope class(es); at least 2 are needed",
            hint="check --label-column and --oos-label",
        )
    return texts_, labels_


def tempered(proba: np.ndarray, temperature: float) -> np.ndarray:
    logits = np.log(np.clip(proba, 1e-12, None)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return np.asarray(scaled / scaled.sum(axis=1, keepdims=True))


def fit_temperature(proba: np.ndarray, codes: np.ndarray) -> float:
    """The temperature in :data:`TEMPERATURE_BOUNDS` that minimises the validation log loss
    (a grid search; the curve is smooth and one-dimensional). Scaling never changes which
    class is most probable.

    It stays 1.0 when the validation slice is too small to fit it on, or when every row's
    most probable class is the right one: the loss then only falls as the temperature
    does, a search would end at its lower bound, and the model would claim near-certainty
    for any text, off-topic ones included.
    """
    if len(codes) < MIN_TEMPERATURE_ROWS or bool(np.all(proba.argmax(axis=1) == codes)):
        return 1.0
    best, best_loss = 1.0, np.inf
    rows = np.arange(len(codes))
    for temperature in np.geomspace(*TEMPERATURE_BOUNDS, 57):
        loss = -float(np.mean(np.log(tempered(proba, temperature)[rows, codes] + 1e-12)))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def with_label_examples(
    texts: np.ndarray, labels: np.ndarray, oos_label: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Append each class's name, in words (``card_arrival`` → "card arrival"), as one more
    training example, and a mask that is False for those synthetic rows.

    With a handful of examples per intent, the name is a strong extra example; it is
    never used for validation or threshold tuning.
    """
    names = [label for label in np.unique(labels) if label != oos_label]
    spoken = [" ".join(str(name).replace("_", " ").replace("-", " ").split()) for name in names]
    extra_texts = np.asarray(spoken, dtype=object)
    extra_labels = np.asarray(names, dtype=object)
    real = np.concatenate([np.ones(len(labels), dtype=bool), np.zeros(len(names), dtype=bool)])
    return (
        np.concatenate([texts, extra_texts]),
        np.concatenate([labels, extra_labels]),
        real,
    )


def holdout_mask(
    labels: np.ndarray, in_scope: np.ndarray, fraction: float, seed: int
) -> np.ndarray:
    """A stratified ``fraction`` of the in-scope rows (at least one row of classes with ≥ 3)."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels[in_scope]):
        members = rng.permutation(np.flatnonzero((labels == label) & in_scope))
        n = round(len(members) * fraction)
        if len(members) >= 3:
            n = max(n, 1)
        mask[members[:n]] = True
    return mask


def validation_split(
    labels: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    mask = holdout_mask(labels, np.ones(len(labels), dtype=bool), fraction, seed + 1)
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def tune_threshold(
    proba: np.ndarray, labels: np.ndarray, classes: np.ndarray, oos_label: str | None
) -> float:
    """The confidence cut that maximises accuracy over in-scope and out-of-scope rows."""
    best_prob = proba.max(axis=1)
    predicted = classes[proba.argmax(axis=1)]
    is_oos = labels == oos_label
    candidates = np.unique(np.concatenate([[0.0], best_prob, [1.0]]))
    best_threshold, best_accuracy = 0.0, -1.0
    for threshold in candidates:
        rejected = best_prob < threshold
        correct = np.where(rejected, is_oos, ~is_oos & (predicted == labels))
        accuracy = float(correct.mean())
        if accuracy > best_accuracy:
            best_threshold, best_accuracy = float(threshold), accuracy
    return best_threshold


def blend_accuracies(
    dense: np.ndarray, lexical: np.ndarray, truth: np.ndarray, classes: np.ndarray
) -> dict[float, float]:
    """Accuracy on the validation rows of each TF-IDF share in :data:`WEIGHT_GRID`."""
    scores = {}
    for weight in WEIGHT_GRID:
        blended = (1.0 - weight) * dense + weight * lexical
        scores[weight] = float((classes[blended.argmax(axis=1)] == truth).mean())
    return scores


def fine_tune_encoder(
    texts: np.ndarray,
    labels: np.ndarray,
    *,
    model: str | Path,
    config: ContrastiveConfig,
    work: Path,
    seed: int,
    progress: ProgressCallback | None,
    device: str = "cpu",
) -> Path:
    """The folder of ``model`` fine-tuned contrastively on ``texts`` and their ``labels``
    (on ``device``: auto, cpu or cuda)."""
    from colloquy.models.contrastive import ContrastiveTrainer

    trainer = ContrastiveTrainer(model, config, work, progress=progress, device=device)
    n_classes = len(np.unique(labels))
    if len(labels) < MIN_PER_CLASS_FOR_EARLY_STOPPING * n_classes:
        # A tenth of a few-shot set is one or two examples per class: too noisy to stop
        # on, and too precious to hold out. Train every epoch on everything instead.
        return trainer.fit(list(texts), list(labels)).model_dir
    train, validation = validation_split(labels, 0.1, seed)
    result = trainer.fit(
        list(texts[train]),
        list(labels[train]),
        validation=(list(texts[validation]), list(labels[validation])),
    )
    return result.model_dir
