"""The text-to-speech seam: one sentence in, its audio out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from colloquy.agent.voice.audio import Audio


class TextToSpeech(ABC):
    """Speaks one sentence at a time, so the first is heard while the next is made."""

    name: ClassVar[str]

    @abstractmethod
    def synthesize(self, text: str) -> Audio:
        """``text`` spoken, at the adapter's own sample rate."""


__all__ = ["TextToSpeech"]
