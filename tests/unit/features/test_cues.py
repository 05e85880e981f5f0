"""The customer's cue counts the conversion model reads, on hand-written conversations."""

from __future__ import annotations

import numpy as np
import pytest

from colloquy.errors import UsageError
from colloquy.features.cues import CUE_FEATURES, CUE_KINDS, CueDetector, cue_matrix
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.schema import Conversation, Speaker, Turn


def _conversation(*turns: tuple[str, str]) -> Conversation:
    built = tuple(Turn(index=i, speaker=Speaker(s), text=t) for i, (s, t) in enumerate(turns))
    return Conversation(id="c-1", source="test", turns=built)


DONATION = _conversation(
    ("agent", "Would you like to donate to Save the Children?"),
    ("customer", "I'm not sure. Is it really going to the kids?"),
    ("agent", "Yes, most of it goes straight to the programs."),
    ("customer", "I don't have much money right now."),
    ("agent", "Any amount helps. How much would you like to give?"),
    ("customer", "Okay, I will donate $0.50."),
)


def _row(conversation: Conversation, detector: CueDetector | None = None) -> dict[str, float]:
    matrix = cue_matrix([conversation], detector or CueDetector())
    assert matrix.shape == (1, len(CUE_FEATURES))
    return dict(zip(CUE_FEATURES, matrix[0].tolist(), strict=True))


def test_counts_only_the_customers_cues_by_kind_and_in_the_last_third() -> None:
    row = _row(DONATION)
    assert row["customer questions"] == 1
    assert row["customer objections"] == 2  # "I'm not sure." and "I don't have much money"
    assert row["customer commitments"] == 1
    assert row["customer price_mentions"] == 1
    # Six turns: the last third starts at turn 4, so only the commitment and its price.
    assert row["customer commitments in the last third"] == 1
    assert row["customer price_mentions in the last third"] == 1
    assert row["customer questions in the last third"] == 0
    assert row["customer objections in the last third"] == 0
    assert row["last amount the customer committed to"] == 0.5
    # The agent's two questions and its "How much…" price question are not counted.
    assert sum(row[f"customer {kind}s"] for kind in CUE_KINDS) == 5


def test_a_customer_who_commits_to_no_amount_has_none() -> None:
    row = _row(_conversation(("agent", "Will you donate?"), ("customer", "No, I will not.")))
    assert row["customer commitments"] == 0
    assert np.isnan(row["last amount the customer committed to"])


def test_later_commitments_replace_the_amount_and_prefixes_count_what_was_said() -> None:
    conversation = _conversation(
        ("customer", "I will donate $1."),
        ("agent", "Could you do a bit more?"),
        ("customer", "Fine, I'll give $2 then."),
    )
    assert _row(conversation)["last amount the customer committed to"] == 2.0
    started = conversation.model_copy(update={"turns": conversation.turns[:1]})
    assert _row(started)["last amount the customer committed to"] == 1.0
    assert _row(started)["customer commitments in the last third"] == 1


def test_the_embedding_fallback_adds_cues_the_patterns_miss(
    torch_embedder: SentenceEmbedder,
) -> None:
    conversation = _conversation(
        ("agent", "The bike is $400."),
        ("customer", "The price is a bit much for me."),
    )
    assert _row(conversation)["customer objections"] == 0
    assert _row(conversation, CueDetector(torch_embedder))["customer objections"] == 1


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_a_threshold_outside_zero_to_one_is_refused(threshold: float) -> None:
    with pytest.raises(UsageError, match=r"within 0\.\.1"):
        CueDetector(similarity_threshold=threshold)


def test_many_conversations_are_embedded_in_one_call_and_match_one_by_one(
    torch_embedder: SentenceEmbedder,
) -> None:
    from tests.counting_embedder import CountingEmbedder

    others = [
        _conversation(("agent", "The bike is $400."), ("customer", "That is a bit much for me.")),
        _conversation(("customer", "Can we talk next week?"), ("agent", "Sure.")),
    ]
    counting = CountingEmbedder(torch_embedder)
    detector = CueDetector(counting)
    together = detector.detect_all([DONATION, *others])
    taxonomy, sentences = counting.calls
    assert taxonomy > 20
    assert sentences == 12, "the three conversations' 12 sentences in one encode call"
    one_by_one = [CueDetector(torch_embedder).detect(c) for c in (DONATION, *others)]
    assert [[(c.kind, c.turn.index, c.method) for c in cues] for cues in together] == [
        [(c.kind, c.turn.index, c.method) for c in cues] for cues in one_by_one
    ]
