"""VAD and turn decision: Silero says when speech stops, smart-turn v3 whether the turn is over.

Both models are the ones bundled in ``pipecat-ai``. At each VAD stop the audio so far goes
downstream at once to be transcribed while the turn model thinks; when the turn ends with
no speech since (only the silence that ended it), that transcript is already (nearly) done.

A caller who pauses mid-sentence keeps the turn (smart-turn says "incomplete") until the
turn model agrees or the silence runs past its ``stop_secs``. Speech that starts while the
agent is answering is a barge-in: an :class:`~pipecat.frames.frames.InterruptionFrame`
cancels the reply downstream.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable

from pipecat.audio.turn.base_turn_analyzer import BaseTurnAnalyzer, EndOfTurnState
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADState
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    InterruptionFrame,
    StartFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.pipeline.frames import SpeculativeUtteranceFrame, UtteranceFrame
from colloquy.agent.voice.pipeline.latency import TurnClock

PRE_ROLL_S = 0.3
MAX_TURN_S = 30.0


class TurnDetector(FrameProcessor):
    def __init__(
        self,
        vad: VADAnalyzer,
        turn_model: BaseTurnAnalyzer | None,
        *,
        replying: Callable[[], bool],
        sample_rate: int,
    ) -> None:
        super().__init__()
        self._vad = vad
        self._turn_model = turn_model
        self._replying = replying
        self._rate = sample_rate
        self._pre_roll: collections.deque[bytes] = collections.deque()
        self._pre_roll_bytes = 0
        self._turn: list[bytes] = []
        self._speaking = False
        self._in_turn = False
        self._turns = 0
        self._vad_stop_at = 0.0
        self._speculations = 0
        self._speculation: int | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame):
            self._vad.set_sample_rate(self._rate)
            if self._turn_model is not None:
                self._turn_model.set_sample_rate(self._rate)
        if isinstance(frame, InputAudioRawFrame):
            await self._audio(frame.audio)
            return
        await self.push_frame(frame, direction)

    async def _audio(self, pcm: bytes) -> None:
        state = await self._vad.analyze_audio(pcm)
        speech = state in (VADState.STARTING, VADState.SPEAKING)
        if self._in_turn:
            self._turn.append(pcm)
        else:
            self._pre_roll.append(pcm)
            self._pre_roll_bytes += len(pcm)
            while self._pre_roll_bytes > PRE_ROLL_S * self._rate * 2 and self._pre_roll:
                self._pre_roll_bytes -= len(self._pre_roll.popleft())
        ended = EndOfTurnState.INCOMPLETE
        if self._turn_model is not None:
            ended = self._turn_model.append_audio(pcm, speech)
        if state is VADState.SPEAKING and not self._speaking:
            await self._started()
            return
        if self._speaking and state is VADState.QUIET:
            self._speaking = False
            self._vad_stop_at = time.perf_counter()
            if self._turn_model is None:
                await self._finish(self._vad_stop_at)
                return
            self._speculations += 1
            self._speculation = self._speculations
            await self.push_frame(
                SpeculativeUtteranceFrame(
                    audio=Audio(b"".join(self._turn), self._rate), speculation=self._speculation
                )
            )
            ended, _ = await self._turn_model.analyze_end_of_turn()
        if self._in_turn and not self._speaking and ended is EndOfTurnState.COMPLETE:
            await self._finish(self._vad_stop_at)
        elif self._in_turn and len(b"".join(self._turn)) > MAX_TURN_S * self._rate * 2:
            await self._finish(time.perf_counter())

    async def _started(self) -> None:
        self._speaking = True
        self._speculation = None
        if not self._in_turn:
            self._in_turn = True
            self._turn = list(self._pre_roll)
            self._pre_roll.clear()
            self._pre_roll_bytes = 0
        await self.push_frame(UserStartedSpeakingFrame())
        if self._replying():
            await self.push_frame(InterruptionFrame())

    async def _finish(self, vad_stop: float) -> None:
        self._in_turn = False
        self._speaking = False
        self._turns += 1
        speech_end = vad_stop - self._vad.params.stop_secs
        clock = TurnClock(self._turns, speech_end)
        clock.mark("vad_stop", vad_stop)
        clock.mark("turn_decision")
        audio = Audio(b"".join(self._turn), self._rate)
        self._turn = []
        if self._turn_model is not None:
            self._turn_model.clear()  # type: ignore[no-untyped-call]
        await self.push_frame(UserStoppedSpeakingFrame())
        await self.push_frame(
            UtteranceFrame(audio=audio, clock=clock, speculation=self._speculation)
        )


__all__ = ["TurnDetector"]
