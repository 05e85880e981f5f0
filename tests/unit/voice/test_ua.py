"""The SIP user agent on loopback: a real UDP exchange, media both ways, junk survived."""

from __future__ import annotations

import asyncio
import socket

from colloquy.agent.voice.g711 import Codec, encode
from colloquy.agent.voice.rtp import RtpPacket
from colloquy.agent.voice.sip import SipCall, SipConfig, SipServer, parse, sdp


def _request(method: str, call_id: str, cseq: int, body: bytes = b"", tag: str = "") -> bytes:
    to_tag = f";tag={tag}" if tag else ""
    head = (
        f"{method} sip:agent@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK{call_id}{cseq}\r\n"
        f"From: <sip:caller@127.0.0.1>;tag=c1\r\nTo: <sip:agent@127.0.0.1>{to_tag}\r\n"
        f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nContact: <sip:caller@127.0.0.1>\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _echo(call: SipCall) -> None:
    """Plays back what the caller says until the call ends."""
    while (pcm := await call.media.inbound.get()) is not None:
        call.media.play(pcm)


async def _exchange() -> None:
    server = SipServer(SipConfig(host="127.0.0.1", port=0, rtp_ports=range(31000, 31100)), _echo)
    port = await server.start()
    loop = asyncio.get_running_loop()
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for s in (sip, media):
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
    target = ("127.0.0.1", port)

    async def receive(sock: socket.socket) -> bytes:
        return await asyncio.wait_for(loop.sock_recv(sock, 65535), 5)

    for junk in (
        b"\x00" * 50,
        b"INVITE\r\n\r\n",
        b"garbage" * 1000,
        _request("INVITE", "x", 1)[:60],
    ):
        sip.sendto(junk, target)
    sip.sendto(_request("OPTIONS", "o1", 1), target)
    options = parse(await receive(sip))
    assert options.status == 200
    assert "INVITE" in (options.header("allow") or "")

    offer = sdp.describe("127.0.0.1", media.getsockname()[1], Codec.PCMU, 101)
    sip.sendto(_request("INVITE", "call-1", 1, offer), target)
    assert parse(await receive(sip)).status == 100
    ok = parse(await receive(sip))
    assert ok.status == 200
    answer = sdp.parse_offer(ok.body)
    tag = ok.tag("to") or ""
    sip.sendto(_request("ACK", "call-1", 1, tag=tag), target)

    tone = encode(bytes(range(256)) * 1 + bytes(64), Codec.PCMU)[:160]
    for seq in range(6):
        packet = RtpPacket(0, seq, seq * 160, 42, tone)
        media.sendto(packet.to_bytes(), (answer.address, answer.port))
        media.sendto(b"\x80junk", (answer.address, answer.port))
    echoed = RtpPacket.parse(await receive(media))
    assert echoed.payload_type == 0
    assert len(echoed.payload) == 160

    sip.sendto(_request("BYE", "call-1", 2, tag=tag), target)
    assert parse(await receive(sip)).status == 200
    await asyncio.sleep(0.2)
    sip.sendto(_request("BYE", "call-1", 3, tag=tag), target)
    assert parse(await receive(sip)).status == 481
    sip.sendto(_request("INVITE", "call-2", 1, b"v=0\r\nm=audio 4000 RTP/AVP 9\r\n"), target)
    assert parse(await receive(sip)).status == 100
    assert parse(await receive(sip)).status == 488

    await asyncio.sleep(0.05)
    assert server.counters.malformed >= 3
    assert server.counters.calls_started == server.counters.calls_ended == 1
    await server.stop()
    sip.close()
    media.close()


def test_call_over_loopback() -> None:
    asyncio.run(asyncio.wait_for(_exchange(), 30))
