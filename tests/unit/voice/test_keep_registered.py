"""Staying registered with a PBX: the ``--register`` account, renewals at the lifetime the
registrar granted, a too-brief expiry raised to its minimum, and unregistering."""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

import pytest
from tests.unit.voice.test_register import Registrar

from colloquy.agent.voice.sip import SipConfig, SipServer, parse
from colloquy.agent.voice.sip.dialog import response
from colloquy.agent.voice.sip.register import (
    Account,
    Binding,
    bind,
    granted_expiry,
    keep_registered,
    parse_account,
    unregister,
)
from colloquy.errors import UsageError


def test_an_account_from_a_sip_uri() -> None:
    account = parse_account("sip:1001@pbx.example.com:5080", "pw", expires=120)
    assert account == Account(("pbx.example.com", 5080), "pbx.example.com", "1001", "pw", 120)
    assert account.aor == "sip:1001@pbx.example.com"
    assert parse_account("SIP:agent@10.0.0.5", "").registrar == ("10.0.0.5", 5060)


@pytest.mark.parametrize(
    "uri", ["1001@pbx", "sip:pbx.example.com", "sip:@pbx", "sip:1001@pbx:port", "sip:1@pbx:70000"]
)
def test_a_bad_sip_uri_says_what_to_give(uri: str) -> None:
    with pytest.raises(UsageError, match=r"sip:USER@REGISTRAR|port"):
        parse_account(uri, "pw")


async def _registered(password: str, expires: int, seconds: float) -> tuple[list[int], Registrar]:
    loop = asyncio.get_running_loop()
    registrar = Registrar("s3cret")
    transport, _ = await loop.create_datagram_endpoint(
        lambda: registrar, local_addr=("127.0.0.1", 0)
    )
    port = transport.get_extra_info("sockname")[1]

    async def idle(_: object) -> None:
        return None

    server = SipServer(SipConfig(host="127.0.0.1", port=0), idle)
    await server.start()
    account = parse_account(f"sip:1001@localhost:{port}", password, expires=expires)
    statuses: list[int] = []
    task = asyncio.create_task(
        keep_registered(server, account, on_status=statuses.append, retry_s=0.2)
    )
    await asyncio.sleep(seconds)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if 200 in statuses:
        assert await unregister(server, account) == 200
    await server.stop()
    transport.close()
    return statuses, registrar


def test_the_binding_is_renewed_before_it_expires_and_removed_at_the_end() -> None:
    statuses, registrar = asyncio.run(_registered("s3cret", expires=1, seconds=2.0))
    assert len(statuses) >= 2
    assert set(statuses) == {200}
    expiries = [r.header("expires") for r in registrar.seen if r.header("authorization")]
    assert expiries[:-1] == ["1"] * (len(expiries) - 1)
    assert expiries[-1] == "0"
    assert all(r.uri == "sip:localhost" for r in registrar.seen)


def test_a_refused_password_is_reported_and_retried() -> None:
    statuses, _ = asyncio.run(_registered("wrong", expires=60, seconds=0.9))
    assert len(statuses) >= 2
    assert set(statuses) == {403}


class Granting(asyncio.DatagramProtocol):
    """A registrar without authentication that keeps bindings ``grant`` seconds, and answers
    423 Interval Too Brief below ``minimum`` (as Asterisk and Kamailio do)."""

    def __init__(self, grant: int, minimum: int = 0) -> None:
        self.grant = grant
        self.minimum = minimum
        self.asked: list[int] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        request = parse(data)
        asked = int(request.require("expires"))
        self.asked.append(asked)
        if 0 < asked < self.minimum:
            reply = response(request, 423, extra=(("Min-Expires", str(self.minimum)),))
        else:
            contact = f"{request.require('contact')};expires={min(asked, self.grant)}"
            reply = response(request, 200, extra=(("Contact", contact), ("Expires", "999")))
        self.transport.sendto(reply.to_bytes(), addr)


async def _with(registrar: Granting, expires: int, seconds: float) -> tuple[Binding, list[int]]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: registrar, local_addr=("127.0.0.1", 0)
    )

    async def idle(_: object) -> None:
        return None

    server = SipServer(SipConfig(host="127.0.0.1", port=0), idle)
    await server.start()
    port = transport.get_extra_info("sockname")[1]
    account = parse_account(f"sip:agent@127.0.0.1:{port}", "", expires=expires)
    first = await bind(server, account)
    statuses: list[int] = []
    task = asyncio.create_task(keep_registered(server, account, on_status=statuses.append))
    await asyncio.sleep(seconds)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await server.stop()
    transport.close()
    return first, statuses


def test_a_shorter_lifetime_granted_is_renewed_in_time() -> None:
    registrar = Granting(grant=1)
    first, statuses = asyncio.run(_with(registrar, expires=3600, seconds=2.0))
    assert first == Binding(200, 1)
    assert len(statuses) >= 2
    assert set(statuses) == {200}
    assert set(registrar.asked) == {3600}


def test_too_brief_an_expiry_is_raised_to_the_minimum() -> None:
    registrar = Granting(grant=7200, minimum=600)
    first, _ = asyncio.run(_with(registrar, expires=60, seconds=0.2))
    assert first == Binding(200, 600)
    assert registrar.asked[:2] == [60, 600]


def test_the_expires_header_counts_when_no_contact_says() -> None:
    reply = parse(
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>\r\nTo: <sip:a@b>\r\n"
        b"Call-ID: c\r\nCSeq: 1 REGISTER\r\nContact: <sip:other@10.0.0.2:5060>;expires=30\r\n"
        b"Expires: 120\r\nContent-Length: 0\r\n\r\n"
    )
    assert granted_expiry(reply, "sip:agent@10.0.0.1:5060", 300) == 120
    assert granted_expiry(reply, "sip:other@10.0.0.2:5060", 300) == 30
