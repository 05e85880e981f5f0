"""The real engine's audit trail: the shipped claim-inquiry scenario on a seeded desk
(SQLite, then PostgreSQL) replays to exactly what the caller heard, with every stage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from colloquy.agent.audit import replay, session_conversation
from colloquy.agent.scenarios import bundled_scenarios, run_scenario
from colloquy.agent.turn import EventKind
from colloquy.analytics import analyze_conversation
from colloquy.desk import seed_desk
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.storage import Store
from colloquy.storage.agent_sessions import AgentSessionRepository


@pytest.fixture
def desk(store: Store) -> Iterator[Store]:
    seed_desk(store)
    yield store
    with store.transaction() as conn:
        for table in ("validation_audit", "agent_events", "agent_sessions"):
            conn.execute(text(f"DELETE FROM {table}"))


@pytest.mark.slow
def test_a_claim_inquiry_replays_from_its_log(
    desk: Store, torch_embedder: SentenceEmbedder
) -> None:
    scenario = next(s for s in bundled_scenarios() if s.name == "claim_inquiry")
    result = run_scenario(scenario, desk, torch_embedder)
    assert result.mismatches == ()
    rebuilt = replay(desk, result.session_id)

    heard = [(u.role.value, u.text) for u in rebuilt.transcript()]
    expected = [("agent", result.transcript[0][1])]
    for said, answer in result.transcript[1:]:
        expected += [("customer", said), ("agent", answer)]
    assert heard == expected

    session = rebuilt.session
    assert (session.status, session.turns) == ("ended", len(scenario.turns))
    assert session.journey == "claim_inquiry"
    assert session.journey_version is not None
    assert session.customer_id is not None
    assert [e.seq for e in rebuilt.events] == list(range(1, session.events + 1))
    tally = AgentSessionRepository(desk).count([session.id])
    assert tally.lost == 0
    assert dict(tally.by_kind)[EventKind.MESSAGE.value] == len(scenario.turns)

    tools = [t.tool for turn in rebuilt.turns for t in turn.tools]
    assert tools == ["verify_customer_identity", "get_claim_status"]
    assert rebuilt.turns[-1].transitions[-1].target == "done"
    rows = AgentSessionRepository(desk).verdicts(session.id)
    assert len(rows) == sum(len(turn.verdicts) for turn in rebuilt.turns) > 0
    assert all(turn.timings.total > 0 for turn in rebuilt.turns)

    analysis = analyze_conversation(session_conversation(desk, session.id))
    assert analysis.n_turns == 1 + 2 * len(scenario.turns)
    assert analysis.intent == "claim_inquiry"
