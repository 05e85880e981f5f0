"""The frames colloquy's processors pass between them (Pipecat data frames)."""

from __future__ import annotations

from dataclasses import dataclass

from pipecat.frames.frames import DataFrame

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.pipeline.latency import TurnClock


@dataclass
class SpeculativeUtteranceFrame(DataFrame):
    """The caller's audio at a VAD stop, before the turn model decided: transcribe it now,
    so a turn that is over does not wait for the transcript after the decision."""

    audio: Audio
    speculation: int


@dataclass
class UtteranceFrame(DataFrame):
    """A finished caller turn's audio, once VAD and the turn model said it ended."""

    audio: Audio
    clock: TurnClock
    speculation: int | None = None
    """The speculative frame this turn's speech was all in (only silence since), if any."""


@dataclass
class CallerTextFrame(DataFrame):
    """The final transcript of a caller turn."""

    text: str
    clock: TurnClock


@dataclass
class SentenceFrame(DataFrame):
    """One validated sentence of the agent's reply, ready to speak."""

    text: str
    clock: TurnClock | None
    first: bool = False


@dataclass
class SpeechFrame(DataFrame):
    """A sentence's synthesised audio, whole or one streamed chunk of it."""

    audio: Audio
    clock: TurnClock | None
    first: bool = False
    """The first audio of the reply (the turn's clock stops when it is played)."""
    ends_sentence: bool = True
    """The sentence's last audio: a streamed sentence ends with an empty frame saying so."""


__all__ = [
    "CallerTextFrame",
    "SentenceFrame",
    "SpeculativeUtteranceFrame",
    "SpeechFrame",
    "UtteranceFrame",
]
