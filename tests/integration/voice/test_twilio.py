"""A Twilio Media Streams call over a real WebSocket (aiohttp test server) into the pipeline."""

from __future__ import annotations

import asyncio
import base64
import json

from aiohttp.test_utils import TestClient, TestServer

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.voice import g711
from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.pipeline import VoiceStack
from colloquy.agent.voice.stt import SpeechToText, Transcript
from colloquy.agent.voice.tts import text_to_speech
from colloquy.agent.voice.websocket import TwilioServer

LINE = "Is flood damage covered by home insurance?"


class StandInSTT(SpeechToText):
    """Not a model: hears the one line this test plays (the speech models are tested apart)."""

    name = "stand-in"

    def transcribe(self, audio: Audio) -> Transcript:
        return Transcript(LINE, 0.0, self.name)


def _media(pcm: bytes) -> str:
    payload = base64.b64encode(g711.encode(pcm, g711.Codec.PCMU)).decode()
    return json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": payload}})


async def _call(engine: AgentEngine) -> tuple[TwilioServer, list[dict[str, object]]]:
    tts = text_to_speech("espeak")
    server = TwilioServer(VoiceStack(engine, StandInSTT(), tts))
    client = TestClient(TestServer(server.app()))
    await client.start_server()
    received: list[dict[str, object]] = []
    socket = await client.ws_connect("/twilio")

    async def listen() -> None:
        async for message in socket:
            received.append(json.loads(message.data))

    listening = asyncio.create_task(listen())
    await socket.send_str(json.dumps({"event": "connected", "protocol": "Call", "version": "1"}))
    await socket.send_str(
        json.dumps({"event": "start", "streamSid": "MZ1", "start": {"callSid": "CA-test-1"}})
    )
    speech = (tts.synthesize(LINE) + Audio.silence(1.5, 16000)).resampled(g711.SAMPLE_RATE)
    for start in range(0, len(speech.pcm), 320):
        await socket.send_str(_media(speech.pcm[start : start + 320]))
        await asyncio.sleep(0.002)
    for _ in range(250):
        await socket.send_str(_media(bytes(320)))
        await asyncio.sleep(0.02)
        if len(server.ledger.turns) == 1:
            break
    await socket.send_str(json.dumps({"event": "stop", "streamSid": "MZ1"}))
    await asyncio.wait_for(listening, 30)
    await client.close()
    return server, received


def test_a_twilio_stream_call(engine: AgentEngine) -> None:
    server, received = asyncio.run(_call(engine))
    (record,) = server.records
    assert [line.role for line in record.lines] == ["agent", "caller", "agent"]
    assert "Flood and storm damage" in record.lines[-1].text
    media = [m for m in received if m.get("event") == "media"]
    assert len(media) >= 2
    assert all(m["streamSid"] == "MZ1" for m in media)
    assert len(server.ledger.turns) == 1
