"""Whisper base through ``faster-whisper`` (CTranslate2, int8 on the CPU): the default STT."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import ClassVar

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.stt.base import SpeechToText, Transcript
from colloquy.agent.voice.weights import whisper_base_dir


class WhisperSTT(SpeechToText):
    name: ClassVar[str] = "whisper"

    def __init__(
        self,
        models_dir: Path,
        *,
        model_dir: Path | None = None,
        compute_type: str = "int8",
        cpu_threads: int = 2,
        beam_size: int = 1,
        language: str = "en",
    ) -> None:
        from faster_whisper import WhisperModel  # type: ignore[import-untyped]

        folder = model_dir or whisper_base_dir(models_dir)
        self._model = WhisperModel(
            str(folder), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads
        )
        self.beam_size = beam_size
        self.language = language
        self._lock = threading.Lock()

    def transcribe(self, audio: Audio) -> Transcript:
        began = time.perf_counter()
        samples = audio.resampled(self.sample_rate).floats()
        with self._lock:
            segments, _ = self._model.transcribe(
                samples,
                language=self.language,
                beam_size=self.beam_size,
                vad_filter=False,
                condition_on_previous_text=False,
                without_timestamps=True,
            )
            text = " ".join(s.text.strip() for s in segments).strip()
        return Transcript(text, (time.perf_counter() - began) * 1e3, self.name)


__all__ = ["WhisperSTT"]
