"""One call's media: an RTP/RTCP socket pair, the jitter buffer, G.711 and paced sending.

Received audio comes out of :attr:`RtpSession.inbound` as 8 kHz 16-bit PCM, 20 ms at a time
(silence where a packet was lost); DTMF digits out of :attr:`RtpSession.digits`. Audio to
play is queued with :meth:`RtpSession.play` and sent at real-time pace, one packet per
20 ms; :meth:`RtpSession.flush` drops what is queued (barge-in). The far end's address is
the SDP's, corrected to where its packets really come from (symmetric RTP, for NAT).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field

from colloquy.agent.voice import g711
from colloquy.agent.voice.rtp.dtmf import DtmfDetector
from colloquy.agent.voice.rtp.jitter import JitterBuffer
from colloquy.agent.voice.rtp.packet import (
    RtpPacket,
    RtpPacketError,
    SenderReport,
    rtcp_packet_types,
)
from colloquy.logging import get_logger

log = get_logger(__name__)

FRAME_MS = 20
FRAME_SAMPLES = g711.SAMPLE_RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * 2
RTCP_INTERVAL_S = 5.0


@dataclass(slots=True)
class MediaCounters:
    received: int = 0
    malformed: int = 0
    sent: int = 0
    sent_octets: int = 0
    rtcp_received: int = 0
    first_sent_at: list[float] = field(default_factory=list)


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, session: RtpSession, rtcp: bool) -> None:
        self.session = session
        self.rtcp = rtcp

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.rtcp:
            self.session.on_rtcp(data)
        else:
            self.session.on_rtp(data, addr)


class RtpSession:
    def __init__(
        self,
        codec: g711.Codec,
        remote: tuple[str, int] | None,
        *,
        dtmf_payload_type: int | None = 101,
        jitter_depth: int = 3,
        latch: bool = True,
        record: bool = False,
    ) -> None:
        self.codec = codec
        self.latch = latch
        self.record = record
        self.opened_at = time.perf_counter()
        self.heard: list[tuple[float, bytes]] = []
        self.said: list[tuple[float, bytes]] = []
        self.remote = remote
        self.dtmf_payload_type = dtmf_payload_type
        self.jitter = JitterBuffer(jitter_depth)
        self.dtmf = DtmfDetector()
        self.counters = MediaCounters()
        self.digits: asyncio.Queue[str] = asyncio.Queue()
        self._inbound: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._outbound: asyncio.Queue[bytes] = asyncio.Queue()
        self._pending = b""
        self._ssrc = random.getrandbits(32)
        self._sequence = random.getrandbits(16)
        self._timestamp = random.getrandbits(32)
        self._transport: asyncio.DatagramTransport | None = None
        self._rtcp: asyncio.DatagramTransport | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.port = 0

    async def open(self, host: str, ports: range) -> int:
        """Bind an even RTP port (RTCP on the next one) from ``ports``; returns it."""
        loop = asyncio.get_running_loop()
        for port in ports:
            if port % 2:
                continue
            try:
                rtp, _ = await loop.create_datagram_endpoint(
                    lambda: _Receiver(self, False), local_addr=(host, port)
                )
            except OSError:
                continue
            try:
                rtcp, _ = await loop.create_datagram_endpoint(
                    lambda: _Receiver(self, True), local_addr=(host, port + 1)
                )
            except OSError:
                rtp.close()
                continue
            self._transport, self._rtcp, self.port = rtp, rtcp, port
            self._tasks = [
                asyncio.create_task(self._send_loop(), name=f"rtp-send-{port}"),
                asyncio.create_task(self._rtcp_loop(), name=f"rtcp-{port}"),
            ]
            return port
        raise OSError(f"no free RTP port pair in {ports.start}-{ports.stop - 1}")

    def on_rtp(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            packet = RtpPacket.parse(data)
        except RtpPacketError:
            self.counters.malformed += 1
            return
        self.counters.received += 1
        if self.latch or self.remote is None:
            self.remote = addr
        if packet.payload_type == self.dtmf_payload_type:
            try:
                digit = self.dtmf.feed(packet.timestamp, packet.payload)
            except RtpPacketError:
                self.counters.malformed += 1
                return
            if digit is not None:
                self.digits.put_nowait(digit)
            return
        if packet.payload_type != self.codec:
            self.counters.malformed += 1
            return
        self.jitter.push(packet)
        for ready in self.jitter.pop():
            self._inbound.put_nowait(self._pcm(ready))

    def on_rtcp(self, data: bytes) -> None:
        try:
            rtcp_packet_types(data)
        except RtpPacketError:
            self.counters.malformed += 1
            return
        self.counters.rtcp_received += 1

    def _pcm(self, packet: RtpPacket | None) -> bytes:
        pcm = bytes(FRAME_BYTES) if packet is None else g711.decode(packet.payload, self.codec)
        if self.record:
            self.heard.append((time.perf_counter() - self.opened_at, pcm))
        return pcm

    @property
    def inbound(self) -> asyncio.Queue[bytes | None]:
        """Received 20 ms PCM frames in order; ``None`` once the session closed."""
        return self._inbound

    def play(self, pcm: bytes) -> None:
        """Queue 8 kHz PCM to send; partial frames wait for the rest."""
        data = self._pending + pcm
        whole = len(data) // FRAME_BYTES * FRAME_BYTES
        for start in range(0, whole, FRAME_BYTES):
            self._outbound.put_nowait(data[start : start + FRAME_BYTES])
        self._pending = data[whole:]

    def flush(self) -> None:
        """Drop queued audio (the caller barged in)."""
        self._pending = b""
        while not self._outbound.empty():
            self._outbound.get_nowait()

    @property
    def queued_ms(self) -> int:
        return self._outbound.qsize() * FRAME_MS

    async def _send_loop(self) -> None:
        period = FRAME_MS / 1000
        next_at = time.monotonic()
        marker = True
        while True:
            frame = await self._outbound.get()
            now = time.monotonic()
            if next_at < now - period:
                next_at = now
                marker = True
            await asyncio.sleep(max(0.0, next_at - now))
            next_at += period
            self._send(frame, marker)
            marker = self._outbound.empty()

    def _send(self, frame: bytes, marker: bool) -> None:
        if self._transport is None or self.remote is None:
            return
        payload = g711.encode(frame, self.codec)
        if self.record:
            self.said.append((time.perf_counter() - self.opened_at, frame))
        packet = RtpPacket(self.codec, self._sequence, self._timestamp, self._ssrc, payload, marker)
        self._transport.sendto(packet.to_bytes(), self.remote)
        if self.counters.sent == 0 or marker:
            self.counters.first_sent_at.append(time.perf_counter())
        self._sequence = (self._sequence + 1) & 0xFFFF
        self._timestamp = (self._timestamp + len(payload)) & 0xFFFFFFFF
        self.counters.sent += 1
        self.counters.sent_octets += len(payload)

    async def _rtcp_loop(self) -> None:
        while True:
            await asyncio.sleep(RTCP_INTERVAL_S)
            if self._rtcp is None or self.remote is None or not self.counters.sent:
                continue
            report = SenderReport(
                self._ssrc,
                time.time(),
                self._timestamp,
                self.counters.sent,
                self.counters.sent_octets,
            )
            self._rtcp.sendto(report.to_bytes(), (self.remote[0], self.remote[1] + 1))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for ready in self.jitter.pop(drain=True):
            self._inbound.put_nowait(self._pcm(ready))
        self._inbound.put_nowait(None)
        for transport in (self._transport, self._rtcp):
            if transport is not None:
                transport.close()
        self._transport = self._rtcp = None


__all__ = ["FRAME_BYTES", "FRAME_MS", "FRAME_SAMPLES", "MediaCounters", "RtpSession"]
