"""What is kept of a real SIP call: its recording in a bucket, live conversion scores, and a
stored conversation that ``colloquy analyze`` reads, while the server stays registered.

A caller written here (UDP on loopback, the same wire a softphone uses) dials the voice
server, waits for the greeting, says its line twice and hangs up. The recordings go to a
bucket on moto in server mode (a real S3 API), a conversion model trained on
CraigslistBargain scores the call after each turn, the call is stored in the desk's store,
and a local registrar sees the server register, renew nothing (long expiry) and unregister.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.e2e.test_bad_inputs import logging_restored
from tests.integration.voice.conversion_model import saved_conversion_model
from tests.integration.voice.s3 import moto_s3
from tests.unit.voice.test_register import Registrar

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.turn import EventKind
from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.calls import open_recording_store
from colloquy.agent.voice.calls.archive import CallArchive
from colloquy.agent.voice.calls.scoring import CallScorer, load_call_scorer
from colloquy.agent.voice.g711 import SAMPLE_RATE, Codec, encode
from colloquy.agent.voice.pipeline import VoiceStack
from colloquy.agent.voice.rtp import RtpPacket
from colloquy.agent.voice.server import VoiceServer
from colloquy.agent.voice.sip import SipConfig, parse, sdp
from colloquy.agent.voice.sip.register import parse_account
from colloquy.agent.voice.stt import SpeechToText, Transcript
from colloquy.agent.voice.tts import TextToSpeech, text_to_speech
from colloquy.config import Settings
from colloquy.services.cli.main import main
from colloquy.storage import Store

pytestmark = pytest.mark.slow

BUCKET = "recordings"
LINE = "I would like to know the status of my claim."
FRAME = SAMPLE_RATE // 50
QUIET_S = 1.5
ANSWER_TIMEOUT_S = 90.0


class HearsTheCaller(SpeechToText):
    """Not a model: every caller turn is the line the caller says (Whisper is tested apart;
    this test is about what is kept of a call)."""

    name = "stand-in"

    def transcribe(self, audio: Audio) -> Transcript:
        return Transcript(LINE, 0.0, self.name)


@pytest.fixture(scope="module")
def conversion_model(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return saved_conversion_model(datasets_dir, tmp_path_factory.mktemp("conversion"))


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with moto_s3(monkeypatch, BUCKET) as url:
        yield url


@dataclass
class Caller:
    """One call's caller: sends 20 ms µ-law packets (speech or silence), hears the agent."""

    media: socket.socket
    agent: tuple[str, int] | None = None
    speech: list[bytes] = field(default_factory=list)
    heard: list[float] = field(default_factory=list)

    async def send(self) -> None:
        silence = encode(bytes(FRAME * 2), Codec.PCMU)
        seq, next_at = 0, time.monotonic()
        while True:
            payload = encode(self.speech.pop(0), Codec.PCMU) if self.speech else silence
            if self.agent is not None:
                self.media.sendto(RtpPacket(0, seq, seq * FRAME, 7, payload).to_bytes(), self.agent)
            seq = (seq + 1) & 0xFFFF
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def listen(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data = await loop.sock_recv(self.media, 2048)
            if len(data) > 12 and data[1] & 0x7F == 0:
                self.heard.append(time.monotonic())

    async def answered(self, before: int) -> None:
        """Wait until the agent spoke (more packets than ``before``) and went quiet."""
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        while time.monotonic() < deadline:
            if len(self.heard) > before and time.monotonic() - self.heard[-1] > QUIET_S:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"the agent did not answer within {ANSWER_TIMEOUT_S} s")

    def say(self, audio: Audio) -> None:
        pcm = audio.resampled(SAMPLE_RATE).pcm
        self.speech += [
            pcm[i : i + FRAME * 2].ljust(FRAME * 2, b"\0") for i in range(0, len(pcm), FRAME * 2)
        ]


def _request(method: str, port: int, cseq: int, body: bytes = b"", tag: str = "") -> bytes:
    to_tag = f";tag={tag}" if tag else ""
    kind = "Content-Type: application/sdp\r\n" if body else ""
    head = (
        f"{method} sip:agent@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKrec{cseq}\r\n"
        f"From: <sip:caller@127.0.0.1>;tag=rec1\r\nTo: <sip:agent@127.0.0.1>{to_tag}\r\n"
        f"Call-ID: recorded-call\r\nCSeq: {cseq} {method}\r\n"
        f"Contact: <sip:caller@127.0.0.1:{port}>\r\n{kind}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _place_call(server_port: int, line: Audio, times: int) -> None:
    loop = asyncio.get_running_loop()
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for sock in (sip, media):
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
    target, own = ("127.0.0.1", server_port), sip.getsockname()[1]
    offer = sdp.describe("127.0.0.1", media.getsockname()[1], Codec.PCMU, 101)
    sip.sendto(_request("INVITE", own, 1, offer), target)
    while (ok := parse(await asyncio.wait_for(loop.sock_recv(sip, 65535), 10))).status != 200:
        assert ok.status == 100
    tag = ok.tag("to") or ""
    sip.sendto(_request("ACK", own, 1, tag=tag), target)
    answer = sdp.parse_offer(ok.body)
    caller = Caller(media, (answer.address, answer.port))
    tasks = [asyncio.create_task(caller.send()), asyncio.create_task(caller.listen())]
    try:
        await caller.answered(0)
        for _ in range(times):
            before = len(caller.heard)
            caller.say(line)
            await caller.answered(before)
        sip.sendto(_request("BYE", own, 2, tag=tag), target)
        while (bye := parse(await asyncio.wait_for(loop.sock_recv(sip, 65535), 10))).status != 200:
            assert bye.status in (100, 200)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sip.close()
        media.close()


async def _serve_one_call(
    stack: VoiceStack, archive: CallArchive, line: Audio
) -> tuple[VoiceServer, Registrar]:
    loop = asyncio.get_running_loop()
    registrar = Registrar("s3cret")
    transport, _ = await loop.create_datagram_endpoint(
        lambda: registrar, local_addr=("127.0.0.1", 0)
    )
    registrar_port = transport.get_extra_info("sockname")[1]
    server = VoiceServer(
        stack,
        SipConfig(host="127.0.0.1", port=0, rtp_ports=range(34000, 34400)),
        archive=archive,
        account=parse_account(f"sip:agent@127.0.0.1:{registrar_port}", "s3cret", expires=600),
    )
    port = await server.start()
    try:
        assert await server.first_registration() == 200
        await _place_call(port, line, times=2)
        deadline = time.monotonic() + 60
        while not server.archived and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        await server.stop()
        transport.close()
    return server, registrar


def _seconds(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav)) as reader:
        return float(reader.getnframes() / reader.getframerate())


def test_a_call_is_recorded_scored_stored_and_analysed(
    engine: AgentEngine,
    desk_store: Store,
    conversion_model: Path,
    endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tts = text_to_speech("piper")
    assert isinstance(tts, TextToSpeech)
    stack = VoiceStack(engine, HearsTheCaller(), tts)
    scorer: CallScorer = load_call_scorer(str(conversion_model), Settings(home=tmp_path))
    recordings = open_recording_store(f"s3://{BUCKET}/calls", endpoint_url=endpoint)
    archive = CallArchive(recordings, desk_store, "voice_calls", scorer)
    server, registrar = asyncio.run(_serve_one_call(stack, archive, tts.synthesize(LINE)))
    scorer.close()

    (kept,) = server.archived
    call_id = kept.conversation.id
    assert kept.recording == f"s3://{BUCKET}/calls/{call_id}"
    assert kept.stored
    transcript = json.loads(recordings.get(f"{call_id}/transcript.json"))
    roles = [line["role"] for line in transcript["lines"]]
    assert roles[0] == roles[-1] == "agent"
    assert roles.count("caller") >= 2
    assert all(0 <= line["conversion_score"] <= 1 for line in transcript["lines"])
    caller_wav = recordings.get(f"{call_id}/caller.wav")
    agent_wav = recordings.get(f"{call_id}/agent.wav")
    assert _seconds(caller_wav) == _seconds(agent_wav) > 5

    events = engine.parts.audit.events(call_id)  # type: ignore[attr-defined]
    live = [json.loads(e.payload) for e in events if e.kind is EventKind.CONVERSION_SCORE]
    assert 1 <= len(live) <= roles.count("caller")
    assert all(0 <= p["conversion_score"] <= 1 and p["model"] == scorer.name for p in live)
    first = live[0]["voice_turn"]
    (answer,) = [
        t.index
        for t in kept.conversation.turns
        if t.speaker.value == "agent" and t.extra["voice_turn"] == first
    ]
    assert live[0]["spoken_turns"] == answer + 1
    assert live[0]["conversion_score"] == pytest.approx(kept.scores[answer], abs=1e-4)
    observed = scorer.metrics.registry.get_sample_value("voice_conversion_score_count")
    assert observed is not None
    assert observed >= len(live)

    (stored,) = list(desk_store.conversations("voice_calls"))
    assert stored.channel == "voice"
    assert [t.speaker.value for t in stored.turns] == [
        "customer" if role == "caller" else "agent" for role in roles
    ]
    assert [t.extra["conversion_score"] for t in stored.turns] == [
        pytest.approx(score, abs=1e-4) for score in kept.scores
    ]
    assert stored.metadata["telephony"] == "sip"
    assert stored.metadata["recording"] == kept.recording
    assert stored.metadata["duration_s"] > 5
    assert stored.labels["conversion_score"] == pytest.approx(kept.scores[-1], abs=1e-4)
    times = [t.timestamp for t in stored.turns if t.timestamp is not None]
    assert len(times) == len(stored.turns)
    assert times == sorted(times)

    monkeypatch.setenv("COLLOQUY_DATABASE_URL", str(desk_store.engine.url))
    monkeypatch.setenv("COLLOQUY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLLOQUY_LOGGING__LEVEL", "warning")
    capsys.readouterr()
    with logging_restored():
        assert main(["analyze", "voice_calls", "--format", "json"]) == 0
    analysis = json.loads(capsys.readouterr().out)
    assert analysis["run"]["conversations"] == 1

    registered = [r for r in registrar.seen if r.header("authorization")]
    assert [r.header("expires") for r in registered] == ["600", "0"]
