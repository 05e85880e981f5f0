"""The engine, the LLM's first sentence and the validator are timed as stages of their own."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid

from pipecat.tests.utils import SleepFrame, run_test

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.respond.base import ReplyStream
from colloquy.agent.turn import EventKind, Reply, TurnContext
from colloquy.agent.voice.pipeline.frames import CallerTextFrame, SentenceFrame
from colloquy.agent.voice.pipeline.journey import CallState, JourneyProcessor
from colloquy.agent.voice.pipeline.latency import TurnClock

HELD_S = 0.3


@dataclasses.dataclass(frozen=True)
class SlowFirstSentence:
    """The engine's own responder, its stream held back like an LLM's first token."""

    inner: object

    def respond(self, ctx: TurnContext) -> Reply:
        return self.inner.respond(ctx)  # type: ignore[attr-defined,no-any-return]

    def regenerate(self, ctx: TurnContext, feedback: str) -> Reply:
        return self.inner.regenerate(ctx, feedback)  # type: ignore[attr-defined,no-any-return]

    def stream(self, ctx: TurnContext) -> ReplyStream:
        time.sleep(HELD_S)
        return self.inner.stream(ctx)  # type: ignore[attr-defined,no-any-return]


def test_a_slow_first_sentence_is_the_llm_stage(engine: AgentEngine) -> None:
    slow = AgentEngine(
        dataclasses.replace(engine.parts, responder=SlowFirstSentence(engine.parts.responder))
    )
    sid = str(uuid.uuid4())
    clock = TurnClock(1, time.perf_counter())
    frames = [
        SleepFrame(sleep=0.3),
        CallerTextFrame(text="Is flood damage covered by home insurance?", clock=clock),
        SleepFrame(sleep=2.0),
    ]
    down, _ = asyncio.run(run_test(JourneyProcessor(slow, sid, CallState()), frames_to_send=frames))
    assert any(isinstance(f, SentenceFrame) and f.clock is clock for f in down)
    marks = clock.marks
    assert marks["speech_end"] <= marks["engine"] <= marks["llm_first_token"]
    assert marks["llm_first_token"] <= marks["validator"]
    assert marks["llm_first_token"] - marks["engine"] >= HELD_S
    events = slow.parts.audit.events(sid)  # type: ignore[attr-defined]
    replies = [json.loads(e.payload) for e in events if e.kind is EventKind.REPLY]
    assert "Flood and storm damage" in replies[-1]["text"]
