"""The agent's audit trail: every stage of every turn as an ordered, stored event log.

:class:`AuditLog` is what the engine writes to (it satisfies the engine's audit port);
:func:`replay` rebuilds a session from the log alone; :func:`session_conversation` turns a
session into the :class:`~colloquy.schema.Conversation` the analytics and conversion
scoring take, and :func:`export_sessions` stores sessions as a dataset for ``analyze``.
"""

from __future__ import annotations

from colloquy.agent.audit.conversation import SOURCE, export_sessions, session_conversation
from colloquy.agent.audit.log import AuditLog, audit_event
from colloquy.agent.audit.payload import payload_json
from colloquy.agent.audit.records import (
    ActivationStep,
    GuidelineStep,
    ReplayTurn,
    SessionReplay,
    ToolStep,
    TransitionStep,
)
from colloquy.agent.audit.replay import replay, replay_turns

__all__ = [
    "SOURCE",
    "ActivationStep",
    "AuditLog",
    "GuidelineStep",
    "ReplayTurn",
    "SessionReplay",
    "ToolStep",
    "TransitionStep",
    "audit_event",
    "export_sessions",
    "payload_json",
    "replay",
    "replay_turns",
    "session_conversation",
]
