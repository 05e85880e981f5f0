"""Scenario files: scripted conversations the agent must pass, and their runner.

::

    load_scenario / load_scenarios / bundled_scenarios    YAML → Scenario (schema-checked)
    run_scenario(scenario, store, embedder)               → ScenarioResult (mismatches)
    run_repeated(…, times=3, phrasing_quorum=2)           → RepeatedResult (LLM replies)
"""

from __future__ import annotations

from colloquy.agent.scenarios.loader import (
    bundled_scenarios,
    load_scenario,
    load_scenarios,
    parse_scenario,
)
from colloquy.agent.scenarios.records import (
    PHRASING_FIELDS,
    Mismatch,
    RepeatedResult,
    Scenario,
    ScenarioResult,
    ScenarioTurn,
    StoredExpectation,
    ToolExpectation,
    ToolFault,
    TurnExpectation,
)
from colloquy.agent.scenarios.runner import faulty_tools, run_repeated, run_scenario

__all__ = [
    "PHRASING_FIELDS",
    "Mismatch",
    "RepeatedResult",
    "Scenario",
    "ScenarioResult",
    "ScenarioTurn",
    "StoredExpectation",
    "ToolExpectation",
    "ToolFault",
    "TurnExpectation",
    "bundled_scenarios",
    "faulty_tools",
    "load_scenario",
    "load_scenarios",
    "parse_scenario",
    "run_repeated",
    "run_scenario",
]
