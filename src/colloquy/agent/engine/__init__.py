"""The agent engine: one turn from a customer message to a validated, audited reply.

::

    build_agent(store, embedder, AgentOptions())   the desk's engine, offline by default
    AgentEngine.start / turn / end                 sessions, many per process
    advance (machine.py)                           a journey stepped by its YAML conditions
    classify_act (acts.py)                         confirm / correct, for ``intent:`` steps
"""

from __future__ import annotations

from colloquy.agent.engine.acts import Act, classify_act
from colloquy.agent.engine.engine import AgentEngine, AgentParts
from colloquy.agent.engine.factory import (
    AgentOptions,
    build_agent,
    desk_journeys,
    options_from_settings,
)
from colloquy.agent.engine.machine import Advance, Step, advance

__all__ = [
    "Act",
    "Advance",
    "AgentEngine",
    "AgentOptions",
    "AgentParts",
    "Step",
    "advance",
    "build_agent",
    "classify_act",
    "desk_journeys",
    "options_from_settings",
]
