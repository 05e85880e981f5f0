"""VADER adapter, labels and scoring on hand-written texts."""

from __future__ import annotations

import pytest

from colloquy.analytics.sentiment import (
    SentimentScore,
    VaderSentiment,
    check_labels,
    score_predictions,
)
from colloquy.errors import DataError


def test_vader_labels_plain_sentences() -> None:
    scores = VaderSentiment().predict(
        [
            "I love this product, it is wonderful and works great!",
            "This is terrible, the worst service I have ever had.",
            "The meeting is on Tuesday at 10.",
        ]
    )
    assert [s.label for s in scores] == ["positive", "negative", "neutral"]
    assert scores[0].compound > 0.5
    assert scores[1].compound < -0.5
    for score in scores:
        assert isinstance(score, SentimentScore)
        assert -1.0 <= score.compound <= 1.0
        assert sum(score.scores().values()) == pytest.approx(1.0, abs=0.01)


def test_vader_default_thresholds_are_the_authors() -> None:
    model = VaderSentiment()
    assert (model.lower, model.upper) == (0.05, 0.05)
    assert model.predict([]) == []


def test_thresholds_are_chosen_on_the_training_texts() -> None:
    # "good" has compound 0.44: calling it neutral (upper cut above 0.44) is the only way
    # to get every label of this training set right.
    texts = ["good", "good", "great amazing wonderful", "awful horrible", "the bus"]
    labels = check_labels(
        ["neutral", "neutral", "positive", "negative", "neutral"], where="t", column="y"
    )
    tuned = VaderSentiment.fit_thresholds(texts, labels)
    assert tuned.upper > 0.44
    assert [s.label for s in tuned.predict(texts)] == labels


def test_score_predictions_macro_recall_and_per_class() -> None:
    result = score_predictions(
        ["negative", "negative", "neutral", "positive"],
        ["negative", "neutral", "neutral", "neutral"],
        model="m",
    )
    assert result.recall == {"negative": 0.5, "neutral": 1.0, "positive": 0.0}
    assert result.macro_recall == pytest.approx(0.5)
    assert result.accuracy == pytest.approx(0.5)
    assert result.n == 4


def test_check_labels_normalises_case_and_refuses_unknown() -> None:
    assert check_labels([" Positive", "NEUTRAL"], where="f.csv", column="y") == [
        "positive",
        "neutral",
    ]
    with pytest.raises(DataError, match=r"f\.csv: unknown sentiment label '2' in column 'y'"):
        check_labels(["positive", "2"], where="f.csv", column="y")
