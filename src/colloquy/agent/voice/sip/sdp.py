"""SDP offer/answer (RFC 3264) for one audio stream: G.711 and telephone events.

The answer picks the first of the offer's codecs this agent speaks (µ-law, then A-law
when the offer prefers it) and keeps telephone-event when offered, so DTMF arrives as RTP
events. An offer without a usable audio stream is refused with :class:`SdpError` (the
user agent answers 488).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from colloquy.agent.voice.g711 import Codec

_RTPMAP = re.compile(r"^(\d{1,3}) ([A-Za-z0-9\-_.]+)/(\d+)")


class SdpError(ValueError):
    """An SDP body with no audio stream this agent can answer."""


@dataclass(frozen=True, slots=True)
class MediaOffer:
    address: str
    port: int
    payload_types: tuple[int, ...]
    dtmf_payload_type: int | None


@dataclass(frozen=True, slots=True)
class MediaAnswer:
    codec: Codec
    dtmf_payload_type: int | None
    remote: tuple[str, int]


def parse_offer(body: bytes) -> MediaOffer:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SdpError("SDP body is not UTF-8") from exc
    session_address: str | None = None
    media_address: str | None = None
    port: int | None = None
    types: tuple[int, ...] = ()
    dtmf: int | None = None
    in_audio = False
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:]
        if kind == "m":
            fields = value.split()
            in_audio = len(fields) >= 4 and fields[0] == "audio" and port is None
            if in_audio:
                if not fields[1].isdigit() or not 0 < int(fields[1]) < 65536:
                    raise SdpError(f"bad audio port in m={value!r}")
                port = int(fields[1])
                types = tuple(int(f) for f in fields[3:] if f.isdigit() and int(f) < 128)
        elif kind == "c":
            fields = value.split()
            if len(fields) != 3 or fields[0] != "IN" or fields[1] not in ("IP4", "IP6"):
                raise SdpError(f"bad connection line c={value!r}")
            address = fields[2].split("/")[0]
            if port is None:
                session_address = address
            elif in_audio:
                media_address = address
        elif kind == "a" and in_audio and value.startswith("rtpmap:"):
            match = _RTPMAP.match(value[len("rtpmap:") :])
            if match and match.group(2).lower() == "telephone-event":
                dtmf = int(match.group(1))
    where = media_address or session_address
    if port is None or where is None:
        raise SdpError("SDP offer has no audio stream with an address")
    return MediaOffer(where, port, types, dtmf)


def answer(offer: MediaOffer) -> MediaAnswer:
    for payload_type in offer.payload_types:
        if payload_type in (Codec.PCMU, Codec.PCMA):
            return MediaAnswer(
                Codec(payload_type), offer.dtmf_payload_type, (offer.address, offer.port)
            )
    raise SdpError(
        f"offer has payload types {list(offer.payload_types)}; this agent speaks PCMU (0) "
        "and PCMA (8)"
    )


def describe(address: str, port: int, codec: Codec, dtmf_payload_type: int | None) -> bytes:
    """Our SDP (an answer, or an offer when we call)."""
    session = int(time.time())
    types = [str(int(codec))] + ([str(dtmf_payload_type)] if dtmf_payload_type is not None else [])
    lines = [
        "v=0",
        f"o=colloquy {session} {session} IN IP4 {address}",
        "s=colloquy",
        f"c=IN IP4 {address}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(types)}",
        f"a=rtpmap:{int(codec)} {codec.encoding}/8000",
    ]
    if dtmf_payload_type is not None:
        lines += [
            f"a=rtpmap:{dtmf_payload_type} telephone-event/8000",
            f"a=fmtp:{dtmf_payload_type} 0-16",
        ]
    lines += ["a=ptime:20", "a=sendrecv"]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


__all__ = ["MediaAnswer", "MediaOffer", "SdpError", "answer", "describe", "parse_offer"]
