"""Twilio and Telnyx media-stream calls over a real WebSocket (aiohttp on loopback) into the
pipeline: each provider's own event JSON in, the agent's answer back as its media events."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.voice import g711
from colloquy.agent.voice.audio import Audio, read_wav
from colloquy.agent.voice.calls.archive import CallArchive
from colloquy.agent.voice.calls.local import LocalRecordingStore
from colloquy.agent.voice.pipeline import VoiceStack
from colloquy.agent.voice.stt import SpeechToText, Transcript
from colloquy.agent.voice.tts import offline_voice
from colloquy.agent.voice.websocket import MediaStreamServer
from colloquy.schema import Speaker
from colloquy.storage import Store

LINE = "Is flood damage covered by home insurance?"


class StandInSTT(SpeechToText):
    """Not a model: hears the one line this test plays (the speech models are tested apart)."""

    name = "stand-in"

    def transcribe(self, audio: Audio) -> Transcript:
        return Transcript(LINE, 0.0, self.name)


@dataclass(frozen=True)
class Dialect:
    """What a provider sends: its path, its opening events for a call id, one media event."""

    path: str
    opening: Callable[[str], tuple[dict[str, object], ...]]
    media: Callable[[bytes, int], dict[str, object]]


TWILIO = Dialect(
    "/twilio",
    lambda call_id: (
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        {"event": "start", "streamSid": "MZ1", "start": {"callSid": call_id}},
    ),
    lambda payload, n: {
        "event": "media",
        "streamSid": "MZ1",
        "media": {"payload": base64.b64encode(payload).decode()},
    },
)
TELNYX = Dialect(
    "/telnyx",
    lambda call_id: (
        {"event": "connected", "version": "1.0.0"},
        {
            "event": "start",
            "sequence_number": "1",
            "stream_id": "32de0dea-53cb-4b21-89a4-9324c7d3ec3a",
            "start": {
                "user_id": "3e6f995f-85f7-4705-9741-53b116d28237",
                "call_control_id": call_id,
                "call_session_id": "ff55a038-6f2d-11ef-9692-02420aef0b1f",
                "from": "+13122010090",
                "to": "+13122010091",
                "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
            },
        },
    ),
    lambda payload, n: {
        "event": "media",
        "sequence_number": str(n + 2),
        "stream_id": "32de0dea-53cb-4b21-89a4-9324c7d3ec3a",
        "media": {
            "track": "inbound",
            "chunk": str(n + 1),
            "timestamp": str(20 * n),
            "payload": base64.b64encode(payload).decode(),
        },
    },
)


async def _call(
    engine: AgentEngine, dialect: Dialect, call_id: str, archive: CallArchive | None = None
) -> tuple[MediaStreamServer, list[dict[str, object]]]:
    tts = offline_voice("espeak")
    server = MediaStreamServer(VoiceStack(engine, StandInSTT(), tts), archive=archive)
    client = TestClient(TestServer(server.app()))
    await client.start_server()
    received: list[dict[str, object]] = []
    socket = await client.ws_connect(dialect.path)

    async def listen() -> None:
        async for message in socket:
            received.append(json.loads(message.data))

    listening = asyncio.create_task(listen())
    for event in dialect.opening(call_id):
        await socket.send_str(json.dumps(event))
    speech = (tts.synthesize(LINE) + Audio.silence(1.5, 16000)).resampled(g711.SAMPLE_RATE)
    sent = 0

    async def media(pcm: bytes) -> None:
        nonlocal sent
        payload = g711.encode(pcm, g711.Codec.PCMU)
        await socket.send_str(json.dumps(dialect.media(payload, sent)))
        sent += 1

    for start in range(0, len(speech.pcm), 320):
        await media(speech.pcm[start : start + 320])
        await asyncio.sleep(0.002)
    for _ in range(250):
        await media(bytes(320))
        await asyncio.sleep(0.02)
        if len(server.ledger.turns) == 1:
            break
    await socket.send_str(json.dumps({"event": "stop"}))
    await asyncio.wait_for(listening, 30)
    await client.close()
    return server, received


@pytest.mark.parametrize("dialect", [TWILIO, TELNYX], ids=["twilio", "telnyx"])
def test_a_media_stream_call(engine: AgentEngine, dialect: Dialect) -> None:
    call_id = f"call-{uuid.uuid4()}"
    server, received = asyncio.run(_call(engine, dialect, call_id))
    (record,) = server.records
    assert record.session_id == call_id
    assert [line.role for line in record.lines] == ["agent", "caller", "agent"]
    assert "Flood and storm damage" in record.lines[-1].text
    media = [m for m in received if m.get("event") == "media"]
    assert len(media) >= 2
    payload = base64.b64decode(str(media[0]["media"]["payload"]))  # type: ignore[index]
    assert len(payload) > 0
    if dialect is TWILIO:
        assert all(m["streamSid"] == "MZ1" for m in media)
    assert len(server.ledger.turns) == 1


def test_a_telnyx_call_is_recorded_and_stored_as_a_conversation(
    engine: AgentEngine, tmp_path: Path
) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'calls.db'}") as store:
        archive = CallArchive(LocalRecordingStore(tmp_path / "calls"), store)
        call_id = f"v3:{uuid.uuid4()}"
        server, _ = asyncio.run(_call(engine, TELNYX, call_id, archive))
        (kept,) = server.archived
        assert kept.stored
        (stored,) = list(store.conversations("voice_calls"))
    assert stored.metadata["telephony"] == "telnyx"
    assert stored.metadata["caller"] == "+13122010090"
    assert stored.metadata["call_id"] == call_id
    assert [t.speaker for t in stored.turns][:2] == [Speaker.AGENT, Speaker.CUSTOMER]
    assert kept.recording is not None
    folder = next((tmp_path / "calls").iterdir())
    caller, agent = read_wav(folder / "caller.wav"), read_wav(folder / "agent.wav")
    assert caller.sample_rate == agent.sample_rate == g711.SAMPLE_RATE
    assert caller.seconds > 3.0
    assert agent.seconds > 3.0


def test_a_stream_that_never_starts_is_closed(engine: AgentEngine) -> None:
    async def run() -> MediaStreamServer:
        server = MediaStreamServer(VoiceStack(engine, StandInSTT(), offline_voice("espeak")))
        client = TestClient(TestServer(server.app()))
        await client.start_server()
        socket = await client.ws_connect("/telnyx")
        await socket.send_str("not json")
        await socket.send_str(json.dumps({"event": "connected", "version": "1.0.0"}))
        await socket.close()
        await client.close()
        return server

    assert asyncio.run(run()).records == []
