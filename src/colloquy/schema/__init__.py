"""Frozen records shared by every layer: conversations, turns, speakers, outcomes."""

from colloquy.schema.conversation import (
    Conversation,
    DialogueAct,
    Outcome,
    SchemaError,
    Speaker,
    Turn,
)

__all__ = ["Conversation", "DialogueAct", "Outcome", "SchemaError", "Speaker", "Turn"]
