"""Text-to-speech by a hosted service, through the Pipecat service class for it.

A service object is made for each call and joins that call's pipeline (see
:mod:`colloquy.agent.voice.pipeline.services`); only request/response (HTTP) classes fit,
as each sentence is asked for and gathered on its own. The HTTP session is the call's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from pipecat.services.tts_service import TTSService


@dataclass(frozen=True, slots=True)
class ServiceTTS:
    name: str
    make: Callable[[aiohttp.ClientSession], TTSService]


__all__ = ["ServiceTTS"]
