"""What the customer said they would do: the amount they named, whether they offered
everything, whether they declined.

A persuasion or sales call usually ends with the customer stating a decision, and that
statement is the nearest thing in the transcript to the outcome. On PersuasionForGood
(54 % donate), 16 % of the 45 persuadees whose last amount in the second half was "$0"
donated, 62 % of the 534 who named a positive one, 47 % of the 438 who named none, and
15 % of the 60 who declined in the second half. The word blocks see these statements
only as scattered n-grams ("$", "0", "donate"), and the cue counts of
:mod:`colloquy.features.cues` count a commitment without reading its amount or a refusal
phrased as "I'll keep it". These columns read them directly, from the customer's spoken
turns only.

Amounts are read by :func:`~colloquy.features.cue_rules.stated_amounts`: only numbers
marked as money count (a donation chat is full of ages and years; negotiations have the
``prices`` block for bare prices). Amounts are given as ``log1p``, so a "$100 I gave
last year" does not swamp the scale, and NaN when the customer named none.

The turn's last amount stands for the turn, and "the second half" means the second half
of the conversation's spoken turns (with an odd count, the middle turn is in it).

The phrases were written after reading PersuasionForGood chats, so the decline phrases
speak of donating; a buyer's "not going to pay that" is left to the ``insights`` block's
objection cues.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray

from colloquy.features.cue_rules import normalise, stated_amounts
from colloquy.features.transcript import is_spoken
from colloquy.schema import Conversation, Speaker

EVERYTHING: Final = re.compile(
    r"\b(?:all of (?:it|my|the)|whole (?:amount|thing|payment|bonus)"
    r"|entire (?:amount|payment|bonus)|everything|full amount)\b"
)
"""The customer offering all of it ("I'll donate the whole amount", "all of my bonus")."""

DECLINE: Final = re.compile(
    r"\b(?:keep (?:it|my|the)|not (?:going to |gonna )?donat|won'?t (?:be )?donat"
    r"|(?:don'?t|do not) (?:want|think i(?:'?ll| will)) (?:to )?donat|rather not|no thanks"
    r"|in my pocket|can'?t afford|need (?:the|my|this) money)"
)
"""The customer turning the request down, including the soft forms ("I'll keep it")."""

DECISION_FEATURES: Final[tuple[str, ...]] = (
    "amount the customer named in the second half",
    "the customer named zero in the second half",
    "last amount the customer named",
    "the customer offered everything in the second half",
    "the customer declined in the second half",
    "the customer declined",
    "customer turns naming an amount",
)
"""Column names of :func:`decision_matrix`; amounts are ``log1p`` of currency units."""


def decision_matrix(conversations: Sequence[Conversation]) -> NDArray[np.float64]:
    """Per conversation, the :data:`DECISION_FEATURES` of the customer's spoken turns.

    On PersuasionForGood (grouped 5-fold CV), adding these columns as a block raised the
    stacked model's fold-mean ROC-AUC on all eleven fold partitions it was measured on:
    by 0.011–0.016 (mean 0.0125) on partitions 1–5, where the phrases and columns were
    chosen, by 0.005–0.016 (mean 0.010) on partitions 6–10, used only to confirm, and by
    0.005 on the benchmark's seed-0 partition (``benchmarks/conversion.py``; BENCHMARKS.md
    says which of these numbers came from the benchmark and which from the harness).
    """
    out = np.full((len(conversations), len(DECISION_FEATURES)), np.nan, dtype=np.float64)
    for row, conversation in enumerate(conversations):
        spoken = [t for t in conversation.turns if is_spoken(t)]
        second_half = {t.index for t in spoken[len(spoken) // 2 :]}
        late_amount = last_amount = None
        everything = declined_late = declined = 0.0
        naming = 0
        for turn in spoken:
            if turn.speaker is not Speaker.CUSTOMER:
                continue
            text = normalise(turn.text)
            amounts = stated_amounts(text)
            late = turn.index in second_half
            if amounts:
                naming += 1
                last_amount = amounts[-1]
                if late:
                    late_amount = amounts[-1]
            if late and EVERYTHING.search(text):
                everything = 1.0
            if DECLINE.search(text):
                declined = 1.0
                declined_late = max(declined_late, float(late))
        if late_amount is not None:
            out[row, 0] = math.log1p(late_amount)
            out[row, 1] = float(late_amount == 0)
        if last_amount is not None:
            out[row, 2] = math.log1p(last_amount)
        out[row, 3:] = (everything, declined_late, declined, naming)
    return out


__all__ = ["DECISION_FEATURES", "DECLINE", "EVERYTHING", "decision_matrix"]
