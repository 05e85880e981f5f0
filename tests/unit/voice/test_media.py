"""G.711 against the standard library's reference codec, RTP packets, jitter, DTMF."""

from __future__ import annotations

import contextlib
import random
import struct
import warnings

import pytest

from colloquy.agent.voice import g711
from colloquy.agent.voice.rtp import (
    DtmfDetector,
    JitterBuffer,
    RtpPacket,
    RtpPacketError,
    SenderReport,
    TelephoneEvent,
)
from colloquy.agent.voice.rtp.packet import rtcp_packet_types

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop


@pytest.mark.parametrize(
    ("codec", "encode", "decode"),
    [
        (g711.Codec.PCMU, audioop.lin2ulaw, audioop.ulaw2lin),
        (g711.Codec.PCMA, audioop.lin2alaw, audioop.alaw2lin),
    ],
)
def test_g711_matches_the_reference(codec: g711.Codec, encode, decode) -> None:  # type: ignore[no-untyped-def]
    pcm = struct.pack("<65536h", *range(-32768, 32768))
    assert g711.encode(pcm, codec) == encode(pcm, 2)
    every_byte = bytes(range(256))
    assert g711.decode(every_byte, codec) == decode(every_byte, 2)


def test_rtp_round_trip_and_extensions() -> None:
    packet = RtpPacket(0, 65535, 2**32 - 160, 0xDEADBEEF, b"\x7f" * 160, marker=True)
    assert RtpPacket.parse(packet.to_bytes()) == packet
    raw = bytearray(packet.to_bytes()[:12])
    raw[0] |= 0x10 | 0x20 | 0x01  # extension, padding, one CSRC
    raw += b"\x00\x00\x00\x01" + b"\xbe\xde\x00\x01" + b"\x01\x02\x03\x04" + b"abc" + b"\x00\x02"
    parsed = RtpPacket.parse(bytes(raw))
    assert parsed.payload == b"abc"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x80",
        b"\x40" + bytes(11),  # version 1
        b"\x80\xc8" + bytes(10),  # RTCP SR on the RTP port
        b"\x90\x00" + bytes(10),  # extension flag without extension
        b"\xa0\x00" + bytes(10) + b"\x00",  # zero padding
        b"\xa0\x00" + bytes(10) + b"\xff",  # padding longer than the packet
        b"\x8f\x00" + bytes(10),  # 15 CSRCs announced, none present
    ],
)
def test_broken_rtp_is_refused(data: bytes) -> None:
    with pytest.raises(RtpPacketError):
        RtpPacket.parse(data)


def test_random_bytes_never_escape_as_other_errors() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 40)))
        with contextlib.suppress(RtpPacketError):
            RtpPacket.parse(data)
        with contextlib.suppress(RtpPacketError):
            rtcp_packet_types(data)


def test_sender_report_is_valid_rtcp() -> None:
    report = SenderReport(1, 1_700_000_000.5, 160, 10, 1600).to_bytes()
    assert rtcp_packet_types(report) == (200,)


def _packet(seq: int) -> RtpPacket:
    return RtpPacket(0, seq & 0xFFFF, seq * 160, 1, bytes([seq & 0xFF]) * 160)


def test_jitter_buffer_reorders_across_the_wrap_and_marks_loss() -> None:
    buffer = JitterBuffer(depth=2)
    order = [65534, 0, 65535, 2, 3, 4]  # 1 lost, 0 before 65535
    played: list[int | None] = []
    for seq in order:
        buffer.push(_packet(seq))
        played += [p.sequence if p else None for p in buffer.pop()]
    played += [p.sequence if p else None for p in buffer.pop(drain=True)]
    assert played == [65534, 65535, 0, None, 2, 3, 4]
    buffer.push(_packet(0))
    stats = buffer.stats
    assert (stats.lost, stats.late, stats.played) == (1, 1, 6)


def test_dtmf_digit_once_per_press() -> None:
    detector = DtmfDetector()
    digits = []
    for timestamp, digit in ((1000, "5"), (2000, "#")):
        for duration, end in ((160, False), (320, False), (480, True), (480, True)):
            payload = TelephoneEvent(digit, end, 10, duration).to_payload()
            found = detector.feed(timestamp, payload)
            if found:
                digits.append(found)
    assert digits == ["5", "#"]
    with pytest.raises(RtpPacketError):
        detector.feed(3000, b"\x10\x00")
