"""SIP messages (RFC 3261): a strict parser and a serialiser.

The parser accepts what real phones send (compact header names, folded lines, any case)
and rejects everything else with :class:`SipParseError` — a missing start line, a bad
status code, a header without a colon, a missing mandatory header, a body shorter than its
Content-Length, a datagram over the size limit — so the user agent answers 400 or drops
it, and never fails on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DATAGRAM = 65_507
MANDATORY = ("via", "from", "to", "call-id", "cseq")
COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
    "k": "supported",
    "s": "subject",
}
_CANONICAL = {
    "via": "Via",
    "from": "From",
    "to": "To",
    "call-id": "Call-ID",
    "cseq": "CSeq",
    "contact": "Contact",
    "content-length": "Content-Length",
    "content-type": "Content-Type",
    "max-forwards": "Max-Forwards",
    "www-authenticate": "WWW-Authenticate",
    "proxy-authenticate": "Proxy-Authenticate",
    "authorization": "Authorization",
    "proxy-authorization": "Proxy-Authorization",
    "user-agent": "User-Agent",
    "allow": "Allow",
    "accept": "Accept",
    "supported": "Supported",
    "expires": "Expires",
}
_REQUEST = re.compile(r"^([A-Z]+) (\S+) SIP/2\.0$")
_STATUS = re.compile(r"^SIP/2\.0 ([1-6]\d\d) ?(.*)$")
_TOKEN = re.compile(r"^[A-Za-z0-9\-.!%*_+`'~]+$")
_CSEQ = re.compile(r"^(\d{1,10})\s+([A-Z]+)$")
_TAG = re.compile(r";\s*tag=([^;>\s]+)", re.IGNORECASE)
_BRANCH = re.compile(r";\s*branch=([^;\s,]+)", re.IGNORECASE)


class SipParseError(ValueError):
    """A datagram that is not a SIP message this user agent can act on."""


def canonical(name: str) -> str:
    lower = name.lower()
    lower = COMPACT.get(lower, lower)
    return _CANONICAL.get(lower, "-".join(part.capitalize() for part in lower.split("-")))


@dataclass(frozen=True, slots=True)
class SipMessage:
    """A request (``method`` and ``uri``) or a response (``status`` and ``reason``)."""

    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    method: str | None = None
    uri: str | None = None
    status: int | None = None
    reason: str = ""

    @property
    def is_request(self) -> bool:
        return self.method is not None

    def header(self, name: str) -> str | None:
        wanted = canonical(name)
        return next((value for key, value in self.headers if key == wanted), None)

    def all(self, name: str) -> tuple[str, ...]:
        wanted = canonical(name)
        return tuple(value for key, value in self.headers if key == wanted)

    def require(self, name: str) -> str:
        value = self.header(name)
        if value is None:
            raise SipParseError(f"SIP message has no {canonical(name)} header")
        return value

    @property
    def call_id(self) -> str:
        return self.require("call-id")

    @property
    def cseq(self) -> tuple[int, str]:
        match = _CSEQ.match(self.require("cseq").strip())
        if match is None:
            raise SipParseError(f"bad CSeq {self.require('cseq')!r}")
        return int(match.group(1)), match.group(2)

    @property
    def branch(self) -> str | None:
        match = _BRANCH.search(self.require("via"))
        return match.group(1) if match else None

    def tag(self, name: str) -> str | None:
        match = _TAG.search(self.require(name))
        return match.group(1) if match else None

    def to_bytes(self) -> bytes:
        if self.method is not None:
            first = f"{self.method} {self.uri} SIP/2.0"
        else:
            first = f"SIP/2.0 {self.status} {self.reason}"
        lines = [first]
        lines.extend(f"{k}: {v}" for k, v in self.headers if k != "Content-Length")
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


def parse(data: bytes) -> SipMessage:
    """One SIP message from one UDP datagram."""
    if len(data) > MAX_DATAGRAM:
        raise SipParseError(f"datagram of {len(data)} bytes is over the SIP limit")
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
        if not sep:
            raise SipParseError("SIP message has no blank line after its headers")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SipParseError("SIP headers are not UTF-8") from exc
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise SipParseError("empty SIP message")
    first = lines[0].strip()
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t"):
            if not headers:
                raise SipParseError("SIP message starts with a continuation line")
            key, value = headers[-1]
            headers[-1] = (key, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.match(name.strip()):
            raise SipParseError(f"bad SIP header line {line[:60]!r}")
        headers.append((canonical(name.strip()), value.strip()))
    present = {k.lower() for k, _ in headers}
    missing = [m for m in MANDATORY if canonical(m).lower() not in present]
    if missing:
        raise SipParseError(f"SIP message lacks {', '.join(missing)}")
    message = _start(first, tuple(headers))
    length_text = message.header("content-length")
    if length_text is not None:
        if not length_text.isdigit():
            raise SipParseError(f"bad Content-Length {length_text!r}")
        length = int(length_text)
        if length > len(body):
            raise SipParseError(f"body of {len(body)} bytes, Content-Length says {length}")
        body = body[:length]
    if _CSEQ.match(message.require("cseq").strip()) is None:
        raise SipParseError(f"bad CSeq {message.require('cseq')!r}")
    return SipMessage(
        message.headers, body, message.method, message.uri, message.status, message.reason
    )


def _start(first: str, headers: tuple[tuple[str, str], ...]) -> SipMessage:
    request = _REQUEST.match(first)
    if request is not None:
        return SipMessage(headers, method=request.group(1), uri=request.group(2))
    status = _STATUS.match(first)
    if status is not None:
        return SipMessage(headers, status=int(status.group(1)), reason=status.group(2))
    raise SipParseError(f"bad SIP start line {first[:60]!r}")


__all__ = ["MAX_DATAGRAM", "SipMessage", "SipParseError", "canonical", "parse"]
