"""REGISTER to a registrar on loopback that challenges, then checks the digest answer."""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import cast

from colloquy.agent.voice.sip import SipConfig, SipMessage, SipServer, parse
from colloquy.agent.voice.sip.dialog import response
from colloquy.agent.voice.sip.register import Account, register


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class Registrar(asyncio.DatagramProtocol):
    """Challenges every REGISTER without credentials; 200 for the right digest, else 403."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.seen: list[SipMessage] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        request = parse(data)
        self.seen.append(request)
        credentials = request.header("authorization")
        if credentials is None:
            challenge = 'Digest realm="pbx", nonce="n0nce", qop="auth", algorithm=MD5'
            reply = response(request, 401, extra=(("WWW-Authenticate", challenge),))
        else:
            fields = dict(re.findall(r'(\w+)="?([^",]+)"?', credentials))
            ha1 = _md5(f"{fields['username']}:pbx:{self.password}")
            ha2 = _md5(f"REGISTER:{fields['uri']}")
            expected = _md5(f"{ha1}:n0nce:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
            reply = response(request, 200 if fields["response"] == expected else 403)
        self.transport.sendto(reply.to_bytes(), addr)


async def _register(password: str) -> tuple[int, Registrar]:
    loop = asyncio.get_running_loop()
    registrar = Registrar("s3cret")
    transport, _ = await loop.create_datagram_endpoint(
        lambda: registrar, local_addr=("127.0.0.1", 0)
    )
    address = transport.get_extra_info("sockname")

    async def idle(_: object) -> None:
        return None

    server = SipServer(SipConfig(host="127.0.0.1", port=0), idle)
    await server.start()
    account = Account((address[0], address[1]), "pbx.local", "1001", password)
    status = await register(server, account)
    await server.stop()
    transport.close()
    return status, registrar


def test_register_answers_the_challenge() -> None:
    status, registrar = asyncio.run(_register("s3cret"))
    assert status == 200
    first, second = registrar.seen
    assert first.cseq == (1, "REGISTER")
    assert second.cseq == (2, "REGISTER")
    assert first.call_id == second.call_id


def test_a_wrong_password_is_refused() -> None:
    status, _ = asyncio.run(_register("wrong"))
    assert status == 403
