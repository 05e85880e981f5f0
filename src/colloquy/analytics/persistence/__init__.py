"""Stored analyses: records to JSON and back, and incremental analysis of stored datasets.

:func:`analyze_stored` answers a stored dataset's :class:`DatasetAnalysis` while computing
only conversations whose stored analysis is missing or stale (and nothing when the stored
aggregate is current); :func:`stored_analysis` reads a current aggregate without
computing. The codec (:func:`encode_conversation` / :func:`decode_conversation`, and the
dataset pair) round-trips the records exactly and refuses malformed payloads with a
:class:`PayloadError`.
"""

from __future__ import annotations

from colloquy.analytics.persistence.codec import (
    CODEC_VERSION,
    PayloadError,
    decode_conversation,
    decode_dataset,
    encode_conversation,
    encode_dataset,
)
from colloquy.analytics.persistence.incremental import (
    AGGREGATING,
    ANALYSING,
    IncrementalStats,
    analyze_stored,
    stored_analysis,
)
from colloquy.analytics.persistence.keys import conversation_key, filter_key

__all__ = [
    "AGGREGATING",
    "ANALYSING",
    "CODEC_VERSION",
    "IncrementalStats",
    "PayloadError",
    "analyze_stored",
    "conversation_key",
    "decode_conversation",
    "decode_dataset",
    "encode_conversation",
    "encode_dataset",
    "filter_key",
    "stored_analysis",
]
