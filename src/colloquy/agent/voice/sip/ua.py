"""A native asyncio SIP user agent over UDP: answers calls and runs one task per call.

Every datagram goes through the strict parser; what it rejects is counted and, when it is
a request with enough headers to reply to, answered 400 — the server never raises on input.
An INVITE gets 100 Trying, an SDP answer in 200 OK (retransmitted until the ACK, RFC 3261
timer T1 doubling), and its own media session and call task; BYE and CANCEL end it;
OPTIONS answers what we allow. The call handler (the voice pipeline) runs until the caller
hangs up or it returns, in which case the agent sends BYE.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from colloquy.agent.voice.g711 import Codec
from colloquy.agent.voice.rtp.session import RtpSession
from colloquy.agent.voice.sip import sdp
from colloquy.agent.voice.sip.dialog import contact_uri, new_branch, new_tag, response
from colloquy.agent.voice.sip.message import SipMessage, SipParseError, parse
from colloquy.logging import get_logger

log = get_logger(__name__)

T1_S = 0.5
TIMER_H_S = 32.0


@dataclass(frozen=True, slots=True)
class SipConfig:
    host: str = "0.0.0.0"
    port: int = 5060
    advertised_host: str = "127.0.0.1"
    """The address put into Contact and SDP: what phones can reach."""
    rtp_ports: range = range(20000, 30000)
    jitter_depth: int = 3
    symmetric_rtp: bool = True
    """Send media to where the caller's packets come from (NAT), not only the SDP's address."""


@dataclass(slots=True)
class ServerCounters:
    datagrams: int = 0
    malformed: int = 0
    calls_started: int = 0
    calls_ended: int = 0
    calls_failed: int = 0


@dataclass(slots=True)
class SipCall:
    """One answered call: its dialog and its media."""

    call_id: str
    media: RtpSession
    invite: SipMessage
    local_tag: str
    remote: tuple[str, int]
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    answer: SipMessage | None = None
    cseq: int = 1
    hung_up_by_agent: bool = False

    @property
    def caller(self) -> str:
        return contact_uri(self.invite.require("from"))


CallHandler = Callable[[SipCall], Coroutine[Any, Any, None]]


class SipServer(asyncio.DatagramProtocol):
    def __init__(self, config: SipConfig, handler: CallHandler) -> None:
        self.config = config
        self.handler = handler
        self.calls: dict[str, SipCall] = {}
        self.counters = ServerCounters()
        self._pending: dict[str, SipMessage] = {}
        self._waiting: dict[tuple[str, int], asyncio.Queue[SipMessage]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> int:
        """Bind the UDP port; returns it (useful with port 0)."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.config.host, self.config.port)
        )
        self._transport = transport
        port: int = transport.get_extra_info("sockname")[1]
        return port

    @property
    def port(self) -> int:
        if self._transport is None:
            return self.config.port
        port: int = self._transport.get_extra_info("sockname")[1]
        return port

    async def stop(self) -> None:
        for call in list(self.calls.values()):
            call.ended.set()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.counters.datagrams += 1
        if not data.strip():
            return
        try:
            message = parse(data)
        except SipParseError as exc:
            self.counters.malformed += 1
            log.debug("sip_malformed", peer=f"{addr[0]}:{addr[1]}", error=str(exc))
            return
        if not message.is_request:
            self._response(message)
            return
        try:
            if message.is_request:
                self._request(message, addr)
        except SipParseError as exc:
            self.counters.malformed += 1
            log.debug("sip_malformed", peer=f"{addr[0]}:{addr[1]}", error=str(exc))
            self._send(response(message, 400), addr)

    def _response(self, message: SipMessage) -> None:
        """A response to a request we sent (REGISTER, BYE): to whoever awaits it."""
        try:
            key = (message.call_id, message.cseq[0])
        except SipParseError:
            self.counters.malformed += 1
            return
        queue = self._waiting.get(key)
        if queue is not None:
            queue.put_nowait(message)

    async def transact(
        self, request: SipMessage, addr: tuple[str, int], timeout_s: float = 5.0
    ) -> SipMessage:
        """Send ``request`` (retransmitted on timer T1) and return its final response."""
        key = (request.call_id, request.cseq[0])
        queue: asyncio.Queue[SipMessage] = asyncio.Queue()
        self._waiting[key] = queue
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        interval = T1_S
        try:
            self._send(request, addr)
            while True:
                left = deadline - loop.time()
                if left <= 0:
                    raise TimeoutError(f"no final response to {request.method} from {addr}")
                try:
                    reply = await asyncio.wait_for(queue.get(), min(interval, left))
                except TimeoutError:
                    self._send(request, addr)
                    interval = min(interval * 2, 4.0)
                    continue
                if reply.status is not None and reply.status >= 200:
                    return reply
        finally:
            self._waiting.pop(key, None)

    def _send(self, message: SipMessage, addr: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(message.to_bytes(), addr)

    def _contact(self) -> str:
        return f"<sip:agent@{self.config.advertised_host}:{self.port}>"

    def _request(self, message: SipMessage, addr: tuple[str, int]) -> None:
        method = message.method
        call = self.calls.get(message.call_id)
        if method == "OPTIONS":
            self._send(response(message, 200, to_tag=new_tag(), contact=self._contact()), addr)
        elif method == "INVITE":
            self._invite(message, call, addr)
        elif method == "ACK":
            if call is not None:
                call.acked.set()
        elif method == "BYE":
            if call is None:
                self._send(response(message, 481), addr)
                return
            self._send(response(message, 200), addr)
            call.ended.set()
        elif method == "CANCEL":
            self._cancel(message, call, addr)
        else:
            self._send(response(message, 405), addr)

    def _invite(self, message: SipMessage, call: SipCall | None, addr: tuple[str, int]) -> None:
        if call is not None:
            if call.answer is not None and not call.acked.is_set():
                self._send(call.answer, addr)
            return
        if message.call_id in self._pending:
            return
        self._send(response(message, 100), addr)
        try:
            offer = sdp.parse_offer(message.body)
            media = sdp.answer(offer)
        except sdp.SdpError as exc:
            log.info("sip_offer_refused", call_id=message.call_id, reason=str(exc))
            self._send(response(message, 488, to_tag=new_tag()), addr)
            return
        self._pending[message.call_id] = message
        self._spawn(self._answer(message, media, addr))

    def _cancel(self, message: SipMessage, call: SipCall | None, addr: tuple[str, int]) -> None:
        invite = self._pending.pop(message.call_id, None)
        if invite is None:
            self._send(response(message, 481 if call is None else 200), addr)
            return
        self._send(response(message, 200), addr)
        self._send(response(invite, 487, to_tag=new_tag()), addr)

    def _spawn(self, work: Awaitable[None]) -> None:
        async def guarded() -> None:
            await work

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(
        self, invite: SipMessage, media: sdp.MediaAnswer, addr: tuple[str, int]
    ) -> None:
        session = RtpSession(
            media.codec,
            media.remote,
            dtmf_payload_type=media.dtmf_payload_type,
            jitter_depth=self.config.jitter_depth,
            latch=self.config.symmetric_rtp,
        )
        try:
            port = await session.open(self.config.host, self.config.rtp_ports)
        except OSError as exc:
            self._pending.pop(invite.call_id, None)
            log.warning("sip_no_media_port", call_id=invite.call_id, error=str(exc))
            self._send(response(invite, 503, to_tag=new_tag()), addr)
            return
        if self._pending.pop(invite.call_id, None) is None:
            await session.close()
            return
        tag = new_tag()
        body = sdp.describe(
            self.config.advertised_host, port, Codec(media.codec), media.dtmf_payload_type
        )
        call = SipCall(invite.call_id, session, invite, tag, addr)
        call.answer = response(invite, 200, to_tag=tag, contact=self._contact(), body=body)
        self.calls[call.call_id] = call
        self.counters.calls_started += 1
        self._send(call.answer, addr)
        await self._run(call)

    async def _retransmit(self, call: SipCall) -> None:
        """Resend the 200 OK until the ACK comes (timer G), give up after timer H."""
        interval, waited = T1_S, 0.0
        while waited < TIMER_H_S:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(call.acked.wait(), interval)
                return
            waited += interval
            interval = min(interval * 2, 4.0)
            if call.answer is not None:
                self._send(call.answer, call.remote)
        log.warning("sip_no_ack", call_id=call.call_id)
        call.ended.set()

    async def _run(self, call: SipCall) -> None:
        acked = asyncio.create_task(self._retransmit(call))
        talk = asyncio.create_task(self.handler(call))
        ended = asyncio.create_task(call.ended.wait())
        try:
            await asyncio.wait({talk, ended}, return_when=asyncio.FIRST_COMPLETED)
            if talk.done():
                if talk.exception() is not None:
                    self.counters.calls_failed += 1
                    log.error(
                        "voice_call_failed", call_id=call.call_id, error=repr(talk.exception())
                    )
                if not call.ended.is_set():
                    self.hangup(call)
            else:
                talk.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await talk
        finally:
            for task in (acked, ended):
                task.cancel()
            await call.media.close()
            self.calls.pop(call.call_id, None)
            self.counters.calls_ended += 1

    def hangup(self, call: SipCall) -> None:
        """Send BYE within the call's dialog (the agent ends the call)."""
        invite = call.invite
        call.cseq += 1
        target = contact_uri(invite.header("contact") or invite.require("from"))
        to = invite.require("from")
        local = f"{invite.require('to')};tag={call.local_tag}"
        headers = (
            ("Via", f"SIP/2.0/UDP {self.config.advertised_host}:{self.port};branch={new_branch()}"),
            ("Max-Forwards", "70"),
            ("From", local),
            ("To", to),
            ("Call-ID", call.call_id),
            ("CSeq", f"{call.cseq} BYE"),
            ("Contact", self._contact()),
        )
        self._send(SipMessage(headers, method="BYE", uri=target), call.remote)
        call.hung_up_by_agent = True
        call.ended.set()


__all__ = ["CallHandler", "ServerCounters", "SipCall", "SipConfig", "SipServer"]
