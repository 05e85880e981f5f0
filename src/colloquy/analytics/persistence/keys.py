"""The key a dataset aggregate is stored under for one :class:`ConversationFilter`.

Filters that keep the same conversations must share a key however they were written
(``--filter channel=a --filter channel=b`` or the other way round), so the key hashes a
canonical rendering: dates as ISO days, every set sorted.
"""

from __future__ import annotations

import hashlib

import orjson

from colloquy.analytics.outcomes.filters import ConversationFilter


def filter_key(where: ConversationFilter | None) -> str:
    """A SHA-256 hex digest naming ``where`` (``None`` is the empty filter)."""
    where = where if where is not None else ConversationFilter()
    canonical = {
        "from": where.start.isoformat() if where.start is not None else None,
        "to": where.end.isoformat() if where.end is not None else None,
        "channel": sorted(where.channels),
        "source": sorted(where.sources),
        "brand": sorted(where.brands),
        "intent": sorted(where.intents),
        "speaker": sorted(speaker.value for speaker in where.speakers),
    }
    return hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()
