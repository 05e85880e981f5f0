"""Why a conversion model gave the probability it gave, as plain structured data.

An explanation answers three questions a sales lead asks about a score: which kinds of
evidence pushed it (the stacked blocks: what was said, how it was said, who the customer
is), which concrete features mattered (a phrase, a metadata field, a talk-ratio number),
and which turns moved it (leave-one-turn-out occlusion: the probability with that turn
removed, everything else equal). Contributions are in log-odds, the units in which the
stacked logistic regression adds evidence up; turn effects are in probability.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BlockEvidence:
    """One block's say: its own probability and its log-odds share in the final score."""

    block: str
    probability: float
    contribution: float


@dataclass(frozen=True, slots=True)
class FeatureContribution:
    """A named feature's log-odds push (positive = towards converting) and its raw value."""

    feature: str
    contribution: float
    value: float | None = None


@dataclass(frozen=True, slots=True)
class TurnEffect:
    """How much the probability drops (positive) or rises (negative) without this turn."""

    turn_index: int
    speaker: str
    text: str
    effect: float
    probability_without: float


@dataclass(frozen=True, slots=True)
class Explanation:
    probability: float
    base_rate: float
    blocks: tuple[BlockEvidence, ...]
    top_features: tuple[FeatureContribution, ...]
    key_turns: tuple[TurnEffect, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
