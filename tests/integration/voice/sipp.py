"""Drive SIPp (Debian ``sip-tester``) as the caller and record the agent's RTP.

The caller's lines become raw µ-law files (speech, then the silence a caller keeps while
listening) that SIPp streams as RTP; the SDP offer points the media at a local recorder
port, so the agent's packets are captured whole and can be transcribed.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from colloquy.agent.voice import g711
from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.rtp import RtpPacket, RtpPacketError

SIPP = shutil.which("sipp")

_INVITE = """INVITE sip:agent@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:agent@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 1 1 IN IP4 [local_ip]
      s=-
      c=IN IP4 [media_ip]
      t=0 0
      m=audio {record_port} RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
"""
_ACK = """ACK sip:agent@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:agent@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
"""
_BYE = """BYE sip:agent@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:agent@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
"""


def caller_files(folder: Path, lines: list[Audio], listen_s: list[float]) -> list[Path]:
    """One µ-law file per line: the speech, then ``listen_s`` seconds of line silence."""
    paths = []
    for index, (audio, wait) in enumerate(zip(lines, listen_s, strict=True)):
        pcm = (audio.resampled(g711.SAMPLE_RATE) + Audio.silence(wait, g711.SAMPLE_RATE)).pcm
        path = folder / f"line{index}.ulaw"
        path.write_bytes(g711.encode(pcm, g711.Codec.PCMU))
        paths.append(path)
    return paths


def scenario(folder: Path, files: list[Path], record_port: int | None, greeting_s: float) -> Path:
    """The caller: INVITE (media to ``record_port``, or SIPp's own port), lines, BYE."""
    media = str(record_port) if record_port is not None else "[media_port]"
    steps = [
        f'<send retrans="500"><![CDATA[\n      {_INVITE.format(record_port=media)}]]></send>',
        '<recv response="100" optional="true"/>',
        '<recv response="200" rrs="true"/>',
        f"<send><![CDATA[\n      {_ACK}]]></send>",
        f'<pause milliseconds="{int(greeting_s * 1000)}"/>',
    ]
    for path in files:
        seconds = path.stat().st_size / g711.SAMPLE_RATE
        steps.append(f'<nop><action><exec rtp_stream="{path},1,0"/></action></nop>')
        steps.append(f'<pause milliseconds="{int(seconds * 1000)}"/>')
    steps += [f'<send retrans="500"><![CDATA[\n      {_BYE}]]></send>', '<recv response="200"/>']
    body = "\n".join(steps)
    head = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<scenario name="caller">'
    xml = f"{head}\n{body}\n</scenario>\n"
    path = folder / "caller.xml"
    path.write_text(xml, encoding="latin-1")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def run_sipp(
    xml: Path, sip_port: int, *, calls: int = 1, concurrent: int = 1, timeout_s: float = 600
) -> subprocess.CompletedProcess[str]:
    assert SIPP is not None
    return subprocess.run(
        [
            SIPP,
            f"127.0.0.1:{sip_port}",
            "-sf",
            str(xml),
            "-i",
            "127.0.0.1",
            "-p",
            str(free_port()),
            "-mi",
            "127.0.0.1",
            "-mp",
            str(free_port() & ~1),
            "-m",
            str(calls),
            "-l",
            str(concurrent),
            "-r",
            str(concurrent),
            "-nostdin",
            "-trace_err",
            "-timeout",
            f"{int(timeout_s)}s",
        ],
        cwd=xml.parent,
        capture_output=True,
        text=True,
        timeout=timeout_s + 30,
        check=False,
    )


@dataclass
class Recorder(asyncio.DatagramProtocol):
    """Collects the agent's RTP packets (µ-law) per source SSRC."""

    packets: dict[int, list[RtpPacket]] = field(default_factory=dict)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            packet = RtpPacket.parse(data)
        except RtpPacketError:
            return
        self.packets.setdefault(packet.ssrc, []).append(packet)

    def audio(self, ssrc: int) -> Audio:
        ordered = sorted(self.packets[ssrc], key=lambda p: p.timestamp)
        pcm = b"".join(g711.decode(p.payload, g711.Codec(p.payload_type)) for p in ordered)
        return Audio(pcm, g711.SAMPLE_RATE)
