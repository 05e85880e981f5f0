"""SIP parsing (with a corpus of broken messages), SDP offer/answer and digest auth."""

from __future__ import annotations

import contextlib
import hashlib
import random

import pytest

from colloquy.agent.voice.g711 import Codec
from colloquy.agent.voice.sip import SdpError, SipParseError, parse, sdp
from colloquy.agent.voice.sip.digest import authorization, parse_challenge

OFFER = (
    b"v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\n"
)
INVITE = (
    b"INVITE sip:agent@127.0.0.1 SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1\r\n"
    b"f: <sip:alice@127.0.0.1>;tag=a1\r\n"
    b"t: <sip:agent@127.0.0.1>\r\n"
    b"i: call-1\r\n"
    b"CSeq: 1 INVITE\r\n"
    b"Subject: a folded\r\n header\r\n"
    b"c: application/sdp\r\n"
    b"l: " + str(len(OFFER)).encode() + b"\r\n\r\n" + OFFER
)


def test_parses_compact_and_folded_headers() -> None:
    message = parse(INVITE)
    assert message.method == "INVITE"
    assert message.call_id == "call-1"
    assert message.cseq == (1, "INVITE")
    assert message.tag("from") == "a1"
    assert message.branch == "z9hG4bK1"
    assert message.header("subject") == "a folded header"
    assert message.body == OFFER
    assert parse(message.to_bytes()).headers == message.headers


BROKEN = [
    b"",
    b"\r\n\r\n",
    b"INVITE sip:x SIP/2.0\r\n",  # no blank line
    b"HELLO\r\n\r\n",
    b"INVITE sip:x SIP/3.0\r\nVia: x\r\n\r\n",
    b"SIP/2.0 99 Too Low\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 A\r\n\r\n",
    INVITE.replace(b"i: call-1\r\n", b""),  # no Call-ID
    INVITE.replace(b"CSeq: 1 INVITE", b"CSeq: one INVITE"),
    INVITE.replace(b"l: ", b"l: 9"),  # body shorter than Content-Length
    INVITE.replace(b"l: ", b"l: -"),
    INVITE.replace(b"Subject: a folded", b"Subject a folded"),  # header without colon
    b" continuation first\r\nVia: x\r\n\r\n",
    b"\xff\xfe\r\n\r\n",
    INVITE * 600,  # over the datagram limit
]


@pytest.mark.parametrize("data", BROKEN)
def test_broken_messages_are_refused(data: bytes) -> None:
    with pytest.raises(SipParseError):
        parse(data)


def test_mutated_messages_never_escape_as_other_errors() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        data = bytearray(INVITE)
        for _ in range(rng.randrange(1, 8)):
            position = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.4:
                data[position] = rng.getrandbits(8)
            elif choice < 0.7:
                del data[position : position + rng.randrange(1, 20)]
            else:
                data[position:position] = rng.choice([b"\r\n", b":", b" ", b"\x00", b";tag="])
        # A mutation may make the message invalid; the only allowed failures are the
        # parser's own one-line errors, never another exception.
        with contextlib.suppress(SipParseError, SdpError):
            message = parse(bytes(data))
            sdp.answer(sdp.parse_offer(message.body))


def test_sdp_answer_keeps_the_callers_codec_and_dtmf() -> None:
    offer = sdp.parse_offer(OFFER)
    answer = sdp.answer(offer)
    assert (answer.codec, answer.dtmf_payload_type, answer.remote) == (
        Codec.PCMA,
        101,
        ("127.0.0.1", 6000),
    )
    ours = sdp.parse_offer(sdp.describe("10.0.0.5", 20000, answer.codec, 101))
    assert (ours.address, ours.port, ours.payload_types) == ("10.0.0.5", 20000, (8, 101))


def test_sdp_without_g711_is_refused() -> None:
    with pytest.raises(SdpError, match="PCMU"):
        sdp.answer(sdp.parse_offer(OFFER.replace(b"8 0 101", b"9 101")))
    with pytest.raises(SdpError):
        sdp.parse_offer(b"v=0\r\nm=video 5000 RTP/AVP 96\r\n")


def test_digest_matches_rfc_2617_computation() -> None:
    challenge = parse_challenge(
        'Digest realm="pbx", nonce="abc", qop="auth,auth-int", opaque="xyz", algorithm=MD5'
    )
    header = authorization(
        challenge,
        method="REGISTER",
        uri="sip:pbx.local",
        username="1001",
        password="secret",
        cnonce="c0ffee",
    )

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    expected = md5(
        f"{md5('1001:pbx:secret')}:abc:00000001:c0ffee:auth:{md5('REGISTER:sip:pbx.local')}"
    )
    assert f'response="{expected}"' in header
    assert 'opaque="xyz"' in header
    with pytest.raises(ValueError, match="scheme"):
        parse_challenge('Basic realm="x"')
