"""Spoken turns, prefixes and per-speaker pooling, on hand-made and real conversations."""

from __future__ import annotations

import numpy as np
import pytest
from tests.counting_embedder import CountingEmbedder

from colloquy.errors import UsageError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.features.transcript import (
    MEAN_POOLS,
    POOLS,
    PooledTurnEmbeddings,
    has_customer_turn,
    prefix,
    spoken_turns,
    transcript_text,
    without_turn,
)
from colloquy.schema import Conversation, DialogueAct, Speaker, Turn


def negotiation() -> Conversation:
    turns = [
        Turn(index=0, speaker=Speaker.CUSTOMER, text="Hi, is the bike still available?"),
        Turn(index=1, speaker=Speaker.AGENT, text="Yes it is, $200."),
        Turn(index=2, speaker=Speaker.CUSTOMER, text="Would you take 150?"),
        Turn(
            index=3,
            speaker=Speaker.AGENT,
            text="",
            dialogue_acts=(DialogueAct(act="OFFER", slot="price", values=("170",)),),
            extra={"event": "offer"},
        ),
        Turn(index=4, speaker=Speaker.AGENT, text="Meet me at 170."),
        Turn(index=5, speaker=Speaker.CUSTOMER, text="", extra={"event": "accept"}),
    ]
    return Conversation(id="n1", source="test", turns=tuple(turns))


def test_events_are_never_spoken() -> None:
    spoken = spoken_turns(negotiation())
    assert [t.index for t in spoken] == [0, 1, 2, 4]
    assert "170" not in transcript_text(negotiation(), Speaker.CUSTOMER)
    assert transcript_text(negotiation(), Speaker.AGENT) == "Yes it is, $200.\nMeet me at 170."


@pytest.mark.parametrize(
    ("ratio", "kept"), [(0.2, [0]), (0.5, [0, 1]), (0.6, [0, 1, 2]), (1.0, [0, 1, 2, 4])]
)
def test_prefix_by_ratio_counts_spoken_turns_and_drops_events(
    ratio: float, kept: list[int]
) -> None:
    assert [t.index for t in prefix(negotiation(), ratio=ratio).turns] == kept


def test_prefix_by_turns_and_bad_arguments() -> None:
    assert [t.index for t in prefix(negotiation(), turns=3).turns] == [0, 1, 2]
    assert [t.index for t in prefix(negotiation(), turns=99).turns] == [0, 1, 2, 4]
    assert prefix(negotiation(), turns=0).turns == ()
    with pytest.raises(UsageError, match=r"\(0, 1\]"):
        prefix(negotiation(), ratio=1.5)
    with pytest.raises(UsageError, match="either"):
        prefix(negotiation(), ratio=0.5, turns=2)


def test_without_turn_and_customer_check() -> None:
    assert [t.index for t in without_turn(negotiation(), 2).turns] == [0, 1, 3, 4, 5]
    agent_only = negotiation().model_copy(
        update={"turns": tuple(t for t in negotiation().turns if t.speaker is Speaker.AGENT)}
    )
    assert has_customer_turn(negotiation())
    assert not has_customer_turn(agent_only)


def test_pooling_by_speaker_with_the_real_model(torch_embedder: SentenceEmbedder) -> None:
    counting = CountingEmbedder(torch_embedder)
    pooled = PooledTurnEmbeddings(counting)
    conversation = negotiation()
    opening = prefix(conversation, turns=1)
    matrix = pooled.transform([conversation, opening])
    width = torch_embedder.dimension
    assert pooled.pools == POOLS
    assert matrix.shape == (2, 4 * width)
    customer = torch_embedder.encode(["Hi, is the bike still available?", "Would you take 150?"])
    agent = torch_embedder.encode(["Yes it is, $200.", "Meet me at 170."])
    np.testing.assert_allclose(matrix[0, :width], customer.mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(matrix[0, width : 2 * width], agent.mean(axis=0), atol=1e-5)
    both = np.vstack([customer, agent]).mean(axis=0)
    np.testing.assert_allclose(matrix[0, 2 * width : 3 * width], both, atol=1e-5)
    customer_text = torch_embedder.encode(["Hi, is the bike still available?\nWould you take 150?"])
    np.testing.assert_allclose(matrix[0, 3 * width :], customer_text[0], atol=1e-5)
    np.testing.assert_allclose(matrix[1, 3 * width :], customer[0], atol=1e-5)
    assert not matrix[1, width : 2 * width].any(), "the agent has not spoken yet"
    assert counting.encoded == 5, "four turns and one joined customer text, each encoded once"
    pooled.transform([without_turn(conversation, 1), conversation])
    assert counting.encoded == 5, "occlusion of an agent turn and re-scoring reuse the memo"
    pooled.transform([without_turn(conversation, 0)])
    assert counting.encoded == 5, "the customer's text without turn 0 is turn 2, already known"
    assert len(pooled.feature_names()) == 4 * width
    assert pooled.feature_names()[3 * width] == "embedding:customer_text[0]"


def test_mean_pools_only_and_unknown_pool(torch_embedder: SentenceEmbedder) -> None:
    pooled = PooledTurnEmbeddings(torch_embedder, pools=MEAN_POOLS)
    matrix = pooled.transform([negotiation()])
    assert matrix.shape == (1, 3 * torch_embedder.dimension)
    np.testing.assert_allclose(
        matrix,
        PooledTurnEmbeddings(torch_embedder).transform([negotiation()])[:, : matrix.shape[1]],
        atol=1e-5,
    )
    with pytest.raises(UsageError, match=r"unknown or no embedding pools.*customer_txt"):
        PooledTurnEmbeddings(torch_embedder, pools=("customer", "customer_txt"))
