"""Sharp drops in the customer's sentiment between consecutive customer turns."""

from __future__ import annotations

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from colloquy.analytics.failures import FailureType, SentimentDropDetector, sentiment_drops
from colloquy.analytics.sentiment import SentimentScore, VaderSentiment
from colloquy.errors import UsageError
from colloquy.schema import Turn

from .conftest import build_conversation

HAPPY = "Great, thank you so much, that is wonderful"
ANGRY = "This is terrible, awful service. I hate it."
MILD = "Okay, that is fine I guess"


def _score(compound: float) -> SentimentScore:
    return SentimentScore(
        label="negative" if compound < 0 else "positive",
        negative=0.0,
        neutral=1.0,
        positive=0.0,
        compound=compound,
    )


def _turns(*speakers: str) -> list[Turn]:
    return [Turn(index=i, speaker=s, text=f"turn {i}") for i, s in enumerate(speakers)]


def test_drop_between_consecutive_customer_turns_across_an_agent_turn() -> None:
    turns = _turns("customer", "agent", "customer")
    points = sentiment_drops(turns, [_score(0.6), _score(0.9), _score(-0.3)])
    assert [(p.type, p.turn_index) for p in points] == [(FailureType.SENTIMENT_DROP, 2)]
    assert points[0].confidence == pytest.approx(0.9)
    assert points[0].example == "turn 2"


def test_agent_mood_and_small_or_non_negative_falls_do_not_count() -> None:
    turns = _turns("customer", "agent", "customer", "customer")
    # the agent's own drop is not the customer's; 0.9 -> 0.1 is a big fall to a positive
    # message; 0.1 -> -0.2 lands negative but falls only 0.3
    scores = [_score(0.9), _score(-0.9), _score(0.1), _score(-0.2)]
    assert sentiment_drops(turns, scores) == ()
    assert len(sentiment_drops(turns, scores, threshold=0.3)) == 1


def test_confidence_is_capped_at_one() -> None:
    points = sentiment_drops(_turns("customer", "customer"), [_score(0.9), _score(-0.9)])
    assert points[0].confidence == 1.0


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(UsageError, match="threshold"):
        sentiment_drops([], [], threshold=0.0)
    with pytest.raises(UsageError, match="scores"):
        sentiment_drops(_turns("customer"), [])


def test_detector_scores_the_conversation_itself() -> None:
    vader = SentimentIntensityAnalyzer()
    conversation = build_conversation(
        ("customer", HAPPY), ("agent", "Your order was cancelled."), ("customer", ANGRY)
    )
    (point,) = SentimentDropDetector(VaderSentiment()).detect(conversation)
    drop = vader.polarity_scores(HAPPY)["compound"] - vader.polarity_scores(ANGRY)["compound"]
    assert point.turn_index == 2
    assert point.confidence == pytest.approx(min(1.0, drop))
    assert point.detector == "sentiment-drop"
    calm = build_conversation(("customer", HAPPY), ("agent", "Done."), ("customer", MILD))
    assert SentimentDropDetector(VaderSentiment()).detect(calm) == ()
