"""The audit log on SQLite and PostgreSQL: what the engine records comes back as a replay,
as validation_audit rows, and as a conversation the analytics engine analyses."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from colloquy.agent.audit import (
    SOURCE,
    AuditLog,
    export_sessions,
    replay,
    session_conversation,
)
from colloquy.agent.turn import Check, EventKind, Reply, ValidationOutcome, Verdict
from colloquy.analytics import analyze_conversation
from colloquy.errors import NotFoundError
from colloquy.schema import Speaker
from colloquy.storage import Store

GREETING = "Hello, you are speaking with the claims desk. Calls may be recorded."
ASK = "Happy to help with your claim. What is the phone number on your policy?"
STATUS = "Thank you. Claim CLM-2026-00012 is approved for 2840.00."
STATUS_DRAFT = "Thank you. Claim CLM-2026-00012 is approved for 3000.00."


def _clear(store: Store) -> None:
    with store.transaction() as conn:
        for table in ("validation_audit", "agent_events", "agent_sessions"):
            conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def audit(store: Store) -> Iterator[AuditLog]:
    _clear(store)
    yield AuditLog(store)
    _clear(store)


def _json(**fields: object) -> str:
    return json.dumps(fields, sort_keys=True)


def _reply_turn(
    audit: AuditLog, sid: str, turn: int, draft: str, sent: str, verdicts: tuple[Verdict, ...]
) -> None:
    audit.record(sid, turn, EventKind.RESPONSE, Reply(draft, "template", ("t1",)), 0.4)
    outcome = ValidationOutcome(sent, verdicts, fixed=draft != sent, latency_ms=1.25)
    audit.record_validation(sid, turn, outcome)
    audit.record(sid, turn, EventKind.REPLY, _json(role="agent", text=sent), 1.25)


def record_claim_inquiry(audit: AuditLog, sid: str) -> None:
    """What the engine logs for a greeting and two turns of a claim inquiry."""
    audit.start(sid, "text", metadata={"caller": "test"})
    audit.record(sid, 0, EventKind.GUIDELINE_MATCH, "[]", 0.2)
    _reply_turn(audit, sid, 0, GREETING, GREETING, (Verdict(Check.DISCLAIMER, 0, GREETING, True),))

    audit.record(sid, 1, EventKind.MESSAGE, _json(role="customer", text="I want to check my claim"))
    activation = {
        "journey": "claim_inquiry", "version": 1, "score": 0.82, "runner_up": "claim_submission",
        "runner_up_score": 0.41, "method": "embedding", "cache_level": "",
    }  # fmt: skip
    audit.record(sid, 1, EventKind.ACTIVATION, json.dumps(activation), 12.5)
    audit.record(
        sid, 1, EventKind.TRANSITION,
        _json(journey="claim_inquiry", version=1, source="", target="verify_identity",
              condition="activated"),
    )  # fmt: skip
    matches = [{"name": "verify_first", "priority": 9, "score": 0.71, "keyword_hit": True,
                "method": "embedding"}]  # fmt: skip
    audit.record(sid, 1, EventKind.GUIDELINE_MATCH, json.dumps(matches), 4.0)
    _reply_turn(audit, sid, 1, ASK, ASK, (Verdict(Check.VERIFICATION, 0, ASK, True),))

    audit.record(sid, 2, EventKind.MESSAGE, _json(role="customer", text="555-0142, claim 12"))
    filled = _json(values={"phone": "555-0142"}, sources={"phone": "caller"})
    audit.record(sid, 2, EventKind.SLOT_FILL, filled, 0.3)
    audit.record(
        sid, 2, EventKind.TOOL_CALL,
        _json(tool="verify_customer_identity", status="ok", arguments={"phone": "555-0142"},
              result={"verified": True, "customer_id": "cust-7"}, error=None, cached=False,
              succeeded=True),
        7.0,
    )  # fmt: skip
    audit.record(
        sid, 2, EventKind.TRANSITION,
        _json(journey="claim_inquiry", version=1, source="verify_identity", target="ask_claim",
              condition="tool_ok"),
    )  # fmt: skip
    audit.record(sid, 2, EventKind.GUIDELINE_MATCH, "[]", 3.0)
    failed = Verdict(
        Check.GROUNDING, 0, STATUS_DRAFT, False, "3000.00 was not returned by a tool", STATUS
    )
    _reply_turn(audit, sid, 2, STATUS_DRAFT, STATUS, (failed,))
    audit.end(sid)


def test_replay_rebuilds_each_turn_from_the_log(audit: AuditLog, store: Store) -> None:
    record_claim_inquiry(audit, "s-1")
    rebuilt = replay(store, "s-1")
    session = rebuilt.session
    assert (session.status, session.turns, session.channel) == ("ended", 2, "text")
    assert (session.journey, session.journey_version, session.customer_id) == (
        "claim_inquiry",
        1,
        "cust-7",
    )
    assert [e.seq for e in rebuilt.events] == list(range(1, len(rebuilt.events) + 1))
    assert rebuilt.events[0].kind is EventKind.SESSION_STARTED
    assert rebuilt.events[-1].kind is EventKind.SESSION_ENDED
    assert [(u.role.value, u.text) for u in rebuilt.transcript()] == [
        ("agent", GREETING),
        ("customer", "I want to check my claim"),
        ("agent", ASK),
        ("customer", "555-0142, claim 12"),
        ("agent", STATUS),
    ]
    greeting, first, second = rebuilt.turns
    assert greeting.message is None
    assert greeting.activation is None
    assert first.activation is not None
    assert (first.activation.journey, first.activation.score) == ("claim_inquiry", 0.82)
    assert [(t.source, t.target) for t in first.transitions] == [("", "verify_identity")]
    assert [g.name for g in first.guidelines] == ["verify_first"]
    assert second.slots == (("phone", "555-0142"),)
    (tool,) = second.tools
    assert (tool.tool, tool.succeeded, tool.latency_ms) == ("verify_customer_identity", True, 7.0)
    assert json.loads(tool.result)["customer_id"] == "cust-7"
    assert (second.draft, second.responder, second.reply, second.fixed) == (
        STATUS_DRAFT,
        "template",
        STATUS,
        True,
    )
    assert second.failed_verdicts[0].fix == STATUS
    assert first.timings.activation == 12.5
    assert first.timings.validate == 1.25
    assert second.timings.tools == 7.0
    assert second.timings.total == pytest.approx(0.3 + 7.0 + 3.0 + 0.4 + 1.25)


def test_every_verdict_is_a_validation_audit_row(audit: AuditLog) -> None:
    record_claim_inquiry(audit, "s-2")
    rows = audit.repository.verdicts("s-2")
    assert [(r.turn, r.check, r.passed) for r in rows] == [
        (0, "disclaimer", True),
        (1, "verification", True),
        (2, "grounding", False),
    ]
    assert rows[-1].fix == STATUS
    kinds = [e.kind for e in audit.events("s-2")]
    assert kinds.count(EventKind.VALIDATION) == 3


def test_ending_twice_is_harmless_and_unknown_sessions_name_the_way_out(
    audit: AuditLog, store: Store
) -> None:
    audit.start("s-3", "voice")
    audit.end("s-3")
    audit.end("s-3")
    assert [e.kind for e in audit.events("s-3")] == [
        EventKind.SESSION_STARTED,
        EventKind.SESSION_ENDED,
    ]
    with pytest.raises(NotFoundError, match="colloquy agent sessions"):
        replay(store, "no-such-session")


def test_a_session_is_a_conversation_the_analytics_engine_analyses(
    audit: AuditLog, store: Store
) -> None:
    record_claim_inquiry(audit, "s-4")
    conversation = session_conversation(store, "s-4")
    assert (conversation.id, conversation.source, conversation.channel) == ("s-4", SOURCE, "text")
    assert [t.speaker for t in conversation.turns] == [
        Speaker.AGENT,
        Speaker.CUSTOMER,
        Speaker.AGENT,
        Speaker.CUSTOMER,
        Speaker.AGENT,
    ]
    assert conversation.turns[1].intent == "claim_inquiry"
    assert conversation.metadata["journey"] == "claim_inquiry"
    analysis = analyze_conversation(conversation)
    assert analysis.conversation_id == "s-4"
    assert analysis.n_turns == 5
    assert analysis.intent == "claim_inquiry"
    assert analysis.sentiment is not None
    assert analysis.dynamics.timed


def test_exported_sessions_form_a_dataset_once(audit: AuditLog, store: Store) -> None:
    record_claim_inquiry(audit, "s-5")
    first = export_sessions(store, "agent-sessions", ["s-5"])
    again = export_sessions(store, "agent-sessions", ["s-5"])
    assert (first.inserted, again.inserted, again.duplicates) == (1, 0, 1)
    (stored,) = list(store.conversations("agent-sessions"))
    assert stored.turns == session_conversation(store, "s-5").turns
    store.delete_dataset("agent-sessions")


def test_sessions_list_shows_the_pinned_journey(audit: AuditLog) -> None:
    record_claim_inquiry(audit, "s-6")
    audit.start("s-7", "api")
    page = audit.repository.list(limit=5)
    assert [s.id for s in page.sessions] == ["s-7", "s-6"]
    assert page.sessions[1].journey == "claim_inquiry"


def _desk_call(audit: AuditLog, sid: str, filed: bool) -> None:
    """A short session that files a claim (converted) or only asks about cover."""
    audit.start(sid, "text")
    audit.record(sid, 0, EventKind.REPLY, _json(role="agent", text=GREETING))
    said = (
        ("I want to file a claim for my car", "Yes please submit it")
        if filed
        else ("What does my policy cover?", "No thanks, that is all")
    )
    for turn, message in enumerate(said, start=1):
        audit.record(sid, turn, EventKind.MESSAGE, _json(role="customer", text=message))
        answer = "Your claim is submitted." if filed and turn == 2 else "Anything else?"
        audit.record(sid, turn, EventKind.REPLY, _json(role="agent", text=answer))
    audit.end(sid)


@pytest.mark.slow
def test_conversion_scoring_trains_and_scores_on_agent_sessions(
    audit: AuditLog, store: Store
) -> None:
    from colloquy.models.conversion import ConversionPredictor

    filed = [i % 2 == 0 for i in range(16)]
    for i, converted in enumerate(filed):
        _desk_call(audit, f"c-{i}", converted)
    conversations = [session_conversation(store, f"c-{i}") for i in range(16)]
    model = ConversionPredictor(blocks=("tfidf", "dynamics"), inner_folds=2, on_leakage="warn")
    model.fit(conversations[:12], [int(f) for f in filed[:12]])
    scores = model.predict_proba(conversations[12:])[:, 1]
    assert [bool(s > 0.5) for s in scores] == filed[12:]
