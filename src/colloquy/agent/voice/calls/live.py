"""Live conversion scoring: the call's score after each answered turn, while it goes on.

The engine keeps each session's transcript in memory and replaces it when a turn is
complete (the caller's words and what the agent actually said, barge-ins included).
Watching that, rather than hooking into the call's pipeline, keeps scoring out of the
audio path: a turn is scored once it is over, in the scorer's thread, and the score is
written to the audit as a ``conversion_score`` event (its latency is the model's time),
next to the turn's ``voice_timing`` stage timings.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.turn import EventKind, Role, Utterance
from colloquy.agent.voice.calls.conversation import CHANNEL, SOURCE
from colloquy.agent.voice.calls.scoring import CallScorer
from colloquy.errors import ColloquyError, NotFoundError
from colloquy.logging import get_logger
from colloquy.schema import Conversation, Speaker, Turn

log = get_logger(__name__)

POLL_S = 0.1
"""How often the session is looked at: a dictionary read, far below a turn's length."""


@dataclass(frozen=True, slots=True)
class LiveScore:
    turn: int
    spoken_turns: int
    score: float
    milliseconds: float


def history_conversation(session_id: str, history: tuple[Utterance, ...]) -> Conversation:
    """The session's transcript so far as a conversation the model can score."""
    spoken = [u for u in history if u.text.strip()]
    return Conversation(
        id=session_id,
        source=SOURCE,
        channel=CHANNEL,
        turns=tuple(
            Turn(
                index=i,
                speaker=Speaker.CUSTOMER if u.role is Role.CUSTOMER else Speaker.AGENT,
                text=u.text,
            )
            for i, u in enumerate(spoken)
        ),
    )


@dataclass
class LiveScoring:
    """Scores one call's turns as they finish; run :meth:`watch` as a task, cancel it at the end."""

    engine: AgentEngine
    session_id: str
    scorer: CallScorer
    poll_s: float = POLL_S
    scores: list[LiveScore] = field(default_factory=list)

    async def watch(self) -> None:
        seen = 0
        while True:
            await asyncio.sleep(self.poll_s)
            try:
                state = self.engine.sessions.get(self.session_id)
            except NotFoundError:
                continue
            history = state.history
            if len(history) <= seen or history[-1].role is not Role.AGENT or state.turn == 0:
                continue
            seen = len(history)
            await self._score(state.turn, history)

    async def _score(self, turn: int, history: tuple[Utterance, ...]) -> None:
        conversation = history_conversation(self.session_id, history)
        try:
            scored = await self.scorer.score(conversation)
        except Exception as exc:
            log.warning("voice_scoring_failed", session=self.session_id, error=repr(exc))
            return
        live = LiveScore(turn, len(conversation.turns), scored.score, scored.milliseconds)
        self.scores.append(live)
        payload = json.dumps(
            {
                "voice_turn": turn,
                "conversion_score": round(scored.score, 4),
                "spoken_turns": live.spoken_turns,
                "model": self.scorer.name,
            }
        )
        try:
            await asyncio.to_thread(
                self.engine.parts.audit.record,
                self.session_id,
                turn,
                EventKind.CONVERSION_SCORE,
                payload,
                scored.milliseconds,
            )
        except ColloquyError as exc:
            log.info("voice_score_not_audited", session=self.session_id, error=exc.one_line())


__all__ = ["POLL_S", "LiveScore", "LiveScoring", "history_conversation"]
