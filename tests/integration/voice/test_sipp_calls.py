"""Real SIP calls from SIPp to the voice server on loopback, audio both ways.

The caller is Piper's voice streamed by SIPp as G.711; the agent's RTP is captured,
transcribed with Whisper, and checked against what the journey must say.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest
from tests.integration.voice.sipp import SIPP, Recorder, caller_files, free_port, run_sipp, scenario

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.turn import EventKind
from colloquy.agent.voice.audio import Audio, read_wav
from colloquy.agent.voice.pipeline import VoiceStack
from colloquy.agent.voice.server import VoiceServer
from colloquy.agent.voice.sip import SipConfig
from colloquy.agent.voice.stt import SpeechToText, Transcript
from colloquy.agent.voice.tts import offline_voice

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SIPP is None, reason="SIPp is not installed (apt-get install sip-tester)"),
]

LISTEN_S = 14.0
GREETING_S = 14.0


async def _call(
    stack: VoiceStack, folder: Path, lines: list[str], listen_s: float = LISTEN_S
) -> tuple[str, VoiceServer, str]:
    caller = offline_voice("piper")
    loop = asyncio.get_running_loop()
    recorder = Recorder()
    record_port = free_port()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: recorder, local_addr=("127.0.0.1", record_port)
    )
    server = VoiceServer(
        stack,
        SipConfig(host="127.0.0.1", port=0, rtp_ports=range(32000, 32400), symmetric_rtp=False),
        recordings=folder / "calls",
    )
    port = await server.start()
    files = caller_files(
        folder, [caller.synthesize(line) for line in lines], [listen_s] * len(lines)
    )
    xml = scenario(folder, files, record_port, GREETING_S)
    result = await asyncio.to_thread(run_sipp, xml, port)
    await asyncio.sleep(1.0)
    await server.stop()
    transport.close()
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert len(recorder.packets) == 1
    (ssrc,) = recorder.packets
    assert isinstance(stack.stt, SpeechToText)
    heard = await asyncio.to_thread(stack.stt.transcribe, recorder.audio(ssrc))
    return heard.text, server, result.stdout


def test_claim_status_refused_before_verification(voice: VoiceStack, tmp_path: Path) -> None:
    heard, server, _ = asyncio.run(
        _call(voice, tmp_path, ["Hi, I'd like to know the status of my claim."])
    )
    (record,) = server.records
    agent = " ".join(line.text for line in record.lines if line.role == "agent")
    assert "verify your identity" in agent
    assert "recorded" in heard.lower()
    assert "verify" in heard.lower()
    assert [line.role for line in record.lines] == ["agent", "caller", "agent"]
    assert len(record.turns) == 1
    assert server.sip.counters.calls_started == server.sip.counters.calls_ended == 1
    saved = tmp_path / "calls" / record.session_id
    assert {p.name for p in saved.iterdir()} == {"caller.wav", "agent.wav", "transcript.json"}
    transcript = json.loads((saved / "transcript.json").read_text(encoding="utf-8"))
    assert [line["role"] for line in transcript["lines"]] == ["agent", "caller", "agent"]
    assert read_wav(saved / "agent.wav").seconds > 5


def _agent(server: VoiceServer) -> list[str]:
    (record,) = server.records
    return [line.text for line in record.lines if line.role == "agent"]


def test_new_claim_is_filed_and_its_id_read_back(voice: VoiceStack, tmp_path: Path) -> None:
    lines = [
        "I need to file a claim because a pipe burst in my kitchen.",
        "My number is 555-0101 and I was born on November 2 1979.",
        "It happened on November 20 2026.",
        "It is for my home cover.",
        "About 1200 dollars in repairs.",
        "The pipe under the sink burst overnight and flooded the kitchen floor.",
        "Yes that is right please submit it.",
    ]
    heard, server, _ = asyncio.run(_call(voice, tmp_path, lines, listen_s=22.0))
    said = " ".join(_agent(server))
    assert "you're verified" in said
    assert "Your claim number is CLM-2026-" in said
    assert "claim number" in heard.lower()


def test_claim_status_is_read_after_verification(voice: VoiceStack, tmp_path: Path) -> None:
    # No commas: a pause in the caller's speech can end the turn and split a date in two.
    # The claim id is spelt out; Whisper hears "CLM20260002" and the slot pads its number.
    lines = [
        "Hi, I'd like to know the status of my claim.",
        "My number is 555-0100.",
        "I was born on March 12 1984.",
        "The claim is C L M two zero two six zero zero zero zero two.",
    ]
    heard, server, _ = asyncio.run(_call(voice, tmp_path, lines, listen_s=18.0))
    (record,) = server.records
    dialogue = "\n".join(f"{line.role}> {line.text}" for line in record.lines)
    said = " ".join(_agent(server))
    assert "you're verified" in said, dialogue
    assert "CLM-2026-00002" in _agent(server)[-1], dialogue
    assert "is being assessed by a claims handler" in _agent(server)[-1]
    assert "in writing" in heard.lower()


def test_coverage_question_is_answered(voice: VoiceStack, tmp_path: Path) -> None:
    heard, server, _ = asyncio.run(
        _call(voice, tmp_path, ["Does my home insurance cover flood damage?"], listen_s=35.0)
    )
    said = _agent(server)
    assert "Flood and storm damage" in said[-1]
    assert "guides" in heard.lower()


def test_payout_refused_before_verification(voice: VoiceStack, tmp_path: Path) -> None:
    heard, server, _ = asyncio.run(
        _call(voice, tmp_path, ["Just tell me how much you paid out on my last claim."])
    )
    said = _agent(server)
    assert "verify your identity" in said[-1]
    assert "$" not in said[-1]
    assert "verify" in heard.lower()


class HearsOneLine(SpeechToText):
    """Not a model: every caller turn is this line (the load test is about calls, not words)."""

    name = "stand-in"

    def transcribe(self, audio: Audio) -> Transcript:
        return Transcript("Is theft of a phone covered by my policy?", 0.0, self.name)


def test_ten_concurrent_calls_for_a_minute(engine: AgentEngine, tmp_path: Path) -> None:
    """No call dropped, every session's audit complete, with the speech models stood in."""
    stack = VoiceStack(engine, HearsOneLine(), offline_voice("espeak"))

    async def load() -> tuple[VoiceServer, subprocess.CompletedProcess[str]]:
        caller = offline_voice("espeak")
        server = VoiceServer(
            stack, SipConfig(host="127.0.0.1", port=0, rtp_ports=range(33000, 33400))
        )
        port = await server.start()
        line = caller.synthesize("Is theft of a phone covered by my policy?")
        files = caller_files(tmp_path, [line, line], [25.0, 25.0])
        xml = scenario(tmp_path, files, None, 5.0)
        result = await asyncio.to_thread(run_sipp, xml, port, calls=10, concurrent=10)
        await asyncio.sleep(2.0)
        await server.stop()
        return server, result

    server, result = asyncio.run(load())
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    counters = server.sip.counters
    assert (counters.calls_started, counters.calls_ended, counters.calls_failed) == (10, 10, 0)
    assert len(server.records) == 10
    for record in server.records:
        kinds = [e.kind for e in engine.parts.audit.events(record.session_id)]  # type: ignore[attr-defined]
        assert kinds[0] is EventKind.SESSION_STARTED
        assert kinds[-1] is EventKind.SESSION_ENDED
        assert kinds.count(EventKind.REPLY) >= 2
