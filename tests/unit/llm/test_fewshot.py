"""LLMIntentClassifier and the hybrid, against the FAKE OpenAI-compatible server.

The model is scripted (it answers from a table of known texts), everything else is real:
the HTTP client, the prompt, MiniLM example selection, the response cache and the
IntentClassifier the hybrid routes from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from tests.fakes.openai_server import FakeOpenAIServer, RecordedRequest, fake_openai_server

from colloquy.errors import DataError, UsageError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.llm import OpenAICompatibleClient, SQLiteResponseCache
from colloquy.llm.fewshot import OUT_OF_SCOPE, LLMIntentClassifier, answer_model
from colloquy.models.intent import IntentClassifier
from colloquy.models.intent_hybrid import HybridIntentClassifier, choose_threshold

TEXTS = [
    "my card has not arrived yet",
    "when will my new card be delivered",
    "the card still has not come in the post",
    "how do I top up my account",
    "add money to my balance please",
    "can I top up with a bank transfer",
    "I want to close my account",
    "please delete my account for good",
    "how can I terminate my account",
]
LABELS = ["card_arrival"] * 3 + ["top_up"] * 3 + ["terminate_account"] * 3
ANSWERS = {
    "where is my card": "card_arrival",
    "how to add funds": "top_up",
    "shut down my account": "terminate_account",
}


def answering(table: dict[str, str], confidence: float = 0.9) -> Callable[[RecordedRequest], str]:
    def reply(request: RecordedRequest) -> str:
        text = request.messages[-1]["content"]
        return json.dumps({"label": table.get(text, "no_such_label"), "confidence": confidence})

    return reply


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with fake_openai_server(answering(ANSWERS)) as fake:
        yield fake


def classifier(
    server: FakeOpenAIServer, embedder: SentenceEmbedder, **kwargs: object
) -> LLMIntentClassifier:
    client = OpenAICompatibleClient(server.base_url, "fake-model", api_key="k")
    return LLMIntentClassifier(client, embedder, **kwargs).fit(TEXTS, LABELS)  # type: ignore[arg-type]


def test_answer_model_accepts_only_the_labels_and_out_of_scope() -> None:
    model = answer_model(["top_up", "card_arrival"])
    assert model(label="top_up", confidence=0.5).model_dump()["label"] == "top_up"
    assert model(label=OUT_OF_SCOPE, confidence=1.0).model_dump()["label"] == OUT_OF_SCOPE
    with pytest.raises(ValidationError):
        model(label="pizza", confidence=0.5)
    schema = model.model_json_schema()
    assert schema["properties"]["label"]["enum"] == ["top_up", "card_arrival", OUT_OF_SCOPE]


def test_predicts_the_answered_label_with_examples_and_candidates_in_the_prompt(
    server: FakeOpenAIServer, torch_embedder: SentenceEmbedder
) -> None:
    llm = classifier(server, torch_embedder)
    texts = list(ANSWERS)
    assert list(llm.predict(texts)) == list(ANSWERS.values())
    system = server.completions[0].messages[1]["content"]
    assert "card_arrival" in system
    schema = server.completions[0].body["response_format"]["json_schema"]["schema"]
    assert set(schema["properties"]["label"]["enum"]) <= {*LABELS, OUT_OF_SCOPE}
    shown = [m["content"] for m in server.completions[0].messages if m["role"] == "user"]
    assert shown[-1] == texts[0]
    assert len(shown) > 1
    proba = llm.predict_proba(texts)
    assert proba.shape == (3, 3)
    assert list(llm.decide(proba)) == list(ANSWERS.values())
    assert llm.top_k(texts[:1]) == [[("card_arrival", 0.9)]]


def test_an_invalid_answer_is_repaired_once_then_abstains(
    server: FakeOpenAIServer, torch_embedder: SentenceEmbedder
) -> None:
    llm = classifier(server, torch_embedder, oos_label="unknown")
    [prediction] = llm.classify(["something nobody scripted"])
    assert prediction.abstained
    assert prediction.reason == "invalid"
    assert prediction.label == "unknown"
    assert len(server.completions) == 2
    assert not llm.predict_proba(["something nobody scripted"]).any()


def test_low_confidence_and_out_of_scope_abstain(torch_embedder: SentenceEmbedder) -> None:
    table = {"where is my card": "card_arrival", "tell me a joke": OUT_OF_SCOPE}
    with fake_openai_server(answering(table, confidence=0.3)) as fake:
        llm = classifier(fake, torch_embedder, min_confidence=0.5)
        low, oos = llm.classify(["where is my card", "tell me a joke"])
    assert (low.reason, low.label) == ("low_confidence", OUT_OF_SCOPE)
    assert (oos.reason, oos.label) == ("out_of_scope", OUT_OF_SCOPE)


def test_answers_come_from_the_response_cache_the_second_time(
    server: FakeOpenAIServer, torch_embedder: SentenceEmbedder, tmp_path: Path
) -> None:
    cache = SQLiteResponseCache(tmp_path / "llm.sqlite")
    client = OpenAICompatibleClient(server.base_url, "fake-model", api_key="k", cache=cache)
    llm = LLMIntentClassifier(client, torch_embedder).fit(TEXTS, LABELS)
    first = llm.classify(list(ANSWERS))
    second = llm.classify(list(ANSWERS))
    assert [p.label for p in first] == [p.label for p in second]
    assert len(server.completions) == 3
    assert all(p.cached for p in second)
    assert not any(p.cached for p in first)


def test_user_errors_are_clear(server: FakeOpenAIServer, torch_embedder: SentenceEmbedder) -> None:
    client = OpenAICompatibleClient(server.base_url, "fake-model", api_key="k")
    llm = LLMIntentClassifier(client, torch_embedder)
    with pytest.raises(UsageError, match="not fitted"):
        llm.predict(["hello"])
    with pytest.raises(DataError, match="no examples"):
        llm.fit([], [])
    llm.fit(TEXTS, LABELS)
    with pytest.raises(DataError, match="position"):
        llm.predict(["fine", "  "])
    with pytest.raises(UsageError, match="one string"):
        llm.predict("where is my card")
    with pytest.raises(UsageError, match="candidates"):
        LLMIntentClassifier(client, torch_embedder, candidates=0)


def test_choose_threshold_picks_the_best_routed_accuracy_lowest_on_ties() -> None:
    confidence = np.array([0.9, 0.8, 0.3, 0.2])
    truth = ["a", "b", "c", "d"]
    choice = choose_threshold(confidence, ["a", "b", "x", "x"], ["x", "x", "c", "d"], truth)
    assert choice.accuracy == 1.0
    assert choice.threshold == 0.35
    assert choice.llm_share == 0.5
    always_right = choose_threshold(confidence, truth, truth, truth)
    assert always_right.threshold == 0.0
    assert always_right.llm_share == 0.0
    with pytest.raises(DataError):
        choose_threshold(np.array([]), [], [], [])


def test_hybrid_sends_only_unconfident_texts_to_the_llm(
    server: FakeOpenAIServer, torch_embedder: SentenceEmbedder
) -> None:
    client = OpenAICompatibleClient(server.base_url, "fake-model", api_key="k")
    llm = LLMIntentClassifier(client, torch_embedder)
    base = IntentClassifier(method="tfidf")
    hybrid = HybridIntentClassifier(base, llm, threshold=1.0).fit(TEXTS, LABELS)
    labels, routed = hybrid.route(list(ANSWERS))
    assert routed.all()
    assert list(labels) == list(ANSWERS.values())
    hybrid.threshold_ = 0.0
    calls = len(server.completions)
    labels, routed = hybrid.route(list(ANSWERS))
    assert not routed.any()
    assert len(server.completions) == calls
    assert set(labels) <= set(LABELS)


def test_hybrid_auto_threshold_is_chosen_on_validation(
    server: FakeOpenAIServer, torch_embedder: SentenceEmbedder
) -> None:
    client = OpenAICompatibleClient(server.base_url, "fake-model", api_key="k")
    hybrid = HybridIntentClassifier(
        IntentClassifier(method="tfidf"), LLMIntentClassifier(client, torch_embedder)
    )
    with pytest.raises(UsageError, match="validation"):
        hybrid.fit(TEXTS, LABELS)
    hybrid.fit(TEXTS, LABELS, validation=(list(ANSWERS), list(ANSWERS.values())))
    assert hybrid.choice_ is not None
    assert hybrid.choice_.accuracy == 1.0
    assert list(hybrid.predict(list(ANSWERS))) == list(ANSWERS.values())
