"""RTP and RTCP packets (RFC 3550): parsed strictly, so a broken datagram is dropped.

Anything a network can deliver — truncated headers, a wrong version, padding longer than
the packet, an extension running past the end — raises :class:`RtpPacketError`, which the
session counts and ignores; it never reaches the codec.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION = 2
_HEADER = struct.Struct("!BBHII")
_SR = struct.Struct("!BBHIIIIII")
NTP_EPOCH_OFFSET = 2_208_988_800
"""Seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix)."""


class RtpPacketError(ValueError):
    """A datagram that is not a valid RTP or RTCP packet."""


@dataclass(frozen=True, slots=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def to_bytes(self) -> bytes:
        first = RTP_VERSION << 6
        second = (0x80 if self.marker else 0) | (self.payload_type & 0x7F)
        return (
            _HEADER.pack(
                first,
                second,
                self.sequence & 0xFFFF,
                self.timestamp & 0xFFFFFFFF,
                self.ssrc & 0xFFFFFFFF,
            )
            + self.payload
        )

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        if len(data) < _HEADER.size:
            raise RtpPacketError(f"RTP packet of {len(data)} bytes is shorter than its header")
        first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
        if first >> 6 != RTP_VERSION:
            raise RtpPacketError(f"RTP version {first >> 6}, expected 2")
        payload_type = second & 0x7F
        if 72 <= payload_type <= 76:
            raise RtpPacketError("an RTCP packet arrived on the RTP port")
        offset = _HEADER.size + 4 * (first & 0x0F)
        end = len(data)
        if first & 0x10:
            if end < offset + 4:
                raise RtpPacketError("RTP header extension is truncated")
            words = struct.unpack_from("!H", data, offset + 2)[0]
            offset += 4 + 4 * words
        if first & 0x20:
            if end <= offset:
                raise RtpPacketError("RTP padding without a payload")
            padding = data[-1]
            if padding == 0 or padding > end - offset:
                raise RtpPacketError(f"RTP padding of {padding} bytes does not fit")
            end -= padding
        if offset > end:
            raise RtpPacketError("RTP header runs past the end of the packet")
        return cls(
            payload_type, sequence, timestamp, ssrc, bytes(data[offset:end]), bool(second & 0x80)
        )


@dataclass(frozen=True, slots=True)
class SenderReport:
    """RTCP SR without report blocks: enough for the far end's clock mapping and counters."""

    ssrc: int
    ntp_seconds: float
    rtp_timestamp: int
    packets: int
    octets: int

    def to_bytes(self) -> bytes:
        ntp = self.ntp_seconds + NTP_EPOCH_OFFSET
        whole = int(ntp)
        fraction = int((ntp - whole) * (1 << 32)) & 0xFFFFFFFF
        return _SR.pack(
            RTP_VERSION << 6,
            200,
            6,
            self.ssrc & 0xFFFFFFFF,
            whole & 0xFFFFFFFF,
            fraction,
            self.rtp_timestamp & 0xFFFFFFFF,
            self.packets & 0xFFFFFFFF,
            self.octets & 0xFFFFFFFF,
        )


def rtcp_packet_types(data: bytes) -> tuple[int, ...]:
    """The packet types of a compound RTCP datagram (SR 200, RR 201, SDES 202, BYE 203…)."""
    kinds: list[int] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < 4:
            raise RtpPacketError("RTCP header is truncated")
        first, kind, words = struct.unpack_from("!BBH", data, offset)
        if first >> 6 != RTP_VERSION:
            raise RtpPacketError(f"RTCP version {first >> 6}, expected 2")
        if not 192 <= kind <= 223:
            raise RtpPacketError(f"RTCP packet type {kind} is not RTCP")
        size = 4 * (words + 1)
        if offset + size > len(data):
            raise RtpPacketError("RTCP length runs past the datagram")
        kinds.append(kind)
        offset += size
    if not kinds:
        raise RtpPacketError("empty RTCP datagram")
    return tuple(kinds)


__all__ = ["RtpPacket", "RtpPacketError", "SenderReport", "rtcp_packet_types"]
