"""Conversations as one row each, the table reference snapshots and drift checks read.

A row holds the dialogue dynamics (turns, word shares, response times), the scalar
metadata, the channel, the first labelled intent and the first customer text, so one
snapshot covers numeric features, categories, a text field and the label mix.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from colloquy.features.dynamics import dialogue_dynamics
from colloquy.schema.conversation import Conversation, Speaker

TEXT_FIELD = "first_customer_text"
LABEL_FIELD = "intent"
TIME_FIELD = "started_at"


def _in_window(conversation: Conversation, since: datetime | None, until: datetime | None) -> bool:
    started = conversation.started_at
    if since is None and until is None:
        return True
    if started is None:
        return False
    return (since is None or started >= since) and (until is None or started < until)


def conversation_row(conversation: Conversation) -> dict[str, object]:
    row: dict[str, object] = dict(dialogue_dynamics(conversation).to_dict())
    for key, value in conversation.metadata.items():
        if isinstance(value, (int, float, str, bool)):
            row[f"meta.{key}"] = value
    row["channel"] = conversation.channel
    row[LABEL_FIELD] = next((t.intent for t in conversation.turns if t.intent), None)
    row[TEXT_FIELD] = next(
        (t.text for t in conversation.turns if t.speaker is Speaker.CUSTOMER and t.text), None
    )
    row[TIME_FIELD] = conversation.started_at
    return row


def conversation_frame(
    conversations: Iterable[Conversation],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """One row per conversation started in ``[since, until)`` (all when both are None)."""
    rows = [conversation_row(c) for c in conversations if _in_window(c, since, until)]
    return pd.DataFrame(rows)
