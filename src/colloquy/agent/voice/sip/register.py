"""Registering with a PBX or SIP trunk (REGISTER with digest authentication, RFC 3261 §10).

The registrar challenges the first REGISTER (401 or 407); the second carries the digest
answer. :func:`keep_registered` renews before the binding expires, so calls routed to the
account reach this agent.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from colloquy.agent.voice.sip.dialog import new_branch, new_tag
from colloquy.agent.voice.sip.digest import authorization, parse_challenge
from colloquy.agent.voice.sip.message import SipMessage
from colloquy.agent.voice.sip.ua import SipServer
from colloquy.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Account:
    registrar: tuple[str, int]
    domain: str
    username: str
    password: str
    expires: int = 300


def _register(server: SipServer, account: Account, call_id: str, tag: str, cseq: int) -> SipMessage:
    host, port = server.config.advertised_host, server.port
    aor = f"<sip:{account.username}@{account.domain}>"
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


async def register(server: SipServer, account: Account, timeout_s: float = 5.0) -> int:
    """Register once; returns the registrar's final status (200 when bound)."""
    call_id, tag = secrets.token_hex(8), new_tag()
    request = _register(server, account, call_id, tag, 1)
    reply = await server.transact(request, account.registrar, timeout_s)
    if reply.status not in (401, 407):
        return reply.status or 0
    asked = "www-authenticate" if reply.status == 401 else "proxy-authenticate"
    answer = "Authorization" if reply.status == 401 else "Proxy-Authorization"
    challenge = reply.header(asked)
    if challenge is None:
        return reply.status
    header = authorization(
        parse_challenge(challenge),
        method="REGISTER",
        uri=f"sip:{account.domain}",
        username=account.username,
        password=account.password,
    )
    second = _register(server, account, call_id, tag, 2)
    second = SipMessage((*second.headers, (answer, header)), method="REGISTER", uri=second.uri)
    final = await server.transact(second, account.registrar, timeout_s)
    return final.status or 0


async def keep_registered(server: SipServer, account: Account) -> None:
    """Register now and renew at 80 % of the expiry, until cancelled."""
    while True:
        try:
            status = await register(server, account)
        except TimeoutError as exc:
            status = 0
            log.warning("sip_register_timeout", registrar=account.registrar[0], error=str(exc))
        if status != 200:
            log.warning("sip_register_failed", registrar=account.registrar[0], status=status)
            await asyncio.sleep(30)
            continue
        await asyncio.sleep(account.expires * 0.8)


__all__ = ["Account", "keep_registered", "register"]
