"""DTMF as RTP telephone events (RFC 4733): the keypad digits a caller presses.

One key press is several packets with the same RTP timestamp (and three end packets), so a
digit is reported once per timestamp.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from colloquy.agent.voice.rtp.packet import RtpPacketError

EVENTS = "0123456789*#ABCD"


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    digit: str
    end: bool
    volume: int
    duration: int

    def to_payload(self) -> bytes:
        return struct.pack(
            "!BBH",
            EVENTS.index(self.digit),
            (0x80 if self.end else 0) | (self.volume & 0x3F),
            self.duration & 0xFFFF,
        )

    @classmethod
    def parse(cls, payload: bytes) -> TelephoneEvent:
        if len(payload) < 4:
            raise RtpPacketError(f"telephone event of {len(payload)} bytes (needs 4)")
        event, flags, duration = struct.unpack_from("!BBH", payload)
        if event >= len(EVENTS):
            raise RtpPacketError(f"telephone event {event} is not a DTMF digit")
        return cls(EVENTS[event], bool(flags & 0x80), flags & 0x3F, duration)


class DtmfDetector:
    """Turns the packets of key presses into digits, each press once."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def feed(self, timestamp: int, payload: bytes) -> str | None:
        event = TelephoneEvent.parse(payload)
        if timestamp in self._seen:
            return None
        if len(self._seen) > 64:
            self._seen.clear()
        self._seen.add(timestamp)
        return event.digit


__all__ = ["EVENTS", "DtmfDetector", "TelephoneEvent"]
