"""The example store in memory with the real MiniLM model: de-duplication, MMR with quotas."""

from __future__ import annotations

import pytest

from colloquy.errors import ConfigError
from colloquy.features.embeddings.sentence import SentenceEmbedder
from colloquy.llm.examples import ExampleStore, LabelledExample, from_pairs

TEXTS = [
    ("I lost my card", "card_lost"),
    ("My card is lost", "card_lost"),
    ("I can't find my bank card anywhere", "card_lost"),
    ("Someone stole my card yesterday", "card_lost"),
    ("Where is my refund?", "refund"),
    ("I still haven't received my refund", "refund"),
    ("How do I top up my account?", "top_up"),
    ("Can I add money with a transfer?", "top_up"),
]


@pytest.fixture
def store(torch_embedder: SentenceEmbedder) -> ExampleStore:
    store = ExampleStore(torch_embedder)
    report = store.add(from_pairs([t for t, _ in TEXTS], [lb for _, lb in TEXTS], "test"))
    assert report.added == len(TEXTS)
    return store


def test_duplicates_are_skipped(store: ExampleStore) -> None:
    version = store.version
    report = store.add(
        [
            LabelledExample("i LOST   my card", "card_lost"),
            LabelledExample("I lost my card.", "card_lost"),
            LabelledExample("I lost my card", "refund"),
        ]
    )
    assert (report.added, report.duplicates) == (1, 2)
    assert store.version != version
    assert store.remove(["I LOST MY CARD"]) == 2
    with pytest.raises(ConfigError, match="needs a text and a label"):
        store.add([LabelledExample(" ", "x")])


def test_selection_is_similar_diverse_and_within_quota(store: ExampleStore) -> None:
    nearest = store.select("my card has been lost", 3, diversity=0.0)
    assert [s.example.label for s in nearest] == ["card_lost"] * 3
    assert nearest[0].similarity >= nearest[1].similarity >= nearest[2].similarity
    quota = store.select("my card has been lost", 4, per_label=2)
    labels = [s.example.label for s in quota]
    assert labels.count("card_lost") == 2
    assert len(set(labels)) == 3
    assert all(s.example.text != "I lost my card" for s in store.select("I lost my card", 8))
