"""SyntheticGenerator against the FAKE OpenAI-compatible server: what is kept and why.

The model is scripted to return a mix of good paraphrases, a copy of a stored example, a
near copy, an empty string and one that drifted to another intent; the store (MiniLM),
the HTTP client and the filters are real.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import pytest
from tests.fakes.openai_server import RecordedRequest, fake_openai_server

from colloquy.errors import UsageError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.llm import OpenAICompatibleClient
from colloquy.llm.examples import ExampleStore
from colloquy.llm.synthetic import GENERATED_CHARS, PROMPT_REF, SyntheticGenerator

REAL = ["my card has not arrived yet", "when will my new card be delivered"]
GENERATED = [
    "I am still waiting for the card you sent me",
    "My card has not arrived yet",
    "my card has not arrived yet!",
    "   ",
    "how do I top up my account",
    "the plastic card was posted weeks ago and never showed up",
]


def agree(texts: Sequence[str]) -> Iterable[str]:
    """A keyword rule standing in for an independent classifier's verdict."""
    return ["top_up" if "top up" in t else "card_arrival" for t in texts]


def reply(request: RecordedRequest) -> str:
    return json.dumps({"texts": GENERATED})


def test_generation_drops_duplicates_blanks_and_disagreements(
    torch_embedder: SentenceEmbedder,
) -> None:
    with fake_openai_server(reply) as fake:
        client = OpenAICompatibleClient(fake.base_url, "fake-model", api_key="k")
        store = ExampleStore(torch_embedder)
        generator = SyntheticGenerator(client, store, agree=agree, per_call=len(GENERATED))
        texts, labels, reports = generator.augment(REAL, ["card_arrival"] * 2, target=4)
    [report] = reports
    assert report.label == "card_arrival"
    assert report.kept == (
        "I am still waiting for the card you sent me",
        "the plastic card was posted weeks ago and never showed up",
    )
    assert (report.generated, report.invalid, report.duplicates, report.disagreed) == (6, 1, 2, 1)
    assert len(fake.completions) == 1
    assert texts == REAL + list(report.kept)
    assert labels == ["card_arrival"] * 4
    system = fake.completions[0].messages[1]["content"]
    assert "intent 'card arrival'" in system
    assert PROMPT_REF.name == "intent_paraphrase"
    schema = json.dumps(fake.completions[0].body)
    assert f'"maxItems": {len(GENERATED)}' in schema
    assert f'"maxLength": {GENERATED_CHARS}' in schema


def test_intents_at_the_target_are_left_alone(torch_embedder: SentenceEmbedder) -> None:
    with fake_openai_server(reply) as fake:
        client = OpenAICompatibleClient(fake.base_url, "fake-model", api_key="k")
        generator = SyntheticGenerator(client, ExampleStore(torch_embedder))
        texts, _, reports = generator.augment(REAL, ["card_arrival"] * 2, target=2)
        assert not fake.completions
    assert texts == REAL
    assert reports == []


def test_an_intent_without_examples_is_a_usage_error(torch_embedder: SentenceEmbedder) -> None:
    with fake_openai_server(reply) as fake:
        client = OpenAICompatibleClient(fake.base_url, "fake-model", api_key="k")
        generator = SyntheticGenerator(client, ExampleStore(torch_embedder))
        with pytest.raises(UsageError, match="no stored examples"):
            generator.generate("top_up", 3)
