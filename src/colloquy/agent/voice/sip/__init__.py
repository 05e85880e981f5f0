"""SIP signalling: messages, SDP, digest authentication, and the user agent."""

from colloquy.agent.voice.sip.message import SipMessage, SipParseError, parse
from colloquy.agent.voice.sip.sdp import SdpError
from colloquy.agent.voice.sip.ua import CallHandler, SipCall, SipConfig, SipServer

__all__ = [
    "CallHandler",
    "SdpError",
    "SipCall",
    "SipConfig",
    "SipMessage",
    "SipParseError",
    "SipServer",
    "parse",
]
