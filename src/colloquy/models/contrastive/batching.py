"""Anchor/positive pairs of same-label examples, packed into the batches of one epoch.

The packing decides what the loss sees as negatives, so it is kept pure and seeded: the
batches of an epoch depend only on the labels, the sizes and the generator, which is what
lets a resumed run replay exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Hashable, Sequence

from colloquy.errors import UsageError

Pair = tuple[int, int]
"""``(anchor, positive)``: indices into the training texts."""


def make_batches(
    labels: Sequence[Hashable], *, batch_size: int, pairs_per_example: int, rng: random.Random
) -> list[list[Pair]]:
    """Anchor/positive index pairs packed into batches in which no two pairs share a label.

    Every example whose class has at least two members is an anchor ``pairs_per_example``
    times, each time with another member of its class as the positive (distinct positives
    while the class has enough members, then they repeat); singleton classes are skipped.

    Packing: there are ``max(ceil(pairs / batch_size), most pairs of one class)`` batches,
    and each class deals its pairs into that many of the currently smallest batches (random
    among equals). So batch sizes differ by at most one (no ragged last batch), every class
    meets random other classes, and a pair is lost only when one class has more pairs than
    all others together: the surplus would form one-pair batches, which have no negative
    and are dropped. The result depends only on ``labels``, the two sizes and ``rng``.
    """
    if batch_size < 2:
        raise UsageError(f"batch_size must be at least 2, got {batch_size}")
    if pairs_per_example < 1:
        raise UsageError(f"pairs_per_example must be at least 1, got {pairs_per_example}")
    queues = _pairs_by_class(labels, pairs_per_example, rng)
    if not queues:
        return []
    total = sum(len(pairs) for pairs in queues.values())
    count = max(math.ceil(total / batch_size), *(len(pairs) for pairs in queues.values()))
    batches: list[list[Pair]] = [[] for _ in range(count)]
    for pairs in queues.values():
        tie_breaks = [rng.random() for _ in range(count)]
        smallest = sorted(range(count), key=lambda b: (len(batches[b]), tie_breaks[b]))
        for batch, pair in zip(smallest, pairs, strict=False):
            batches[batch].append(pair)
    kept = [batch for batch in batches if len(batch) >= 2]
    rng.shuffle(kept)
    return kept


def make_mixed_batches(
    labels: Sequence[Hashable], *, batch_size: int, pairs_per_example: int, rng: random.Random
) -> list[list[Pair]]:
    """The same anchor/positive pairs as :func:`make_batches`, packed at random.

    For :func:`supcon_loss`, which treats same-label examples as positives rather than
    negatives, so labels may repeat within a batch. Batch sizes differ by at most one and
    never fall below two (so with a ``batch_size`` of 2 or 3 a batch may hold one pair more);
    every pair is used unless there is only one, which has nothing to be contrasted with.
    """
    if batch_size < 2:
        raise UsageError(f"batch_size must be at least 2, got {batch_size}")
    if pairs_per_example < 1:
        raise UsageError(f"pairs_per_example must be at least 1, got {pairs_per_example}")
    queues = _pairs_by_class(labels, pairs_per_example, rng)
    pairs = [pair for queue in queues.values() for pair in queue]
    if len(pairs) < 2:
        return []
    rng.shuffle(pairs)
    count = min(math.ceil(len(pairs) / batch_size), len(pairs) // 2)
    return [pairs[b::count] for b in range(count)]


def _pairs_by_class(
    labels: Sequence[Hashable], pairs_per_example: int, rng: random.Random
) -> dict[Hashable, list[Pair]]:
    """Each class's pairs, shuffled; classes in order of first appearance, singletons absent."""
    members: dict[Hashable, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    queues: dict[Hashable, list[Pair]] = {}
    for label, indices in members.items():
        if len(indices) < 2:
            continue
        pairs = [
            (anchor, positive)
            for position, anchor in enumerate(indices)
            for positive in _positives(indices, position, pairs_per_example, rng)
        ]
        rng.shuffle(pairs)
        queues[label] = pairs
    return queues


def _positives(indices: list[int], position: int, count: int, rng: random.Random) -> list[int]:
    """``count`` classmates of ``indices[position]``, distinct until the class runs out."""
    others = len(indices) - 1
    picks: list[int] = []
    while len(picks) < count:
        picks.extend(rng.sample(range(others), min(count - len(picks), others)))
    return [indices[pick if pick < position else pick + 1] for pick in picks]


def epoch_rng(seed: int, epoch: int) -> random.Random:
    """The batch-order generator of one epoch: a function of the seed and the epoch only."""
    return random.Random(f"colloquy-contrastive:{seed}:{epoch}")


__all__ = ["Pair", "epoch_rng", "make_batches", "make_mixed_batches"]
