"""Staying registered with a PBX: the ``--register`` account, renewals, and unregistering."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from tests.unit.voice.test_register import Registrar

from colloquy.agent.voice.sip import SipConfig, SipServer
from colloquy.agent.voice.sip.register import (
    Account,
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
