"""What the model may read of a transcript: spoken turns, prefixes of them, pooled vectors.

Conversion models must see exactly what a person on the call could have heard, and no
more. Three rules keep that true everywhere a transcript becomes features:

* **Only speech counts.** A turn with empty text or with an ``"event"`` key in ``extra``
  (a negotiation's structured offer/accept/reject/quit) is an action that reveals the
  outcome; :func:`spoken_turns` drops it, and every feature here starts from that function.
* **Prefixes are cut on speech.** :func:`prefix` keeps the first ``ceil(ratio × n)`` (or the
  first ``turns``) *spoken* turns, so "60 % of a negotiation" means 60 % of its messages,
  as in the CraigslistBargain evaluation, and an event never sneaks in at the cut.
* **Pooling is by speaker.** :class:`PooledTurnEmbeddings` averages turn vectors over the
  customer's turns, the agent's turns and the whole dialogue, so the model can tell what the
  customer said from what they were told, and encodes the customer's words as one text, so
  a short reply ("yes, I will") is read next to what came before it. A side that has not
  spoken yet is a zero vector.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import UsageError
from colloquy.schema import Conversation, Speaker, Turn
from colloquy.schema.conversation import EVENT_KEY

if TYPE_CHECKING:
    from colloquy.features.embeddings import Embedder

PoolName = Literal["customer", "agent", "all", "customer_text"]
MEAN_POOLS: tuple[PoolName, ...] = ("customer", "agent", "all")
CUSTOMER_TEXT: PoolName = "customer_text"
POOLS: tuple[PoolName, ...] = (*MEAN_POOLS, CUSTOMER_TEXT)
"""Every pool, in feature order: three means of turn vectors and the customer's text as one.

Models saved before ``customer_text`` existed were trained on :data:`MEAN_POOLS`; their
manifest has no ``embedding_pools`` and they load with those three.
"""


def check_pools(pools: Sequence[str]) -> tuple[str, ...]:
    """``pools`` as a tuple, or a usage error naming the unknown ones and the valid ones."""
    unknown = [p for p in pools if p not in POOLS]
    if unknown or not pools:
        raise UsageError(
            f"unknown or no embedding pools {unknown or list(pools)}",
            hint=f"choose from {', '.join(POOLS)}",
        )
    return tuple(pools)


def is_spoken(turn: Turn) -> bool:
    """True for a turn someone said or wrote; False for structured events and empty turns."""
    return bool(turn.text.strip()) and EVENT_KEY not in turn.extra


def spoken_turns(conversation: Conversation) -> list[Turn]:
    return [t for t in conversation.turns if is_spoken(t)]


def has_customer_turn(conversation: Conversation) -> bool:
    return any(t.speaker is Speaker.CUSTOMER for t in spoken_turns(conversation))


def prefix(
    conversation: Conversation, *, ratio: float | None = None, turns: int | None = None
) -> Conversation:
    """The conversation as it stood after its first ``turns`` (or ``ratio``) spoken turns.

    Events are removed from the result whatever the cut, so a prefix is safe to featurise.
    With neither argument the whole spoken conversation is returned. A ratio keeps at least
    one turn of a non-empty conversation.
    """
    if ratio is not None and turns is not None:
        raise UsageError("give either ratio or turns, not both")
    spoken = spoken_turns(conversation)
    keep = len(spoken)
    if ratio is not None:
        if not 0 < ratio <= 1:
            raise UsageError(f"prefix ratio must be in (0, 1], got {ratio}")
        keep = min(len(spoken), max(1, math.ceil(ratio * len(spoken) - 1e-9)))
    elif turns is not None:
        if turns < 0:
            raise UsageError(f"prefix turns must be 0 or more, got {turns}")
        keep = min(len(spoken), turns)
    return conversation.model_copy(update={"turns": tuple(spoken[:keep])})


def without_turn(conversation: Conversation, index: int) -> Conversation:
    """The conversation with the turn whose ``Turn.index`` is ``index`` left out."""
    kept = tuple(t for t in conversation.turns if t.index != index)
    return conversation.model_copy(update={"turns": kept})


def transcript_text(conversation: Conversation, speaker: Speaker | None = None) -> str:
    """The spoken text joined with newlines, optionally only one speaker's."""
    return "\n".join(
        t.text for t in spoken_turns(conversation) if speaker is None or t.speaker is speaker
    )


def _pool_of(turn: Turn) -> str:
    return "customer" if turn.speaker is Speaker.CUSTOMER else "agent"


class PooledTurnEmbeddings:
    """Pooled turn embeddings per speaker and overall: ``len(pools) × dimension`` values.

    The mean pools average turn vectors; ``customer_text`` encodes the customer's spoken
    turns joined by newlines as one text, which the encoder truncates at its maximum
    sequence length (128 word pieces by default: the whole customer side of 35 % of
    PersuasionForGood dialogues, whose median is 153). On PersuasionForGood (grouped 5-fold
    CV) adding it raised the embedding block alone from 0.668 to 0.674 and the stacked
    model by 0.002–0.004, small gains measured on the partition it was chosen on;
    ``benchmarks/conversion.py`` has the current numbers, on other partitions too.

    Each distinct text is encoded once per instance (an LRU memo of ``memo_size`` texts),
    so scoring the same conversation again, as leave-one-turn-out explanations and live
    scoring do, costs no new encoder calls for the turns (each variant of the customer's
    text is encoded once). Put a persistent
    :class:`~colloquy.features.embeddings.CachedEmbedder` underneath to share work across runs.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        pools: Sequence[str] = POOLS,
        memo_size: int = 50_000,
        batch_size: int = 64,
    ):
        self.embedder = embedder
        self.pools = check_pools(pools)
        self.memo_size = memo_size
        self.batch_size = batch_size
        self._memo: OrderedDict[str, NDArray[np.float32]] = OrderedDict()

    @property
    def dimension(self) -> int:
        return len(self.pools) * self.embedder.dimension

    def feature_names(self) -> list[str]:
        width = self.embedder.dimension
        return [f"embedding:{pool}[{i}]" for pool in self.pools for i in range(width)]

    def transform(
        self, conversations: Sequence[Conversation], *, show_progress: bool = False
    ) -> NDArray[np.float32]:
        spoken = [spoken_turns(c) for c in conversations]
        customer_texts = [
            "\n".join(t.text for t in turns if t.speaker is Speaker.CUSTOMER) for turns in spoken
        ]
        texts = [t.text for turns in spoken for t in turns]
        if CUSTOMER_TEXT in self.pools:
            texts += [text for text in customer_texts if text]
        self._encode_missing(texts)
        width = self.embedder.dimension
        out = np.zeros((len(conversations), len(self.pools) * width), dtype=np.float32)
        for row, turns in enumerate(spoken):
            if not turns:
                continue
            vectors = np.stack([self._memo[t.text] for t in turns])
            sides = np.array([_pool_of(t) for t in turns])
            for slot, pool in enumerate(self.pools):
                columns = slice(slot * width, (slot + 1) * width)
                if pool == CUSTOMER_TEXT:
                    if customer_texts[row]:
                        out[row, columns] = self._memo[customer_texts[row]]
                    continue
                chosen = vectors if pool == "all" else vectors[sides == pool]
                if len(chosen):
                    out[row, columns] = chosen.mean(axis=0)
        return out

    def _encode_missing(self, texts: Sequence[str]) -> None:
        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            vectors = self.embedder.encode(missing, batch_size=self.batch_size)
            for text, vector in zip(missing, vectors, strict=True):
                self._memo[text] = vector
        for text in texts:
            self._memo.move_to_end(text)
        while len(self._memo) > max(self.memo_size, len(set(texts))):
            self._memo.popitem(last=False)
