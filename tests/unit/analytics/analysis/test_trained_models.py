"""The engine with a real trained sentiment model folder, and that folder refused as an
intent model (a model of the wrong kind)."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.analytics.analysis import AnalysisOptions, AnalysisRuntime, analyze_conversation
from colloquy.analytics.sentiment import SentimentLabel, TrainedSentiment
from colloquy.errors import ArtifactError
from colloquy.features.embeddings import DEFAULT_MODEL, SentenceEmbedder

from .conftest import Build

pytestmark = pytest.mark.slow  # trains a small model with cross-validation (~20 s)

TEXTS: list[tuple[str, SentimentLabel]] = [
    ("I love this, thank you so much", "positive"),
    ("Wonderful service, very happy", "positive"),
    ("Great help, it works perfectly now", "positive"),
    ("Thanks, that was fast and friendly", "positive"),
    ("This is awful, I am furious", "negative"),
    ("Terrible support, nothing works", "negative"),
    ("I hate waiting this long, useless", "negative"),
    ("Worst experience ever, very angry", "negative"),
    ("My order number is 12345", "neutral"),
    ("I am writing about my account", "neutral"),
    ("The parcel was sent on Monday", "neutral"),
    ("Please check the invoice", "neutral"),
]


@pytest.fixture(scope="module")
def sentiment_dir(
    tmp_path_factory: pytest.TempPathFactory, torch_embedder: SentenceEmbedder
) -> Path:
    texts, labels = zip(*TEXTS, strict=True)
    model = TrainedSentiment.fit(
        list(texts), list(labels), embedder=torch_embedder, model_ref=DEFAULT_MODEL
    )
    folder = tmp_path_factory.mktemp("models") / "sentiment"
    model.save(folder)
    return folder


def test_trained_sentiment_model_runs_through_the_engine(
    make: Build, sentiment_dir: Path, torch_embedder: SentenceEmbedder
) -> None:
    options = AnalysisOptions(sentiment=str(sentiment_dir))
    model = TrainedSentiment.load(sentiment_dir, embedder=torch_embedder)
    runtime = AnalysisRuntime(options, sentiment=model)
    chat = make("t", ("customer", "This is awful, I am furious"), ("agent", "Sorry to hear."))
    analysis = analyze_conversation(chat, runtime=runtime)
    assert analysis.sentiment is not None
    assert analysis.sentiment.model == str(sentiment_dir)
    # the engine scores both turns in one batch; embeddings differ from a lone call by
    # float noise only
    expected = model.predict(["This is awful, I am furious", "Sorry to hear."])
    scores = [t.score for t in analysis.sentiment.turns]
    assert [s.label for s in scores] == [e.label for e in expected]
    assert [s.compound for s in scores] == pytest.approx([e.compound for e in expected], abs=1e-5)
    assert options.fingerprint() != AnalysisOptions().fingerprint()


def test_a_sentiment_model_is_refused_as_an_intent_model(sentiment_dir: Path) -> None:
    with pytest.raises(ArtifactError) as caught:
        AnalysisRuntime(AnalysisOptions(intent_model=str(sentiment_dir)))
    message = caught.value.one_line()
    assert "colloquy-sentiment" in message
    assert "not colloquy-intent" in message
    assert "colloquy train intent" in message
