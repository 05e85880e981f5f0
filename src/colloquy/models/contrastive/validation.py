"""Early stopping's yardstick: nearest-centroid accuracy of a validation split.

A linear head is what will read the fine-tuned embeddings, and nearest-centroid accuracy
is a cheap stand-in for it that needs no fitting: the class means of a seeded sample of
training embeddings, against the validation embeddings.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import torch
import torch.nn.functional as F  # noqa: N812
from sentence_transformers import SentenceTransformer

from colloquy.models.contrastive.data import TrainingData, subsample
from colloquy.models.contrastive.encoder import encode
from colloquy.progress import ProgressCallback

CENTROID_EXAMPLES_PER_CLASS = 32
"""Training examples per class embedded for the validation centroids (keeps validation cheap)."""


def nearest_centroid_accuracy(
    train_embeddings: torch.Tensor,
    train_labels: Sequence[Hashable],
    embeddings: torch.Tensor,
    labels: Sequence[Hashable],
) -> float:
    """Share of ``embeddings`` whose most cosine-similar class centroid has their label.

    Centroids are the means of the normalised training embeddings of each class; a label
    absent from training can never be predicted, so it counts as a miss.
    """
    classes = sorted(set(train_labels), key=str)
    index = {label: i for i, label in enumerate(classes)}
    rows = torch.tensor([index[label] for label in train_labels])
    train = F.normalize(train_embeddings.float(), dim=-1)
    centroids = torch.zeros(len(classes), train.shape[1]).index_add_(0, rows, train)
    scores = F.normalize(embeddings.float(), dim=-1) @ F.normalize(centroids, dim=-1).T
    predicted = scores.argmax(dim=1).tolist()
    hits = sum(classes[p] == label for p, label in zip(predicted, labels, strict=True))
    return hits / len(labels) if labels else 0.0


def centroid_sample(labels: Sequence[str], seed: int) -> list[int]:
    """The training examples embedded for the validation centroids."""
    return subsample(labels, CENTROID_EXAMPLES_PER_CLASS, seed + 1)


def validation_accuracy(
    model: SentenceTransformer,
    data: TrainingData,
    seed: int,
    progress: ProgressCallback | None = None,
) -> float | None:
    """Nearest-centroid accuracy on the validation split (``None`` without one).

    Leaves ``model`` in training mode, as the training loop expects it.
    """
    if data.validation is None:
        return None
    sample = centroid_sample(data.labels, seed)
    val_texts, val_labels = data.validation
    embeddings = encode(model, [data.texts[i] for i in sample] + val_texts, progress)
    model.train()
    return nearest_centroid_accuracy(
        embeddings[: len(sample)],
        [data.labels[i] for i in sample],
        embeddings[len(sample) :],
        val_labels,
    )


__all__ = [
    "CENTROID_EXAMPLES_PER_CLASS",
    "centroid_sample",
    "nearest_centroid_accuracy",
    "validation_accuracy",
]
