"""Activation through a real intent classifier trained on the journeys' own triggers."""

from __future__ import annotations

import pytest

from colloquy.agent.journeys import JourneyActivator, bundled_journeys
from colloquy.errors import UsageError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.models.intent import IntentClassifier


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    journeys = bundled_journeys()
    texts = [t for j in journeys for t in j.triggers]
    labels = [j.name for j in journeys for _ in j.triggers]
    return IntentClassifier(tfidf_weight=0.0).fit(texts, labels)


def test_confident_intent_routes_the_message(
    classifier: IntentClassifier, torch_embedder: SentenceEmbedder
) -> None:
    routes = {j.name: j.name for j in bundled_journeys()}
    activator = JourneyActivator(
        bundled_journeys(),
        torch_embedder,
        classifier=classifier,
        intent_routes=routes,
        intent_threshold=0.5,
    )
    result = activator.activate("has my claim been approved yet")
    assert (result.journey, result.method) == ("claim_inquiry", "intent")
    assert result.score >= 0.5


def test_unconfident_intent_falls_back_to_triggers(
    classifier: IntentClassifier, torch_embedder: SentenceEmbedder
) -> None:
    activator = JourneyActivator(
        bundled_journeys(),
        torch_embedder,
        classifier=classifier,
        intent_routes={"claim_inquiry": "claim_inquiry"},
        intent_threshold=1.01,
    )
    assert activator.activate("has my claim been approved yet").method == "embedding"


def test_routes_to_unknown_journeys_are_refused(torch_embedder: SentenceEmbedder) -> None:
    with pytest.raises(UsageError, match="not loaded"):
        JourneyActivator(bundled_journeys(), torch_embedder, intent_routes={"refund": "refunds"})
