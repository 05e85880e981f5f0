"""Few-shot classification and synthetic examples with SmolLM2-135M for real, in process.

A handful of calls: the tests check the plumbing a real local model exercises (the enum
grammar keeps the label inside the candidate set, the cache answers repeats, generated
texts pass the filters), not the tiny model's accuracy, which benchmarks/fewshot.py
measures.
"""

from __future__ import annotations

import pytest

from colloquy.features.embeddings import SentenceEmbedder
from colloquy.llm import CallOptions, SQLiteResponseCache
from colloquy.llm.examples import ExampleStore
from colloquy.llm.fewshot import OUT_OF_SCOPE, LLMIntentClassifier
from colloquy.llm.llama_local import LlamaCppClient
from colloquy.llm.synthetic import SyntheticGenerator
from colloquy.llm.weights import SMOLLM2_135M, resolve_local_model

pytest.importorskip("llama_cpp", reason="the llm extra (llama-cpp-python) is not installed")

TEXTS = [
    "my card has not arrived yet",
    "when will my new card be delivered",
    "how do I top up my account",
    "add money to my balance please",
    "I want to close my account",
    "please delete my account for good",
]
LABELS = ["card_arrival"] * 2 + ["top_up"] * 2 + ["terminate_account"] * 2


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> LlamaCppClient:
    folder = tmp_path_factory.mktemp("llm")
    path = resolve_local_model(SMOLLM2_135M.name, models_dir=folder)
    return LlamaCppClient(
        path,
        model=SMOLLM2_135M.name,
        n_threads=1,
        n_ctx=2048,
        options=CallOptions(max_tokens=48),
        cache=SQLiteResponseCache(folder / "cache.sqlite"),
    )


@pytest.mark.slow
def test_the_local_model_answers_a_label_from_the_set_and_repeats_are_cached(
    smollm2: LlamaCppClient, torch_embedder: SentenceEmbedder
) -> None:
    llm = LLMIntentClassifier(smollm2, torch_embedder, k=3, candidates=3).fit(TEXTS, LABELS)
    texts = ["where is my card", "close my account please"]
    first = llm.classify(texts)
    for prediction in first:
        assert prediction.label in {*LABELS, OUT_OF_SCOPE}
        assert prediction.abstained or prediction.label in prediction.candidates
        assert not prediction.cached
    calls = smollm2.usage_total.calls
    second = llm.classify(texts)
    assert [p.label for p in second] == [p.label for p in first]
    assert all(p.cached for p in second)
    assert smollm2.usage_total.completion_tokens > 0
    assert smollm2.usage_total.calls > calls


@pytest.mark.slow
def test_the_local_model_writes_examples_that_pass_the_filters(
    smollm2: LlamaCppClient, torch_embedder: SentenceEmbedder
) -> None:
    store = ExampleStore(torch_embedder)
    generator = SyntheticGenerator(smollm2, store, per_call=3, max_tokens=160)
    texts, labels, [report] = generator.augment(TEXTS[:2], LABELS[:2], target=4)
    assert report.generated >= len(report.kept)
    assert texts[:2] == TEXTS[:2]
    assert len(texts) == 2 + len(report.kept)
    assert labels == ["card_arrival"] * len(texts)
    stored = {t.casefold() for t in TEXTS[:2]}
    assert all(t.strip() and t.casefold() not in stored for t in report.kept)
