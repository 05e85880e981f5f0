"""Contrastive fine-tuning of the turn encoder on conversation outcomes, kept only if it helps.

The sales-conversion plan fine-tunes the sentence encoder so that what customers say in
converting conversations sits apart from what they say in the others. Here each customer
turn is an example labelled with its conversation's outcome, and the encoder is trained
with the supervised contrastive loss (``loss="supcon"`` of
:class:`~colloquy.models.contrastive.ContrastiveTrainer`; with two labels, batches of
distinct labels would hold two pairs).

Two things make it honest:

* **Cross-fitting.** An encoder tuned on a conversation's label has seen the answer, so
  the vectors it gives *that* conversation are too good, and a model (or the stacker's
  inner folds) trained on them trusts the block far too much. The training conversations
  are therefore split into ``folds`` groups-aware parts; each part is embedded by an
  encoder tuned on the other parts. The embedding block learns from these out-of-fold
  vectors, and at prediction time a new conversation is embedded by an encoder tuned on
  all training conversations, which has not seen it either.
* **Kept only if it helps.** The out-of-fold vectors and the generic encoder's vectors are
  scored by the same inner cross-validation of the embedding block; the tuned encoder is
  kept only when its ROC-AUC is higher by at least ``min_gain``. Otherwise the generic
  encoder stays, and the final fine-tune is skipped.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import DataError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.features.transcript import spoken_turns
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.progress import ProgressCallback, ProgressEvent
from colloquy.schema import Conversation, Speaker

CONVERTED, NOT_CONVERTED = "converted", "not converted"


@dataclass(frozen=True, slots=True)
class EncoderChoice:
    """What the cross-fitted comparison found, recorded in the model's manifest."""

    kept: bool
    generic_auc: float
    tuned_auc: float
    folds: int
    min_gain: float
    customer_turns: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def outcome_examples(
    conversations: Sequence[Conversation], labels: Sequence[int]
) -> tuple[list[str], list[str]]:
    """Every spoken customer turn, labelled with its conversation's outcome."""
    texts: list[str] = []
    outcomes: list[str] = []
    for conversation, label in zip(conversations, labels, strict=True):
        for turn in spoken_turns(conversation):
            if turn.speaker is Speaker.CUSTOMER:
                texts.append(turn.text)
                outcomes.append(CONVERTED if label else NOT_CONVERTED)
    return texts, outcomes


def fine_tune(
    conversations: Sequence[Conversation],
    labels: Sequence[int],
    *,
    base_model: str | Path,
    config: ContrastiveConfig,
    directory: Path,
    progress: ProgressCallback | None = None,
    stage: str = "contrastive fine-tune",
    device: str = "cpu",
) -> SentenceEmbedder:
    """An encoder tuned on the outcomes of ``conversations``, saved under ``directory``.

    Training steps are reported to ``progress`` as ``stage``; training and the returned
    encoder run on ``device`` (auto, cpu or cuda).
    """
    from colloquy.models.contrastive import ContrastiveTrainer

    texts, outcomes = outcome_examples(conversations, labels)
    if len(set(outcomes)) < 2:
        raise DataError(
            "contrastive fine-tuning needs customer turns from both converted and "
            "not-converted conversations",
            hint="turn contrastive off, or train on more conversations",
        )
    supcon = config.model_copy(update={"loss": "supcon"})
    steps = _training_steps(progress, stage) if progress is not None else None
    trainer = ContrastiveTrainer(base_model, supcon, directory, progress=steps, device=device)
    result = trainer.fit(texts, outcomes)
    return SentenceEmbedder(str(result.model_dir), device=trainer.device)


def _training_steps(progress: ProgressCallback, stage: str) -> ProgressCallback:
    """The trainer's ``train`` steps reported as ``stage`` (it has no validation here)."""

    def report(event: ProgressEvent) -> None:
        if event.stage == "train":
            progress(ProgressEvent(stage, event.done, event.total, event.unit))

    return report


def cross_fitted_vectors(
    conversations: Sequence[Conversation],
    labels: NDArray[np.int_],
    parts: NDArray[np.intp],
    rows: Sequence[Conversation],
    *,
    transform: Callable[[SentenceEmbedder, Sequence[Conversation]], NDArray[np.float32]],
    base_model: str | Path,
    config: ContrastiveConfig,
    progress: ProgressCallback | None = None,
    device: str = "cpu",
) -> NDArray[np.float32]:
    """Each row's vector from an encoder tuned on the conversations of the other parts.

    ``parts[i]`` is the part of ``conversations[i]``. ``rows`` are the training rows in
    conversation order, the same number per conversation (the conversation and its
    prefixes), and each row belongs to its conversation's part.
    """
    row_parts = np.repeat(parts, len(rows) // len(conversations))
    out: NDArray[np.float32] | None = None
    names = sorted(set(parts.tolist()))
    with tempfile.TemporaryDirectory(prefix="colloquy-crossfit-") as scratch:
        for step, part in enumerate(names, start=1):
            chosen = np.flatnonzero(parts != part)
            tuned = fine_tune(
                [conversations[i] for i in chosen.tolist()],
                labels[chosen].tolist(),
                base_model=base_model,
                config=config,
                directory=Path(scratch) / f"part-{part}",
                progress=progress,
                stage=f"contrastive cross-fit {step}/{len(names)}",
                device=device,
            )
            held_out = np.flatnonzero(row_parts == part)
            vectors = transform(tuned, [rows[j] for j in held_out.tolist()])
            if out is None:
                out = np.zeros((len(rows), vectors.shape[1]), dtype=np.float32)
            out[held_out] = vectors
    assert out is not None
    return out
