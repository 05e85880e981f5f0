"""Cloud telephony without SIP: media streams over a WebSocket, through Pipecat's serializers.

Twilio (``<Connect><Stream url="wss://HOST/twilio"/>``) and Telnyx (``stream_url`` set to
``wss://HOST/telnyx`` with bidirectional streaming) open one WebSocket per call and send
JSON events: ``connected``, ``start`` (stream and call ids), ``media`` (base64 G.711 at
8 kHz), ``dtmf``, ``stop``. The providers differ only in how the ``start`` event names the
stream and the call, and in which Pipecat serializer speaks their dialect, so one handler
serves them all from :data:`PROVIDERS`. The serializer turns media events into audio frames
and the agent's audio back into ``media`` events; a barge-in sends ``clear`` so the
provider drops what it has buffered. Each connection runs the same pipeline as a SIP call,
and with a :class:`~colloquy.agent.voice.calls.archive.CallArchive` is kept like one: both
legs recorded, the transcript stored as a conversation, scored live with a conversion model.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from aiohttp import WSMsgType, web
from pipecat.frames.frames import InputAudioRawFrame, InterruptionFrame, OutputAudioRawFrame
from pipecat.serializers.base_serializer import FrameSerializer
from pipecat.serializers.telnyx import TelnyxFrameSerializer
from pipecat.serializers.twilio import TwilioFrameSerializer

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.calls.archive import ArchivedCall, CallArchive
from colloquy.agent.voice.calls.conversation import CallFacts
from colloquy.agent.voice.calls.live import LiveScoring
from colloquy.agent.voice.g711 import SAMPLE_RATE
from colloquy.agent.voice.pipeline.build import CallRecord, VoiceStack, run_call
from colloquy.agent.voice.pipeline.latency import LatencyLedger
from colloquy.agent.voice.pipeline.sink import AudioSink
from colloquy.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class StreamStart:
    """What a provider's ``start`` event says: the call's id and its serializer."""

    call_id: str
    serializer: FrameSerializer
    caller: str | None = None


@dataclass(frozen=True, slots=True)
class Provider:
    """One media-stream dialect: its path, and how to read its ``start`` event."""

    name: str
    path: str
    start: Callable[[Mapping[str, Any]], StreamStart]


def _twilio(event: Mapping[str, Any]) -> StreamStart:
    stream_sid = str(event.get("streamSid", ""))
    call_sid = str(_section(event, "start").get("callSid", "") or stream_sid)
    serializer = TwilioFrameSerializer(
        stream_sid,
        call_sid,
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False, sample_rate=SAMPLE_RATE),
    )
    return StreamStart(call_sid, serializer)


def _telnyx(event: Mapping[str, Any]) -> StreamStart:
    start = _section(event, "start")
    stream_id = str(event.get("stream_id", ""))
    call_id = str(start.get("call_control_id", "") or stream_id)
    encoding = str(_section(start, "media_format").get("encoding", "PCMU")).upper()
    serializer = TelnyxFrameSerializer(
        stream_id,
        outbound_encoding=encoding if encoding in ("PCMU", "PCMA") else "PCMU",
        inbound_encoding="PCMU",
        call_control_id=call_id,
        params=TelnyxFrameSerializer.InputParams(auto_hang_up=False, sample_rate=SAMPLE_RATE),
    )
    return StreamStart(call_id, serializer, str(start.get("from", "")) or None)


PROVIDERS = (
    Provider("twilio", "/twilio", _twilio),
    Provider("telnyx", "/telnyx", _telnyx),
)
"""Hanging up stays with the provider (the caller or the provider's call flow ends the
stream), so no serializer needs the provider's REST credentials."""


class WebSocketSink(AudioSink):
    """Sends the agent's audio as the provider's ``media`` events; it plays them in real time."""

    def __init__(
        self,
        ledger: LatencyLedger,
        socket: web.WebSocketResponse,
        serializer: FrameSerializer,
    ) -> None:
        super().__init__(ledger)
        self.socket = socket
        self.serializer = serializer
        self.opened_at = time.perf_counter()
        self.said: list[tuple[float, bytes]] = []
        """The agent's leg: (seconds since the stream opened, 8 kHz PCM) as it plays."""
        self._until = 0.0

    async def deliver(self, audio: Audio) -> float:
        pcm = audio.resampled(SAMPLE_RATE)
        frame = OutputAudioRawFrame(audio=pcm.pcm, sample_rate=SAMPLE_RATE, num_channels=1)
        message = await self.serializer.serialize(frame)
        sent = time.perf_counter()
        if message is not None and not self.socket.closed:
            await self.socket.send_str(str(message))
        plays = max(self._until, sent)
        self.said.append((plays - self.opened_at, pcm.pcm))
        self._until = plays + pcm.seconds
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
class MediaStreamServer:
    """Serves every provider in :data:`PROVIDERS`, each on its own path."""

    stack: VoiceStack
    ledger: LatencyLedger = field(default_factory=LatencyLedger)
    archive: CallArchive | None = None
    """What is kept of each call: recording, conversation in the store, conversion scores."""
    records: list[CallRecord] = field(default_factory=list)
    archived: list[ArchivedCall] = field(default_factory=list)

    def app(self) -> web.Application:
        application = web.Application()
        for provider in PROVIDERS:
            application.router.add_get(provider.path, self._handler(provider))
        return application

    def _handler(
        self, provider: Provider
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.WebSocketResponse:
            return await self.handle(provider, request)

        return handle

    async def handle(self, provider: Provider, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        event = await self._start(provider, socket)
        if event is None:
            await socket.close()
            return socket
        start = provider.start(event)
        await start.serializer.setup(cast(Any, SimpleNamespace(audio_in_sample_rate=SAMPLE_RATE)))
        frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        started, started_at = loop.time(), datetime.now(UTC)
        sink = WebSocketSink(self.ledger, socket, start.serializer)
        heard: list[tuple[float, bytes]] = []
        call = asyncio.create_task(
            run_call(
                self.stack,
                session_id=start.call_id,
                frames=frames,
                sample_rate=SAMPLE_RATE,
                sink=sink,
            )
        )
        scoring = self._score_live(start.call_id)
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            if _event(message.data) == "stop":
                break
            frame = await start.serializer.deserialize(message.data)
            if isinstance(frame, InputAudioRawFrame):
                heard.append((time.perf_counter() - sink.opened_at, frame.audio))
                await frames.put(frame.audio)
        await frames.put(None)
        record = await call
        if scoring is not None:
            scoring.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await scoring
        self.records.append(record)
        if self.archive is not None:
            facts = CallFacts(
                provider.name, started_at, started, loop.time() - started, caller=start.caller
            )
            kept = await self.archive.keep(record, facts, heard=heard, said=sink.said)
            self.archived.append(kept)
        await socket.close()
        log.info("media_stream_call_ended", provider=provider.name, call_id=record.session_id)
        return socket

    def _score_live(self, call_id: str) -> asyncio.Task[None] | None:
        if self.archive is None or self.archive.scorer is None:
            return None
        live = LiveScoring(self.stack.engine, call_id, self.archive.scorer)
        return asyncio.create_task(live.watch())

    async def _start(
        self, provider: Provider, socket: web.WebSocketResponse
    ) -> dict[str, Any] | None:
        """Read up to the ``start`` event; ``None`` if the stream never starts."""
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            try:
                event = json.loads(message.data)
            except json.JSONDecodeError:
                log.info("media_stream_bad_message", provider=provider.name)
                continue
            if isinstance(event, dict) and event.get("event") == "start":
                return event
        return None


def _section(event: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = event.get(key)
    return value if isinstance(value, dict) else {}


def _event(data: str) -> str | None:
    try:
        parsed = json.loads(data)
    except json.JSONDecodeError:
        return None
    return parsed.get("event") if isinstance(parsed, dict) else None


__all__ = [
    "PROVIDERS",
    "MediaStreamServer",
    "Provider",
    "StreamStart",
    "WebSocketSink",
]
