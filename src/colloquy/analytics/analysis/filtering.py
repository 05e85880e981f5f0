"""A :class:`~colloquy.analytics.outcomes.ConversationFilter` applied to stored analyses.

The filter's own methods read a :class:`~colloquy.schema.Conversation`; a stored
:class:`ConversationAnalysis` carries the same fields (day, channel, source, brand,
speakers, resolved intent), so an aggregate rebuilt from storage keeps exactly the
conversations the filter would have kept from the records.
"""

from __future__ import annotations

from colloquy.analytics.analysis.records import ConversationAnalysis
from colloquy.analytics.outcomes.filters import ConversationFilter


def matches_analysis(where: ConversationFilter, analysis: ConversationAnalysis) -> bool:
    """Whether ``where`` keeps the conversation ``analysis`` describes (intent included)."""
    if where.start is not None or where.end is not None:
        if analysis.day is None:
            return False
        if where.start is not None and analysis.day < where.start:
            return False
        if where.end is not None and analysis.day > where.end:
            return False
    if where.channels and analysis.channel not in where.channels:
        return False
    if where.sources and analysis.source not in where.sources:
        return False
    if where.brands and analysis.brand not in where.brands:
        return False
    if where.speakers and not where.speakers.intersection(analysis.speakers):
        return False
    return where.matches_intent(analysis.intent)
