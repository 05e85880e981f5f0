"""Frozen records shared by every layer: conversations, turns, speakers, outcomes.

:class:`SchemaError` lives in :mod:`colloquy.errors` (the one exception tree) and is
re-exported here, beside the records whose validation raises it.
"""

from colloquy.errors import SchemaError
from colloquy.schema.conversation import (
    Conversation,
    DialogueAct,
    Outcome,
    Speaker,
    Turn,
)

__all__ = ["Conversation", "DialogueAct", "Outcome", "SchemaError", "Speaker", "Turn"]
