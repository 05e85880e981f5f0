"""The journey processor: a caller's final transcript becomes one turn of the text agent.

The engine is the text channel's, unchanged: :meth:`AgentEngine.stream` yields each
sentence already checked by the validator (auto-fixed, or the approved fallback, verdicts in
the audit), so a sentence can be spoken while the next is written. The engine runs in this
call's own worker thread; a barge-in stops pulling sentences and closes the stream there,
and the engine records the reply as interrupted with what was handed to speech. When the
caller goes on speaking before any sentence of the answer was handed to speech, the two
transcripts are answered as one turn.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pipecat.frames.frames import EndFrame, Frame, InterruptionFrame, StartFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.respond.sentences import split_sentences
from colloquy.agent.voice.pipeline.frames import CallerTextFrame, SentenceFrame
from colloquy.agent.voice.pipeline.latency import TurnClock
from colloquy.agent.voice.pipeline.sink import AudioSink
from colloquy.logging import get_logger

log = get_logger(__name__)

LOOKAHEAD_S = 1.0
"""Ask the engine for the next sentence when less than this much speech is left to play."""
POLL_S = 0.01
STALL_S = 30.0
"""A sentence that never reaches the sink (speech failed) stops holding the reply back."""
ENGINE_MARKS = {"prepared": "engine", "first_chunk": "llm_first_token"}
"""The engine's stream stages as turn clock marks; the first sentence it yields is the
validator's mark. A stage the engine did not report takes the next one's time."""


@dataclass(frozen=True, slots=True)
class SpokenLine:
    """One line of the call transcript."""

    role: str
    text: str
    turn: int
    at: float
    interrupted: bool = False


class CallState:
    """What the processors of one call share: is a reply in flight, the transcript, and the
    sink (so the reply is pulled at the pace it is played)."""

    def __init__(self, sink: AudioSink | None = None) -> None:
        self.thinking = False
        self.lines: list[SpokenLine] = []
        self.sink = sink


class JourneyProcessor(FrameProcessor):
    def __init__(
        self, engine: AgentEngine, session_id: str, state: CallState, *, channel: str = "voice"
    ) -> None:
        super().__init__()
        self._engine = engine
        self._session_id = session_id
        self._state = state
        self._channel = channel
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"voice-{session_id[:8]}")
        self._stop = threading.Event()
        self._task: asyncio.Task[None] | None = None
        self._opened = False
        self._heard = ""
        self._said = False
        self._delivered_before = 0

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame):
            await self.push_frame(frame, direction)
            self._task = asyncio.create_task(self._greet())
            return
        if isinstance(frame, InterruptionFrame):
            self._stop.set()
            await self.push_frame(frame, direction)
            return
        if isinstance(frame, CallerTextFrame):
            text = frame.text
            if self._task is not None and not self._task.done():
                self._stop.set()
                await self._task
                if not self._said:
                    # The caller went on before the agent said anything: one longer turn.
                    text = f"{self._heard} {text}"
            self._heard, self._said = text, False
            sink = self._state.sink
            self._delivered_before = sink.delivered if sink is not None else 0
            self._task = asyncio.create_task(self._respond(text, frame.clock))
            return
        if isinstance(frame, EndFrame):
            await self._close()
        await self.push_frame(frame, direction)

    async def _greet(self) -> None:
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(
            self._thread,
            lambda: self._engine.start(channel=self._channel, session_id=self._session_id),
        )
        self._opened = True

        self._state.thinking = True
        for index, sentence in enumerate(split_sentences(result.reply)):
            await self.push_frame(SentenceFrame(text=sentence, clock=None, first=index == 0))
        self._state.lines.append(SpokenLine("agent", result.reply, 0, loop.time()))
        self._state.thinking = False

    async def _respond(self, text: str, clock: TurnClock) -> None:
        loop = asyncio.get_running_loop()
        self._stop = stop = threading.Event()
        sentences: asyncio.Queue[str | None] = asyncio.Queue()
        wanted: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._state.thinking = True
        self._state.lines.append(SpokenLine("caller", text, clock.turn, loop.time()))

        def reached(stage: str) -> None:
            if stage in ENGINE_MARKS:
                clock.mark(ENGINE_MARKS[stage])

        def work() -> None:
            stream = self._engine.stream(self._session_id, text, on_stage=reached)
            try:
                while wanted.get() and not stop.is_set():
                    sentence = next(stream, None)
                    loop.call_soon_threadsafe(sentences.put_nowait, sentence)
                    if sentence is None:
                        return
            finally:
                if isinstance(stream, Generator):
                    stream.close()
                loop.call_soon_threadsafe(sentences.put_nowait, None)

        done = loop.run_in_executor(self._thread, work)
        spoken: list[str] = []
        wanted.put(True)
        while (sentence := await sentences.get()) is not None:
            for mark in ("engine", "llm_first_token", "validator"):
                clock.mark(mark)
            spoken.append(sentence)
            self._said = True
            await self.push_frame(SentenceFrame(text=sentence, clock=clock, first=len(spoken) == 1))
            wanted.put(await self._room_for_more(len(spoken), stop))
        wanted.put(False)
        try:
            await done
        except Exception as exc:
            log.error("voice_turn_failed", session=self._session_id, error=repr(exc))
        clock.interrupted = stop.is_set()
        self._state.lines.append(
            SpokenLine("agent", " ".join(spoken), clock.turn, loop.time(), stop.is_set())
        )
        self._state.thinking = False

    async def _room_for_more(self, sent: int, stop: threading.Event) -> bool:
        """Wait until the sentences so far are nearly played; False once barged in.

        Pulling the next sentence only then keeps the engine's record of the reply to what
        the caller actually heard (or was about to), and a cloud LLM's stream is not read
        ahead of the voice.
        """
        sink = self._state.sink
        if sink is None:
            return not stop.is_set()
        target = self._delivered_before + sent
        deadline = asyncio.get_running_loop().time() + STALL_S
        while not stop.is_set():
            if sink.delivered >= target and sink.backlog_s() < LOOKAHEAD_S:
                return True
            if asyncio.get_running_loop().time() > deadline:
                log.warning("voice_speech_stalled", session=self._session_id)
                return True
            await asyncio.sleep(POLL_S)
        return False

    async def _close(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
        if self._opened:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._thread, self._engine.end, self._session_id)
        self._thread.shutdown(wait=False)


__all__ = ["CallState", "JourneyProcessor", "SpokenLine"]
