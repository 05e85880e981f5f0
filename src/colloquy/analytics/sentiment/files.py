"""Sentiment on labelled files: what ``colloquy train sentiment`` and ``colloquy evaluate
sentiment`` call, so the CLI only parses options and renders the result.

Files are read by colloquy's table reader (CSV, JSONL or Parquet, the same as the intent
commands); labels must be ``negative``, ``neutral`` or ``positive``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from colloquy.analytics.sentiment.base import SentimentLabel, SentimentModel, check_labels
from colloquy.analytics.sentiment.evaluation import SentimentEvaluation, evaluate_model
from colloquy.analytics.sentiment.trained import TrainedSentiment
from colloquy.analytics.sentiment.vader import VaderSentiment
from colloquy.data.tables import read_labelled_texts
from colloquy.features.embeddings import DEFAULT_MODEL, SentenceEmbedder

if TYPE_CHECKING:
    from colloquy.execution.base import ExecutionBackend

VADER = "vader"


class SentimentTrainingSummary(BaseModel):
    """What training chose and where the model went."""

    model_config = ConfigDict(frozen=True)

    output: str
    training_rows: int
    vader_features: bool
    C: float
    balanced: bool
    cv_macro_recall: float


def read_sentiment_file(
    data: Path, *, text_column: str, label_column: str
) -> tuple[list[str], list[SentimentLabel]]:
    """Texts and their checked labels from ``data``."""
    texts, raw = read_labelled_texts(data, text_column=text_column, label_column=label_column)
    return texts, check_labels(raw, where=data, column=label_column)


def train_sentiment_file(
    data: Path,
    *,
    text_column: str,
    label_column: str,
    output: Path,
    overwrite: bool = False,
    encoder: str = DEFAULT_MODEL,
    seed: int = 0,
    execution: ExecutionBackend | None = None,
) -> SentimentTrainingSummary:
    """Train a :class:`TrainedSentiment` on ``data`` and save it at ``output`` (the
    cross-validation's fits on ``execution`` when given)."""
    texts, labels = read_sentiment_file(data, text_column=text_column, label_column=label_column)
    model = TrainedSentiment.fit(
        texts,
        labels,
        embedder=SentenceEmbedder(encoder),
        model_ref=encoder,
        seed=seed,
        execution=execution,
    )
    model.save(output, overwrite=overwrite)
    return SentimentTrainingSummary(
        output=str(output),
        training_rows=model.training_rows,
        vader_features=model.vader_features,
        C=model.choice.C,
        balanced=model.choice.balanced,
        cv_macro_recall=model.choice.cv_macro_recall,
    )


def load_sentiment_model(spec: str) -> SentimentModel:
    """``vader`` for VADER with its default thresholds, else a saved model directory."""
    if spec == VADER:
        return VaderSentiment()
    return TrainedSentiment.load(Path(spec))


def evaluate_sentiment_file(
    model: str, data: Path, *, text_column: str, label_column: str
) -> SentimentEvaluation:
    """Score the model named by ``model`` (see :func:`load_sentiment_model`) on ``data``."""
    texts, labels = read_sentiment_file(data, text_column=text_column, label_column=label_column)
    return evaluate_model(load_sentiment_model(model), texts, labels, name=model)
