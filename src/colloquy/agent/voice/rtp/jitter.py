"""A fixed-depth jitter buffer: reorders RTP packets and plays a gap as silence.

Packets wait until ``depth`` newer ones have arrived (or the caller drains at the end), so
reordering within that window is undone; a packet arriving after its slot was played is
dropped as late. Sequence numbers wrap at 2^16.
"""

from __future__ import annotations

from dataclasses import dataclass

from colloquy.agent.voice.rtp.packet import RtpPacket

_HALF = 1 << 15


def _ahead(a: int, b: int) -> int:
    """How far sequence ``a`` is past ``b`` (negative when behind), modulo 2^16."""
    return ((a - b + _HALF) & 0xFFFF) - _HALF


@dataclass(frozen=True, slots=True)
class JitterStats:
    received: int
    played: int
    lost: int
    late: int
    duplicates: int


class JitterBuffer:
    def __init__(self, depth: int = 3) -> None:
        if depth < 0:
            raise ValueError("jitter buffer depth must be >= 0")
        self.depth = depth
        self._waiting: dict[int, RtpPacket] = {}
        self._next: int | None = None
        self._received = self._played = self._lost = self._late = self._duplicates = 0

    def push(self, packet: RtpPacket) -> None:
        self._received += 1
        if self._next is None:
            self._next = packet.sequence
        if _ahead(packet.sequence, self._next) < 0:
            self._late += 1
            return
        if packet.sequence in self._waiting:
            self._duplicates += 1
            return
        self._waiting[packet.sequence] = packet

    def pop(self, *, drain: bool = False) -> list[RtpPacket | None]:
        """Packets ready to play in order; ``None`` marks one lost (play silence)."""
        out: list[RtpPacket | None] = []
        while self._waiting and self._next is not None:
            newest = max(_ahead(s, self._next) for s in self._waiting)
            if not drain and newest < self.depth:
                break
            packet = self._waiting.pop(self._next, None)
            if packet is None:
                self._lost += 1
            else:
                self._played += 1
            out.append(packet)
            self._next = (self._next + 1) & 0xFFFF
        return out

    @property
    def stats(self) -> JitterStats:
        return JitterStats(self._received, self._played, self._lost, self._late, self._duplicates)


__all__ = ["JitterBuffer", "JitterStats"]
