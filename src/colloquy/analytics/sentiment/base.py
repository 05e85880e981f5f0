"""The sentiment seam: every sentiment model answers with the same frozen record.

A caller (the conversation analytics, the CLI, the benchmark) asks a :class:`SentimentModel`
for :class:`SentimentScore` records and never cares whether a lexicon (VADER) or a trained
head produced them, so the zero-set-up model and a trained one are interchangeable.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from colloquy.errors import DataError

SentimentLabel = Literal["negative", "neutral", "positive"]
LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class SentimentScore:
    """One text's sentiment: the label, a score per class and a compound in [-1, 1].

    The class scores are the model's own (VADER's lexicon proportions, a trained head's
    probabilities); ``compound`` is a single signed polarity usable for averages and trends.
    """

    label: SentimentLabel
    negative: float
    neutral: float
    positive: float
    compound: float

    def scores(self) -> dict[SentimentLabel, float]:
        """The per-class scores, keyed by label."""
        return {"negative": self.negative, "neutral": self.neutral, "positive": self.positive}


class SentimentModel(ABC):
    """Turns texts into :class:`SentimentScore` records, one per text, in order."""

    @abstractmethod
    def predict(self, texts: Sequence[str]) -> list[SentimentScore]:
        """The sentiment of every text in ``texts``."""


def check_labels(labels: Sequence[str], *, where: Path | str, column: str) -> list[SentimentLabel]:
    """Labels normalised to :data:`LABELS`; anything else is one clear error line.

    Surrounding blanks and case are ignored, nothing else is guessed (``0``/``1``/``2`` or
    ``pos`` are refused), so a mislabelled file is caught instead of silently mis-trained.
    """
    known: dict[str, SentimentLabel] = {label: label for label in LABELS}
    out: list[SentimentLabel] = []
    for row, raw in enumerate(labels):
        label = known.get(str(raw).strip().lower())
        if label is None:
            raise DataError(
                f"{where}: unknown sentiment label {str(raw)!r} in column {column!r} "
                f"(data row {row + 1})",
                hint=f"use one of {', '.join(LABELS)}",
            )
        out.append(label)
    return out
