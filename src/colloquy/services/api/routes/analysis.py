"""``POST /v1/conversations/analyze``: one conversation's sentiment trajectory, talk
dynamics, failure points, flow trace and outcome, from the analytics engine.

The engine's models (VADER, the failure detectors) are loaded once per app and options,
on first use, and shared by every request and by the dataset analytics route; the
analysis itself runs in a worker thread.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from colloquy.analytics.analysis import (
    AnalysisOptions,
    AnalysisRuntime,
    ConversationAnalysis,
    analyze_conversation,
)
from colloquy.analytics.outcomes.trends import Bucket
from colloquy.schema import Conversation, Outcome, Speaker, Turn
from colloquy.services.api.metrics import metrics_of
from colloquy.services.api.problems import PROBLEM_RESPONSES
from colloquy.services.api.security import Principal, Scope, require_scope

router = APIRouter(prefix="/v1/conversations", tags=["analysis"], responses={**PROBLEM_RESPONSES})

MAX_TURNS = 2000

_lock = threading.Lock()


def analysis_runtime(app: FastAPI, bucket: Bucket = Bucket.DAY) -> AnalysisRuntime:
    """The app's shared runtime for the default options with ``bucket`` (built once)."""
    with _lock:
        runtimes: dict[Bucket, AnalysisRuntime] | None = getattr(
            app.state, "analysis_runtimes", None
        )
        if runtimes is None:
            runtimes = {}
            app.state.analysis_runtimes = runtimes
        runtime = runtimes.get(bucket)
        if runtime is None:
            runtime = AnalysisRuntime(AnalysisOptions(bucket=bucket))
            runtimes[bucket] = runtime
        return runtime


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    speaker: Speaker
    text: str = Field(max_length=20_000)
    timestamp: datetime | None = None
    intent: str | None = Field(default=None, max_length=200)


class AnalyzeRequest(BaseModel):
    """One conversation: its turns in order, and what is known about it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "chat-42",
                    "channel": "chat",
                    "turns": [
                        {"speaker": "customer", "text": "My card still hasn't arrived."},
                        {"speaker": "agent", "text": "Sorry! I've sent a new one today."},
                        {"speaker": "customer", "text": "Great, thanks for the quick help."},
                    ],
                }
            ]
        },
    )

    id: str = Field(default="request", min_length=1, max_length=300)
    source: str = Field(default="api", min_length=1, max_length=100)
    channel: str = Field(default="chat", max_length=50)
    started_at: datetime | None = None
    turns: list[TurnIn] = Field(min_length=1, max_length=MAX_TURNS)
    metadata: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    converted: bool | None = Field(default=None, description="The outcome, when known")

    def conversation(self) -> Conversation:
        metadata: dict[str, Any] = dict(self.metadata)
        return Conversation(
            id=self.id,
            source=self.source,
            channel=self.channel,
            started_at=self.started_at,
            turns=tuple(
                Turn(
                    index=i,
                    speaker=t.speaker,
                    text=t.text,
                    timestamp=t.timestamp,
                    intent=t.intent,
                )
                for i, t in enumerate(self.turns)
            ),
            metadata=metadata,
            outcome=Outcome(converted=self.converted) if self.converted is not None else None,
        )


@router.post("/analyze", response_model=ConversationAnalysis)
async def analyze(
    body: AnalyzeRequest,
    request: Request,
    _: Annotated[Principal, Depends(require_scope(Scope.PREDICT))],
) -> ConversationAnalysis:
    """Sentiment per turn and speaker (VADER), talk dynamics, failure points with the turn
    they happen at, the dialogue-state trace, and the outcome markers."""
    conversation = body.conversation()

    def run() -> ConversationAnalysis:
        runtime = analysis_runtime(request.app)
        timer = metrics_of(request).model_inference.labels(kind="analysis", model="vader")
        with timer.time():
            return analyze_conversation(conversation, runtime=runtime)

    return await run_in_threadpool(run)
