"""The customer-service agent over HTTP and WebSocket: sessions, messages, a sentence stream.

``POST /v1/agent/sessions`` opens a session and returns the greeting; ``POST
…/{id}/messages`` answers one message; ``WS …/{id}/stream`` answers messages sentence by
sentence as each is validated (``{"text": …}`` in, ``sentence`` frames then a ``turn``
frame out); ``GET …/{id}/events`` is the session's audit log; ``DELETE …/{id}`` ends it.

The engine is built on first use (the embedding model loads once, a few seconds) and
shared by every session of this worker. Sessions live in the worker that opened them — run
the agent with one worker, or route a session's requests to one worker; the audit log is
in the shared store either way.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from colloquy.agent.engine import AgentEngine
from colloquy.agent.turn import TurnResult
from colloquy.errors import ColloquyError
from colloquy.services.api.problems import PROBLEM_RESPONSES, ProblemError
from colloquy.services.api.security import (
    Principal,
    Scope,
    require_scope,
    websocket_principal,
)
from colloquy.services.api.settings import ApiSettings

router = APIRouter(prefix="/v1/agent", tags=["agent"], responses={**PROBLEM_RESPONSES})

MAX_MESSAGE_CHARS = 2000
_lock = threading.Lock()


def agent_engine(app: FastAPI) -> AgentEngine:
    """The worker's engine, built on first use from the app's store and settings."""
    with _lock:
        engine: AgentEngine | None = getattr(app.state, "agent_engine", None)
        if engine is None:
            from colloquy.agent.engine.factory import build_agent, options_from_settings
            from colloquy.desk import desk_is_seeded
            from colloquy.features.embeddings import SentenceEmbedder

            store = app.state.store
            if not desk_is_seeded(store):
                raise ProblemError(
                    503,
                    "Service Unavailable",
                    "the claims desk in this store is empty: run `colloquy agent seed`",
                )
            settings: ApiSettings = app.state.settings
            options = options_from_settings(settings.core())
            if options.redis_url is None and settings.redis_url:
                # The API's Redis (COLLOQUY_REDIS_URL) serves the agent too unless it has its own.
                options = replace(options, redis_url=settings.redis_url)
            options = replace(options, metrics_registry=app.state.metrics.registry)
            engine = build_agent(store, SentenceEmbedder(), options)
            app.state.agent_engine = engine
        return engine


@asynccontextmanager
async def lifespan(app: FastAPI, settings: ApiSettings) -> AsyncIterator[None]:
    try:
        yield
    finally:
        engine: AgentEngine | None = getattr(app.state, "agent_engine", None)
        if engine is not None:
            await run_in_threadpool(engine.parts.tools.close)


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Literal["api", "text", "voice"] = "api"


class MessageIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"text": "What's the status of my claim?"}]},
    )

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class ToolCallOut(BaseModel):
    tool: str
    status: str
    cached: bool
    latency_ms: float


class TimingsOut(BaseModel):
    activation_ms: float
    slots_ms: float
    tools_ms: float
    guidelines_ms: float
    respond_ms: float
    validate_ms: float
    total_ms: float


class TurnOut(BaseModel):
    """One turn: the validated reply and how the agent got there."""

    session_id: str
    turn: int
    reply: str
    journey: str | None
    state: str | None
    event: str
    asking: str | None
    tools: list[ToolCallOut]
    guidelines: list[str]
    validation: Literal["passed", "fixed"] | None
    failed_checks: list[str]
    ended: bool
    timings: TimingsOut


class EventOut(BaseModel):
    seq: int
    turn: int
    kind: str
    payload: str
    latency_ms: float
    created_at: str


def turn_out(result: TurnResult) -> TurnOut:
    validation = result.validation
    t = result.timings
    return TurnOut(
        session_id=result.session_id,
        turn=result.turn,
        reply=result.reply,
        journey=result.journey,
        state=result.state,
        event=result.event.value,
        asking=result.asking,
        tools=[
            ToolCallOut(
                tool=o.tool,
                status=o.status.value,
                cached=o.cached,
                latency_ms=round(o.latency_s * 1e3, 3),
            )
            for o in result.tool_outcomes
        ],
        guidelines=list(result.guidelines),
        validation=None if validation is None else ("fixed" if validation.fixed else "passed"),
        failed_checks=sorted(
            {v.check.value for v in validation.verdicts if not v.passed} if validation else set()
        ),
        ended=result.ended,
        timings=TimingsOut(
            activation_ms=t.activation,
            slots_ms=t.slots,
            tools_ms=t.tools,
            guidelines_ms=t.guidelines,
            respond_ms=t.respond,
            validate_ms=t.validate,
            total_ms=t.total,
        ),
    )


@router.post("/sessions", status_code=201, summary="Open a session; returns the greeting")
async def open_session(
    request: Request,
    _: Annotated[Principal, Depends(require_scope(Scope.PREDICT))],
    body: SessionIn | None = None,
) -> TurnOut:
    engine = await run_in_threadpool(agent_engine, request.app)
    channel = body.channel if body is not None else "api"
    result = await run_in_threadpool(lambda: engine.start(channel=channel))
    return turn_out(result)


@router.post("/sessions/{session_id}/messages", summary="Answer one customer message")
async def send_message(
    session_id: str,
    body: MessageIn,
    request: Request,
    _: Annotated[Principal, Depends(require_scope(Scope.PREDICT))],
) -> TurnOut:
    engine = await run_in_threadpool(agent_engine, request.app)
    result = await run_in_threadpool(engine.turn, session_id, body.text)
    return turn_out(result)


@router.get("/sessions/{session_id}/events", summary="The session's audit log, in order")
async def session_events(
    session_id: str,
    request: Request,
    _: Annotated[Principal, Depends(require_scope(Scope.READ))],
) -> list[EventOut]:
    from colloquy.agent.audit import AuditLog

    store = request.app.state.store
    events = await run_in_threadpool(lambda: AuditLog(store).events(session_id))
    return [
        EventOut(
            seq=e.seq,
            turn=e.turn,
            kind=e.kind.value,
            payload=e.payload,
            latency_ms=e.latency_ms,
            created_at=e.created_at,
        )
        for e in events
    ]


@router.delete("/sessions/{session_id}", status_code=204, summary="End a session")
async def end_session(
    session_id: str,
    request: Request,
    _: Annotated[Principal, Depends(require_scope(Scope.PREDICT))],
) -> None:
    engine = await run_in_threadpool(agent_engine, request.app)
    await run_in_threadpool(engine.end, session_id)


@router.websocket("/sessions/{session_id}/stream")
async def stream_session(websocket: WebSocket, session_id: str) -> None:
    """Messages in, validated sentences out as they are ready, then the turn's summary."""
    try:
        await websocket_principal(websocket, Scope.PREDICT)
    except ProblemError as exc:
        await websocket.close(code=1008, reason=(exc.detail or exc.title)[:120])
        return
    await websocket.accept()
    try:
        engine = await run_in_threadpool(agent_engine, websocket.app)
        if session_id not in engine.sessions:
            await websocket.send_json(
                {"type": "error", "detail": f"no agent session {session_id!r} in this worker"}
            )
            await websocket.close(code=1008)
            return
        while True:
            incoming = await websocket.receive_json()
            text = incoming.get("text") if isinstance(incoming, dict) else None
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS:
                await websocket.send_json(
                    {
                        "type": "error",
                        "detail": f'send {{"text": "…"}} with 1 to {MAX_MESSAGE_CHARS} characters',
                    }
                )
                continue
            await _stream_turn(websocket, engine, session_id, text)
    except WebSocketDisconnect:
        return


async def _stream_turn(
    websocket: WebSocket, engine: AgentEngine, session_id: str, text: str
) -> None:
    sentences: Iterator[str] = engine.stream(session_id, text)
    try:
        while True:
            sentence = await asyncio.to_thread(next, sentences, None)
            if sentence is None:
                break
            await websocket.send_json({"type": "sentence", "text": sentence})
    except ColloquyError as exc:
        await websocket.send_json({"type": "error", "detail": exc.one_line()})
        return
    finally:
        await asyncio.to_thread(_close, sentences)
    state = await run_in_threadpool(engine.sessions.get, session_id)
    await websocket.send_json(
        {
            "type": "turn",
            "turn": state.turn,
            "journey": state.journey.name if state.journey else None,
            "state": state.state,
            "asking": state.asking,
        }
    )


def _close(generator: Iterator[str]) -> None:
    close = getattr(generator, "close", None)
    if close is not None:
        close()
