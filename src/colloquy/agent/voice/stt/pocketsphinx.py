"""PocketSphinx: the light STT fallback (its US English model ships in the wheel)."""

from __future__ import annotations

import threading
import time
from typing import ClassVar

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.stt.base import SpeechToText, Transcript


class PocketSphinxSTT(SpeechToText):
    name: ClassVar[str] = "pocketsphinx"

    def __init__(self) -> None:
        from pocketsphinx import Config, Decoder  # type: ignore[import-untyped]

        config = Config(samprate=self.sample_rate, logfn="/dev/null")
        self._decoder = Decoder(config)
        self._lock = threading.Lock()

    def transcribe(self, audio: Audio) -> Transcript:
        began = time.perf_counter()
        pcm = audio.resampled(self.sample_rate).pcm
        with self._lock:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm, full_utt=True)
            self._decoder.end_utt()
            hypothesis = self._decoder.hyp()
        text = hypothesis.hypstr if hypothesis is not None else ""
        return Transcript(text, (time.perf_counter() - began) * 1e3, self.name)


__all__ = ["PocketSphinxSTT"]
