"""Speech-to-text by a hosted service, through the Pipecat service class for it.

Unlike an offline model, which every call shares, a service object is made for each call:
it joins that call's pipeline (see :mod:`colloquy.agent.voice.pipeline.services`), so its
connection lives and ends with the call. The HTTP session is the call's, handed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from pipecat.services.stt_service import SegmentedSTTService


@dataclass(frozen=True, slots=True)
class ServiceSTT:
    name: str
    make: Callable[[aiohttp.ClientSession], SegmentedSTTService]


__all__ = ["ServiceSTT"]
