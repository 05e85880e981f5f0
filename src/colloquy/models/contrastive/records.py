"""What a contrastive fine-tune reports: one record per epoch, and the run's result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class EpochRecord:
    """What one epoch did: its steps, mean loss, validation accuracy and wall time."""

    epoch: int
    steps: int
    mean_loss: float
    val_accuracy: float | None
    seconds: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpochRecord:
        return cls(
            epoch=int(data["epoch"]),
            steps=int(data["steps"]),
            mean_loss=float(data["mean_loss"]),
            val_accuracy=None if data["val_accuracy"] is None else float(data["val_accuracy"]),
            seconds=float(data["seconds"]),
        )


@dataclass(frozen=True, slots=True)
class ContrastiveResult:
    """The fine-tuned model's folder (loadable by ``SentenceTransformer``) and the run's story."""

    model_dir: Path
    best_epoch: int
    history: list[EpochRecord]


__all__ = ["ContrastiveResult", "EpochRecord"]
