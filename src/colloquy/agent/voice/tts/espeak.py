"""espeak-ng through its command line: the light TTS fallback (Debian ``espeak-ng``)."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from typing import ClassVar

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.tts.base import TextToSpeech
from colloquy.errors import NotFoundError


class EspeakTTS(TextToSpeech):
    name: ClassVar[str] = "espeak"

    def __init__(self, voice: str = "en-us", words_per_minute: int = 165) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise NotFoundError(
                "espeak-ng is not installed",
                hint="apt-get install espeak-ng, or use voice.tts=piper",
            )
        self.binary = binary
        self.voice = voice
        self.words_per_minute = words_per_minute

    def synthesize(self, text: str) -> Audio:
        result = subprocess.run(
            [self.binary, "--stdout", "-v", self.voice, "-s", str(self.words_per_minute), text],
            check=True,
            capture_output=True,
            timeout=30,
        )
        with wave.open(io.BytesIO(result.stdout), "rb") as source:
            rate, frames = source.getframerate(), source.readframes(source.getnframes())
        return Audio(frames, rate)


__all__ = ["EspeakTTS"]
