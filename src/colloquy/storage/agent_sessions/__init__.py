"""Agent sessions, their ordered event log (the audit) and the validator's verdicts.

:mod:`.tables` declares the tables (importing this package registers them on
``metadata``); :mod:`.repository` is the one way to write and read them.
"""

from __future__ import annotations

from colloquy.storage.agent_sessions.repository import (
    AgentSessionRepository,
    LogCount,
    NewEvent,
    SessionPage,
    StoredEvent,
    StoredSession,
    StoredVerdict,
)
from colloquy.storage.agent_sessions.tables import (
    ACTIVE,
    CHANNELS,
    ENDED,
    SESSION_ID_LENGTH,
    agent_events,
    agent_sessions,
    validation_audit,
)

__all__ = [
    "ACTIVE",
    "CHANNELS",
    "ENDED",
    "SESSION_ID_LENGTH",
    "AgentSessionRepository",
    "LogCount",
    "NewEvent",
    "SessionPage",
    "StoredEvent",
    "StoredSession",
    "StoredVerdict",
    "agent_events",
    "agent_sessions",
    "validation_audit",
]
