"""The keys stored analyses are filed under.

A dataset aggregate is keyed by the options' full fingerprint and by :func:`filter_key`:
filters that keep the same conversations share a key however they were written
(``--filter channel=a --filter channel=b`` or the other way round), so it hashes a
canonical rendering, dates as ISO days and every set sorted.

A conversation's analysis is keyed by :func:`conversation_key`, the fingerprint of only
the options that change it: the trend bucket and the flow level shape the aggregate
alone, so asking for weekly instead of daily trends re-aggregates the stored analyses
instead of recomputing every conversation. A test checks that those two options leave a
conversation's analysis unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import orjson

from colloquy.analytics.analysis.options import AnalysisOptions
from colloquy.analytics.flow.records import FlowLevel
from colloquy.analytics.outcomes.filters import ConversationFilter
from colloquy.analytics.outcomes.trends import Bucket


def conversation_key(options: AnalysisOptions) -> str:
    """The fingerprint of the options a conversation's analysis depends on: the
    aggregate-only ones (trend bucket, flow level) are pinned to fixed values."""
    return replace(options, bucket=Bucket.DAY, flow_level=FlowLevel.INTENT).fingerprint()


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
