"""Registering with a PBX or SIP trunk (REGISTER with digest authentication, RFC 3261 §10).

The registrar challenges the first REGISTER (401 or 407); the second carries the digest
answer. :func:`keep_registered` renews before the binding expires (the lifetime the
registrar granted, which may be shorter than asked), so calls routed to the account reach
this agent, and :func:`unregister` removes the binding when the server stops
(so the PBX does not keep ringing an agent that is gone).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import unquote

from colloquy.agent.voice.sip.dialog import new_branch, new_tag
from colloquy.agent.voice.sip.digest import authorization, parse_challenge
from colloquy.agent.voice.sip.message import SipMessage
from colloquy.agent.voice.sip.ua import SipServer
from colloquy.errors import UsageError
from colloquy.logging import get_logger

log = get_logger(__name__)

SIP_PORT = 5060
RETRY_S = 30.0
"""Wait after a failed registration before the next attempt (a PBX may rate-limit)."""
RENEW_AT = 0.8
"""Renew when this fraction of the binding's lifetime has passed."""


@dataclass(frozen=True, slots=True)
class Account:
    registrar: tuple[str, int]
    domain: str
    username: str
    password: str = ""
    expires: int = 300

    @property
    def aor(self) -> str:
        return f"sip:{self.username}@{self.domain}"


def parse_account(uri: str, password: str, *, expires: int = 300) -> Account:
    """``sip:USER@REGISTRAR[:PORT]`` as an account; the registrar's host is its domain."""
    text = uri.strip()
    scheme, colon, rest = text.partition(":")
    user, at, hostport = rest.partition("@")
    host, _, port_text = hostport.partition(":")
    host = host.strip("[]")
    if (
        scheme.lower() != "sip"
        or not colon
        or not at
        or not user
        or not host
        or (port_text and not port_text.isdigit())
    ):
        raise UsageError(
            f"bad SIP account {uri!r}",
            hint="give sip:USER@REGISTRAR[:PORT], e.g. sip:1001@pbx.example.com:5060",
        )
    port = int(port_text) if port_text else SIP_PORT
    if not 0 < port < 65536:
        raise UsageError(f"bad registrar port {port} in {uri!r}", hint="a port is 1-65535")
    if expires < 1:
        raise UsageError(f"registration expiry must be positive, got {expires}")
    return Account((host, port), host, unquote(user), password, expires)


def _register(server: SipServer, account: Account, call_id: str, tag: str, cseq: int) -> SipMessage:
    host, port = server.config.advertised_host, server.port
    aor = f"<{account.aor}>"
    headers = (
        ("Via", f"SIP/2.0/UDP {host}:{port};branch={new_branch()}"),
        ("Max-Forwards", "70"),
        ("From", f"{aor};tag={tag}"),
        ("To", aor),
        ("Call-ID", call_id),
        ("CSeq", f"{cseq} REGISTER"),
        ("Contact", f"<sip:{account.username}@{host}:{port}>"),
        ("Expires", str(account.expires)),
    )
    return SipMessage(headers, method="REGISTER", uri=f"sip:{account.domain}")


async def _address(registrar: tuple[str, int]) -> tuple[str, int]:
    """The registrar's IPv4 address (a name is looked up without blocking the loop)."""
    host, port = registrar
    found = await asyncio.get_running_loop().getaddrinfo(
        host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM
    )
    if not found:
        raise OSError(f"no IPv4 address for {host}")
    address = found[0][4]
    return str(address[0]), int(address[1])


@dataclass(frozen=True, slots=True)
class Binding:
    """A REGISTER's outcome: the final status, and how long the registrar keeps the binding."""

    status: int
    expires: int


_EXPIRES = re.compile(r";\s*expires\s*=\s*(\d+)", re.IGNORECASE)


def granted_expiry(reply: SipMessage, contact: str, asked: int) -> int:
    """The lifetime the registrar gave ``contact`` (RFC 3261 §10.2.4): its Contact's
    ``expires`` parameter, else the Expires header, else what was asked."""
    for value in reply.all("contact"):
        for entry in re.split(r",(?=\s*<)", value):
            found = _EXPIRES.search(entry)
            if contact in entry and found is not None:
                return int(found.group(1))
    header = (reply.header("expires") or "").strip()
    return int(header) if header.isdigit() else asked


async def _exchange(server: SipServer, account: Account, timeout_s: float) -> SipMessage:
    """One REGISTER transaction, answering a digest challenge; the final response."""
    target = await _address(account.registrar)
    call_id, tag = secrets.token_hex(8), new_tag()
    request = _register(server, account, call_id, tag, 1)
    reply = await server.transact(request, target, timeout_s)
    if reply.status not in (401, 407):
        return reply
    asked = "www-authenticate" if reply.status == 401 else "proxy-authenticate"
    answer = "Authorization" if reply.status == 401 else "Proxy-Authorization"
    challenge = reply.header(asked)
    if challenge is None:
        return reply
    header = authorization(
        parse_challenge(challenge),
        method="REGISTER",
        uri=f"sip:{account.domain}",
        username=account.username,
        password=account.password,
    )
    second = _register(server, account, call_id, tag, 2)
    second = SipMessage((*second.headers, (answer, header)), method="REGISTER", uri=second.uri)
    return await server.transact(second, target, timeout_s)


async def bind(server: SipServer, account: Account, timeout_s: float = 5.0) -> Binding:
    """Register once; a registrar that finds the expiry too brief (423) is asked again with
    its Min-Expires."""
    final = await _exchange(server, account, timeout_s)
    minimum = (final.header("min-expires") or "").strip()
    if (
        final.status == 423
        and account.expires
        and minimum.isdigit()
        and int(minimum) > account.expires
    ):
        account = replace(account, expires=int(minimum))
        final = await _exchange(server, account, timeout_s)
    status = final.status or 0
    contact = f"sip:{account.username}@{server.config.advertised_host}:{server.port}"
    granted = granted_expiry(final, contact, account.expires) if status == 200 else 0
    return Binding(status, granted)


async def register(server: SipServer, account: Account, timeout_s: float = 5.0) -> int:
    """Register once; returns the registrar's final status (200 when bound)."""
    return (await bind(server, account, timeout_s)).status


async def unregister(server: SipServer, account: Account, timeout_s: float = 2.0) -> int:
    """Remove this agent's binding (REGISTER with ``Expires: 0``); returns the final status."""
    return await register(server, replace(account, expires=0), timeout_s)


async def keep_registered(
    server: SipServer,
    account: Account,
    *,
    on_status: Callable[[int], None] | None = None,
    retry_s: float = RETRY_S,
) -> None:
    """Register now and renew at 80 % of the lifetime the registrar granted, until cancelled.

    ``on_status`` hears every attempt's final status (zero when nothing answered).
    """
    while True:
        try:
            binding = await bind(server, account)
        except (TimeoutError, OSError) as exc:
            binding = Binding(0, 0)
            log.warning("sip_register_unanswered", registrar=account.registrar[0], error=str(exc))
        if on_status is not None:
            on_status(binding.status)
        if binding.status != 200 or binding.expires < 1:
            log.warning(
                "sip_register_failed", registrar=account.registrar[0], status=binding.status
            )
            await asyncio.sleep(retry_s)
            continue
        log.info("sip_registered", aor=account.aor, expires=binding.expires)
        await asyncio.sleep(binding.expires * RENEW_AT)


__all__ = [
    "Account",
    "Binding",
    "bind",
    "granted_expiry",
    "keep_registered",
    "parse_account",
    "register",
    "unregister",
]
