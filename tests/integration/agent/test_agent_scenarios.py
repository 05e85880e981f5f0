"""The shipped scenarios pass with the offline responder: on SQLite, and on PostgreSQL + Redis."""

from __future__ import annotations

import pytest

from colloquy.agent.engine.factory import AgentOptions
from colloquy.agent.scenarios import Scenario, ScenarioResult, bundled_scenarios, run_scenario
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.storage import Store
from colloquy.storage.agent_sessions import AgentSessionRepository

SCENARIOS = {s.name: s for s in bundled_scenarios()}


def _explain(result: ScenarioResult) -> str:
    lines = [
        f"{m.field} at turn {m.turn}: expected {m.expected!r}, got {m.got!r}"
        for m in result.mismatches
    ]
    lines += [f"  you> {c}\n  agent> {a}" for c, a in result.transcript]
    return "\n".join(lines)


def test_the_plan_s_four_tests_and_the_variations_are_shipped() -> None:
    assert {
        "claim_inquiry",
        "claim_submission",
        "knowledge_query",
        "guideline_enforcement",
        "digression",
        "correction",
        "journey_switch",
        "tool_timeout",
    } <= set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_passes_on_sqlite(
    name: str, desk: Store, torch_embedder: SentenceEmbedder
) -> None:
    result = run_scenario(SCENARIOS[name], desk, torch_embedder)
    assert result.passed, _explain(result)
    session = AgentSessionRepository(desk).get(result.session_id)
    assert session.status == "ended"


@pytest.mark.parametrize("name", ["claim_inquiry", "claim_submission", "tool_timeout"])
def test_scenario_passes_on_postgresql_with_redis(
    name: str,
    pg_desk: Store,
    redis_namespace: tuple[str, str],
    torch_embedder: SentenceEmbedder,
) -> None:
    url, prefix = redis_namespace
    options = AgentOptions(redis_url=url, redis_prefix=prefix)
    result = run_scenario(SCENARIOS[name], pg_desk, torch_embedder, options)
    assert result.passed, _explain(result)


def test_a_scenario_that_does_not_hold_reports_where(
    desk: Store, torch_embedder: SentenceEmbedder
) -> None:
    from colloquy.agent.scenarios import parse_scenario

    wrong: Scenario = parse_scenario(
        "name: wrong\nturns:\n  - say: what is a deductible\n    expect:\n"
        "      journey: claim_inquiry\n      tools: []\n",
        "wrong.yaml",
    )
    result = run_scenario(wrong, desk, torch_embedder)
    fields = {m.field for m in result.mismatches}
    assert fields == {"journey", "tools"}
    assert all(m.line == 3 for m in result.mismatches)
