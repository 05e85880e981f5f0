"""Sentiment of conversation turns: VADER with no set-up, or a model trained on labelled
texts, both behind :class:`SentimentModel` and answering with :class:`SentimentScore`."""

from colloquy.analytics.sentiment.base import (
    LABELS,
    SentimentLabel,
    SentimentModel,
    SentimentScore,
    check_labels,
)
from colloquy.analytics.sentiment.evaluation import (
    SentimentEvaluation,
    evaluate_model,
    score_predictions,
)
from colloquy.analytics.sentiment.files import (
    SentimentTrainingSummary,
    evaluate_sentiment_file,
    load_sentiment_model,
    read_sentiment_file,
    train_sentiment_file,
)
from colloquy.analytics.sentiment.trained import SentimentChoice, TrainedSentiment
from colloquy.analytics.sentiment.vader import VaderSentiment

__all__ = [
    "LABELS",
    "SentimentChoice",
    "SentimentEvaluation",
    "SentimentLabel",
    "SentimentModel",
    "SentimentScore",
    "SentimentTrainingSummary",
    "TrainedSentiment",
    "VaderSentiment",
    "check_labels",
    "evaluate_model",
    "evaluate_sentiment_file",
    "load_sentiment_model",
    "read_sentiment_file",
    "score_predictions",
    "train_sentiment_file",
]
