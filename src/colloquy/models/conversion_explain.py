"""Reading a fitted conversion model back to its reasons: each block's log-odds share,
the interpretable features that pushed the score, and the turns whose removal moves it
most (leave-one-turn-out occlusion).

The records are those of :mod:`colloquy.models.explanation`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from colloquy.features.transcript import without_turn
from colloquy.models.conversion_blocks import BlockName, FeatureBlock, TfidfBlock
from colloquy.models.conversion_inner_cv import logit
from colloquy.models.explanation import BlockEvidence, FeatureContribution, TurnEffect
from colloquy.schema import Conversation
from colloquy.schema.conversation import JsonValue


def block_evidence(
    names: Sequence[str], probabilities: NDArray[np.float64], weights: NDArray[np.float64]
) -> tuple[BlockEvidence, ...]:
    """Each block's probability and its share, in log-odds, of the stacker's sum."""
    return tuple(
        BlockEvidence(name, float(p), float(w * logit(np.array([p]))[0]))
        for name, p, w in zip(names, probabilities, weights, strict=True)
    )


def feature_contributions(
    blocks: Mapping[BlockName, FeatureBlock],
    block_models: Mapping[BlockName, Any],
    weights: NDArray[np.float64],
    conversation: Conversation,
    records: list[dict[str, JsonValue]],
) -> list[FeatureContribution]:
    """The interpretable blocks' features, strongest push first, each weighted by its
    block's stacker weight.

    A feature's ``value`` is what the customer record said for a numeric metadata field,
    the model's input otherwise (1.0 for a present category, a dynamics number).
    """
    contributions: list[FeatureContribution] = []
    for (name, block), weight in zip(blocks.items(), weights, strict=True):
        if not block.interpretable:
            continue
        model = block_models[name]
        features = block.transform([conversation], records)
        values = block.contributions(model, features)
        if values is None or not len(values):
            continue
        names = block.feature_names(model)
        raw = None if isinstance(block, TfidfBlock) else np.asarray(features, dtype=np.float64)[0]
        for j in np.flatnonzero(values):
            value = _shown_value(raw, names, int(j))
            original = records[0].get(names[j].removeprefix("metadata:"))
            if name == "metadata" and isinstance(original, int | float):
                value = float(original)
            contributions.append(FeatureContribution(names[j], float(weight * values[j]), value))
    contributions.sort(key=lambda c: -abs(c.contribution))
    return contributions


def turn_effects(
    conversation: Conversation,
    probability: float,
    top: int,
    proba: Callable[[Sequence[Conversation]], NDArray[np.float64]],
) -> tuple[TurnEffect, ...]:
    """The ``top`` turns whose removal changes ``proba`` of the conversation most."""
    turns = conversation.turns
    if len(turns) < 2 or top <= 0:
        return ()
    without = proba([without_turn(conversation, t.index) for t in turns])
    effects = [
        TurnEffect(t.index, t.speaker.value, t.text, probability - float(p), float(p))
        for t, p in zip(turns, without, strict=True)
    ]
    effects.sort(key=lambda e: -abs(e.effect))
    return tuple(effects[:top])


def _shown_value(raw: NDArray[np.float64] | None, names: list[str], j: int) -> float | None:
    """The input value of feature ``j``; 1/0 for a "<feature> is missing" indicator."""
    if raw is None:
        return None
    if j >= len(raw):
        base = names[j].removesuffix(" is missing")
        return float(np.isnan(raw[names.index(base)])) if base in names[: len(raw)] else None
    return None if np.isnan(raw[j]) else float(raw[j])
