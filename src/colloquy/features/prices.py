"""Prices people say out loud in a negotiation, relative to a reference price.

In a negotiation the numbers are the story: how far the customer's last stated price is
from the asking price, whether the other side has moved, and who spoke last about money.
These features read prices from *spoken text only* (a structured offer event is an action
that can reveal the outcome, so it never counts; see :mod:`colloquy.features.transcript`)
and divide them by a reference from the conversation's metadata (e.g. the listing price),
so a $40 gap means the same on a $100 bike and a $10,000 car.

A number counts as a price when it carries a currency sign or word (``$150``, ``150
dollars``, ``150 bucks``), or when it is bare but falls between 20 % and 300 % of the
reference (``would you take 150?``): model numbers, years and phone fragments mostly fall
outside that band. Measured on CraigslistBargain (643 dialogues): see
``benchmarks/conversion.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from colloquy.features.transcript import spoken_turns
from colloquy.schema import Conversation, Speaker
from colloquy.schema.conversation import JsonValue

PRICE_FEATURES: tuple[str, ...] = (
    "customer_last_price_ratio",
    "customer_lowest_price_ratio",
    "agent_last_price_ratio",
    "agent_lowest_price_ratio",
    "last_price_gap_ratio",
    "customer_price_mentions",
    "agent_price_mentions",
    "customer_spoke_last_about_price",
)
_NUMBER = re.compile(
    r"(?P<sign>[$€£])?\s?(?P<value>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<k>k\b)?"
    r"(?:\s?(?P<word>dollars?|bucks?|usd|euros?|pounds?)\b)?",
    re.IGNORECASE,
)
_BARE_BAND = (0.2, 3.0)


def prices_in(text: str, reference: float) -> list[float]:
    """Prices mentioned in ``text``, in the order said."""
    found = []
    for match in _NUMBER.finditer(text):
        value = float(match["value"].replace(",", ""))
        if match["k"]:
            value *= 1000
        marked = bool(match["sign"] or match["word"])
        if marked or _BARE_BAND[0] * reference <= value <= _BARE_BAND[1] * reference:
            found.append(value)
    return found


def price_features(conversation: Conversation, reference: float | None) -> list[float]:
    """:data:`PRICE_FEATURES` for one conversation; NaN where nothing was said or no reference."""
    if reference is None or not math.isfinite(reference) or reference <= 0:
        return [math.nan] * len(PRICE_FEATURES)
    said: dict[bool, list[float]] = {True: [], False: []}
    last_speaker: bool | None = None
    for turn in spoken_turns(conversation):
        prices = prices_in(turn.text, reference)
        if prices:
            is_customer = turn.speaker is Speaker.CUSTOMER
            said[is_customer].extend(p / reference for p in prices)
            last_speaker = is_customer
    customer, agent = said[True], said[False]
    nan = math.nan
    return [
        customer[-1] if customer else nan,
        min(customer) if customer else nan,
        agent[-1] if agent else nan,
        min(agent) if agent else nan,
        agent[-1] - customer[-1] if customer and agent else nan,
        float(len(customer)),
        float(len(agent)),
        nan if last_speaker is None else float(last_speaker),
    ]


def price_matrix(
    conversations: Sequence[Conversation],
    records: Sequence[Mapping[str, JsonValue]],
    reference_field: str,
) -> list[list[float]]:
    rows = []
    for conversation, record in zip(conversations, records, strict=True):
        raw = record.get(reference_field)
        reference = float(raw) if isinstance(raw, int | float) else None
        rows.append(price_features(conversation, reference))
    return rows
