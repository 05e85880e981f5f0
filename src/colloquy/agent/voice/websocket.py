"""Cloud telephony without SIP: Twilio Media Streams over a WebSocket, Pipecat's serializer.

Twilio (``<Connect><Stream url="wss://HOST/twilio"/>``) opens one WebSocket per call and
sends JSON events: ``start`` (stream and call ids), ``media`` (base64 µ-law at 8 kHz),
``dtmf``, ``stop``. Pipecat's :class:`TwilioFrameSerializer` turns them into audio frames
and the agent's audio back into ``media`` events; a barge-in sends ``clear`` so Twilio
drops what it has buffered. Each connection runs the same pipeline as a SIP call.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from aiohttp import WSMsgType, web
from pipecat.frames.frames import InputAudioRawFrame, InterruptionFrame, OutputAudioRawFrame
from pipecat.serializers.twilio import TwilioFrameSerializer

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.g711 import SAMPLE_RATE
from colloquy.agent.voice.pipeline.build import CallRecord, VoiceStack, run_call
from colloquy.agent.voice.pipeline.latency import LatencyLedger
from colloquy.agent.voice.pipeline.sink import AudioSink
from colloquy.logging import get_logger

log = get_logger(__name__)


class WebSocketSink(AudioSink):
    """Sends the agent's audio as Twilio ``media`` events; Twilio plays them in real time."""

    def __init__(
        self,
        ledger: LatencyLedger,
        socket: web.WebSocketResponse,
        serializer: TwilioFrameSerializer,
    ) -> None:
        super().__init__(ledger)
        self.socket = socket
        self.serializer = serializer
        self._until = 0.0

    async def deliver(self, audio: Audio) -> float:
        pcm = audio.resampled(SAMPLE_RATE)
        frame = OutputAudioRawFrame(audio=pcm.pcm, sample_rate=SAMPLE_RATE, num_channels=1)
        message = await self.serializer.serialize(frame)
        sent = time.perf_counter()
        if message is not None and not self.socket.closed:
            await self.socket.send_str(str(message))
        self._until = max(self._until, sent) + pcm.seconds
        return sent

    def flush(self) -> None:
        self._until = 0.0
        if not self.socket.closed:
            asyncio.get_running_loop().create_task(self._clear())

    async def _clear(self) -> None:
        message = await self.serializer.serialize(InterruptionFrame())
        if message is not None and not self.socket.closed:
            await self.socket.send_str(str(message))

    def backlog_s(self) -> float:
        return max(0.0, self._until - time.perf_counter())


@dataclass
class TwilioServer:
    stack: VoiceStack
    ledger: LatencyLedger = field(default_factory=LatencyLedger)
    records: list[CallRecord] = field(default_factory=list)

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_get("/twilio", self.handle)
        return application

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        start = await self._start(socket)
        if start is None:
            await socket.close()
            return socket
        stream_sid = str(start.get("streamSid", ""))
        call_sid = str(start.get("start", {}).get("callSid", "") or stream_sid)
        serializer = TwilioFrameSerializer(
            stream_sid,
            call_sid,
            params=TwilioFrameSerializer.InputParams(auto_hang_up=False, sample_rate=SAMPLE_RATE),
        )
        await serializer.setup(cast(Any, SimpleNamespace(audio_in_sample_rate=SAMPLE_RATE)))
        frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        call = asyncio.create_task(
            run_call(
                self.stack,
                session_id=call_sid,
                frames=frames,
                sample_rate=SAMPLE_RATE,
                sink=WebSocketSink(self.ledger, socket, serializer),
            )
        )
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            if _event(message.data) == "stop":
                break
            frame = await serializer.deserialize(message.data)
            if isinstance(frame, InputAudioRawFrame):
                await frames.put(frame.audio)
        await frames.put(None)
        self.records.append(await call)
        await socket.close()
        return socket

    async def _start(self, socket: web.WebSocketResponse) -> dict[str, Any] | None:
        """Read Twilio's ``connected`` and ``start`` events; ``None`` if the stream never starts."""
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            try:
                event = json.loads(message.data)
            except json.JSONDecodeError:
                log.info("twilio_bad_message")
                continue
            if isinstance(event, dict) and event.get("event") == "start":
                return event
        return None


def _event(data: str) -> str | None:
    try:
        parsed = json.loads(data)
    except json.JSONDecodeError:
        return None
    return parsed.get("event") if isinstance(parsed, dict) else None


__all__ = ["TwilioServer", "WebSocketSink"]
