"""Building SIP requests and responses inside a dialog: headers copied, tags added."""

from __future__ import annotations

import secrets

from colloquy.agent.voice.sip.message import SipMessage

REASONS = {
    100: "Trying",
    180: "Ringing",
    200: "OK",
    400: "Bad Request",
    405: "Method Not Allowed",
    481: "Call/Transaction Does Not Exist",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    500: "Server Internal Error",
    503: "Service Unavailable",
}
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS"


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def response(
    request: SipMessage,
    status: int,
    *,
    to_tag: str | None = None,
    contact: str | None = None,
    body: bytes = b"",
    extra: tuple[tuple[str, str], ...] = (),
) -> SipMessage:
    """A response to ``request``: its Vias, From, Call-ID and CSeq, our tag on To."""
    headers: list[tuple[str, str]] = [("Via", via) for via in request.all("via")]
    to = request.require("to")
    if to_tag and ";tag=" not in to.lower().replace(" ", ""):
        to = f"{to};tag={to_tag}"
    headers += [
        ("From", request.require("from")),
        ("To", to),
        ("Call-ID", request.require("call-id")),
        ("CSeq", request.require("cseq")),
        ("Server", "colloquy"),
    ]
    if contact:
        headers.append(("Contact", contact))
    if status == 405 or request.method in ("OPTIONS", "INVITE"):
        headers.append(("Allow", ALLOW))
    headers += list(extra)
    if body:
        headers.append(("Content-Type", "application/sdp"))
    return SipMessage(tuple(headers), body, status=status, reason=REASONS.get(status, "Unknown"))


def contact_uri(header: str) -> str:
    """The URI inside a Contact (or From/To) header value."""
    value = header.strip()
    if "<" in value and ">" in value:
        return value[value.index("<") + 1 : value.index(">")]
    return value.split(";")[0].strip()


__all__ = ["ALLOW", "REASONS", "contact_uri", "new_branch", "new_tag", "response"]
