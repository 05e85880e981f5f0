"""Conversation analytics benchmarks; this file's sentiment part scores TweetEval sentiment.

Protocol (TweetEval's own): the 2,000 ``val`` tweets are the only training data here (the
mirror holds no ``train`` split); every choice — VADER's thresholds, the trained model's
features, C and class weights — is made on them (cross-validation inside them for the
trained model), and the 12,284 ``test`` tweets are scored once per model. The metric is
TweetEval's macro-averaged recall; per-class recall, accuracy and macro-F1 sit beside it.

    python -m benchmarks.analytics
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks._report import datasets_dir, markdown_table, write_section
from colloquy.analytics.sentiment import (
    LABELS,
    SentimentEvaluation,
    SentimentLabel,
    TrainedSentiment,
    VaderSentiment,
    evaluate_model,
)
from colloquy.features.embeddings import DEFAULT_MODEL, SentenceEmbedder

GOAL = 0.66


def read_split(folder: Path, split: str) -> tuple[list[str], list[SentimentLabel]]:
    """The texts and labels of one TweetEval split (labels 0/1/2 as in ``mapping.txt``)."""
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    codes = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").splitlines()
    if len(texts) != len(codes):
        raise SystemExit(f"{folder}: {split} has {len(texts)} texts but {len(codes)} labels")
    return texts, [LABELS[int(code)] for code in codes]


def sentiment() -> dict[str, Any]:
    """VADER (default and tuned thresholds) and the trained default, on TweetEval test."""
    folder = datasets_dir() / "tweeteval_sentiment"
    train_texts, train_labels = read_split(folder, "val")
    test_texts, test_labels = read_split(folder, "test")
    rows: list[tuple[SentimentEvaluation, float, str]] = []

    vader = VaderSentiment()
    rows.append((evaluate_model(vader, test_texts, test_labels, name="vader"), 0.0, "±0.05"))

    start = time.perf_counter()
    tuned = VaderSentiment.fit_thresholds(train_texts, train_labels)
    fit = time.perf_counter() - start
    setting = f"-{tuned.lower:.2f} / +{tuned.upper:.2f} (chosen on val)"
    rows.append((evaluate_model(tuned, test_texts, test_labels, name="vader-tuned"), fit, setting))

    start = time.perf_counter()
    trained = TrainedSentiment.fit(
        train_texts,
        train_labels,
        embedder=SentenceEmbedder(DEFAULT_MODEL),
        model_ref=DEFAULT_MODEL,
    )
    fit = time.perf_counter() - start
    choice = trained.choice
    setting = (
        f"MiniLM{' + VADER scores' if choice.vader_features else ''}, logreg C={choice.C:g}"
        f"{', balanced' if choice.balanced else ''} (5-fold CV on val: "
        f"{choice.cv_macro_recall:.3f})"
    )
    rows.append((evaluate_model(trained, test_texts, test_labels, name="trained"), fit, setting))

    table = markdown_table(
        [
            "model",
            "setting",
            "macro recall",
            *[f"recall {label}" for label in LABELS],
            "accuracy",
            "macro-F1",
            "fit s",
        ],
        [
            [
                result.model,
                setting,
                f"{result.macro_recall:.3f}",
                *[f"{result.recall[label]:.3f}" for label in LABELS],
                f"{result.accuracy:.3f}",
                f"{result.macro_f1:.3f}",
                f"{seconds:.1f}",
            ]
            for result, seconds, setting in rows
        ],
    )
    best = rows[-1][0].macro_recall
    verdict = "met" if best >= GOAL else "not met"
    body = (
        f"TweetEval sentiment, trained and chosen on the {len(train_texts):,} `val` tweets, "
        f"scored once on the {len(test_texts):,} `test` tweets. Goal: trained macro recall "
        f"≥ {GOAL} — {verdict} ({best:.3f}).\n\n{table}"
    )
    write_section(
        "analytics-sentiment",
        "Sentiment (TweetEval)",
        "python -m benchmarks.analytics",
        body,
        {
            "goal_macro_recall": GOAL,
            "models": [
                {**result.model_dump(mode="json"), "setting": setting, "fit_seconds": seconds}
                for result, seconds, setting in rows
            ],
        },
    )
    print(body)
    return {"macro_recall": best}


def main() -> None:
    sentiment()


if __name__ == "__main__":
    main()
