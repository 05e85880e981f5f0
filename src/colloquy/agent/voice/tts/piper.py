"""Piper with the ``en_US-joe-medium`` voice (ONNX on the CPU): the default TTS."""

from __future__ import annotations

import threading
from typing import ClassVar

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.tts.base import TextToSpeech
from colloquy.agent.voice.weights import piper_voice


class PiperTTS(TextToSpeech):
    name: ClassVar[str] = "piper"

    def __init__(self) -> None:
        from piper import PiperVoice

        model, config = piper_voice()
        self._voice = PiperVoice.load(model, config_path=config)
        self.sample_rate: int = self._voice.config.sample_rate
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> Audio:
        with self._lock:
            chunks = [c.audio_int16_bytes for c in self._voice.synthesize(text)]
        return Audio(b"".join(chunks), self.sample_rate)


__all__ = ["PiperTTS"]
