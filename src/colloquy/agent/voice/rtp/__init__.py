"""RTP media for SIP calls: packets, jitter buffer, DTMF, and one session per call."""

from colloquy.agent.voice.rtp.dtmf import DtmfDetector, TelephoneEvent
from colloquy.agent.voice.rtp.jitter import JitterBuffer, JitterStats
from colloquy.agent.voice.rtp.packet import RtpPacket, RtpPacketError, SenderReport
from colloquy.agent.voice.rtp.session import FRAME_BYTES, FRAME_MS, RtpSession

__all__ = [
    "FRAME_BYTES",
    "FRAME_MS",
    "DtmfDetector",
    "JitterBuffer",
    "JitterStats",
    "RtpPacket",
    "RtpPacketError",
    "RtpSession",
    "SenderReport",
    "TelephoneEvent",
]
