"""The speech-to-text seam: one finished utterance in, its text out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from colloquy.agent.voice.audio import Audio


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    latency_ms: float
    engine: str


class SpeechToText(ABC):
    """Thread-safe for one call at a time; each adapter loads its model once."""

    name: ClassVar[str]
    sample_rate: ClassVar[int] = 16000

    @abstractmethod
    def transcribe(self, audio: Audio) -> Transcript:
        """The words in ``audio`` (any rate; resampled to :attr:`sample_rate`)."""


__all__ = ["SpeechToText", "Transcript"]
