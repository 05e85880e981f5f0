"""The engine itself: many sessions at once, pinned journey versions, streaming, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import pytest

from colloquy.agent.audit import AuditLog
from colloquy.agent.engine import AgentEngine
from colloquy.agent.engine.factory import build_agent
from colloquy.agent.journeys import JourneyStore, parse_journey
from colloquy.agent.turn import EventKind, TurnEvent
from colloquy.desk.seed_data import CLAIMS, CUSTOMERS
from colloquy.errors import NotFoundError, UsageError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.storage import Store

MARIA = ("What's the status of my claim?", "555-0100, born 1984-03-12", "CLM-2026-00002")


@pytest.fixture
def engine(desk: Store, torch_embedder: SentenceEmbedder) -> Iterator[AgentEngine]:
    built = build_agent(desk, torch_embedder)
    yield built
    built.parts.tools.close()


def _callers() -> list[tuple[str, str, str]]:
    """(phone, date of birth, one of their claims) of ten seeded customers."""
    claims = {policy: number for number, policy, *_ in CLAIMS}
    return [(phone, born, claims[policy]) for policy, _, phone, _, born, *_ in CUSTOMERS[:10]]


def test_ten_sessions_at_once_keep_their_own_state_and_lose_no_event(
    engine: AgentEngine, desk: Store
) -> None:
    def converse(caller: tuple[str, str, str]) -> tuple[str, str | None, str, str]:
        phone, born, claim = caller
        sid = engine.start(channel="api").session_id
        last = None
        for message in ("Any update on my claim?", f"{phone[2:]}, born {born}", claim):
            last = engine.turn(sid, message)
        assert last is not None
        engine.end(sid)
        return sid, last.state, last.reply, claim

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(converse, _callers()))
    assert len({sid for sid, *_ in results}) == 10
    assert all(state == "done" and claim in reply for _, state, reply, claim in results)
    log = AuditLog(desk)
    for sid, *_ in results:
        events = log.events(sid)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert sum(e.kind is EventKind.REPLY for e in events) == 4
        assert events[-1].kind is EventKind.SESSION_ENDED


def test_a_session_keeps_the_journey_version_it_started_with(
    desk: Store, torch_embedder: SentenceEmbedder
) -> None:
    first = build_agent(desk, torch_embedder)
    sid = first.start().session_id
    started = first.turn(sid, MARIA[0])
    assert started.journey == "claim_inquiry"
    pinned = first.sessions.get(sid).journey
    assert pinned is not None
    shipped = resources.files("colloquy.agent") / "assets" / "journeys" / "claim_inquiry.yaml"
    text = shipped.read_text(encoding="utf-8")
    newer = parse_journey(
        text.replace(f"version: {pinned.version}\n", f"version: {pinned.version + 1}\n", 1).replace(
            "Ask which claim the caller means.", "Ask for the claim number."
        ),
        "claim_inquiry-next.yaml",
    )
    JourneyStore(desk).save(newer)
    second = build_agent(desk, torch_embedder)
    assert {j.name: j.version for j in second.parts.journeys}["claim_inquiry"] == newer.version
    finished = first.turn(sid, MARIA[1])
    session = first.sessions.get(sid)
    assert session.journey is not None
    assert session.journey.version == pinned.version
    assert finished.state == "ask_claim"
    assert JourneyStore(desk).resume(sid).journey.version == pinned.version
    for engine in (first, second):
        engine.parts.tools.close()


def test_stream_yields_validated_sentences_and_records_an_interruption(
    engine: AgentEngine, desk: Store
) -> None:
    sid = engine.start().session_id
    sentences = list(engine.stream(sid, "Is flood damage covered by home insurance?"))
    assert len(sentences) >= 2
    assert engine.sessions.get(sid).history[-1].text == " ".join(sentences)
    cut = engine.stream(sid, "What is a deductible?")
    first = next(cut)
    cut.close()
    session = engine.sessions.get(sid)
    assert session.turn == 2
    assert session.history[-1].text == first
    replies = [e for e in AuditLog(desk).events(sid) if e.kind is EventKind.REPLY]
    assert '"interrupted": true' in replies[-1].payload
    assert '"interrupted": false' in replies[-2].payload


def test_no_journey_small_talk_gets_an_offer_of_help(engine: AgentEngine) -> None:
    sid = engine.start().session_id
    result = engine.turn(sid, "The weather is lovely today.")
    assert result.event is TurnEvent.NO_JOURNEY
    assert result.journey is None
    assert result.tool_outcomes == ()


def test_bad_input_is_refused_clearly(engine: AgentEngine) -> None:
    with pytest.raises(NotFoundError, match="no agent session"):
        engine.turn("not-a-session", "hello")
    sid = engine.start().session_id
    with pytest.raises(UsageError, match="some text"):
        engine.turn(sid, "   ")
    with pytest.raises(UsageError, match="already open"):
        engine.start(session_id=sid)
