"""The responder seam: a turn's context in, the agent's reply out (whole or sentence by sentence).

The engine calls :meth:`Responder.respond` for a text channel and :meth:`Responder.stream`
for voice, where each sentence is validated and spoken as soon as it is complete; the
validator calls :meth:`Responder.regenerate` (at most a bounded number of times) with what
was wrong. A stream is an iterator of sentences that also knows, once drained, the whole
:class:`Reply` the audit records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Generator, Iterator
from typing import ClassVar

from colloquy.agent.respond.sentences import split_sentences
from colloquy.agent.turn import Reply, TurnContext


class ReplyStream(Iterator[str]):
    """Sentences of a reply as they become ready; :attr:`reply` once they are all out.

    ``chunks`` yields the sentences and finally returns the :class:`Reply` (a generator's
    return value), so the record always matches what was streamed.
    """

    def __init__(self, chunks: Generator[str, None, Reply]) -> None:
        self._chunks = chunks
        self._reply: Reply | None = None

    def __iter__(self) -> ReplyStream:
        return self

    def __next__(self) -> str:
        if self._reply is not None:
            raise StopIteration
        try:
            return next(self._chunks)
        except StopIteration as stop:
            self._reply = stop.value
            raise StopIteration from None

    @property
    def done(self) -> bool:
        return self._reply is not None

    @property
    def reply(self) -> Reply:
        """The whole reply; reading it before the stream is drained drains the rest."""
        deque(self, maxlen=0)
        if self._reply is None:
            raise RuntimeError("the reply stream ended without a reply")
        return self._reply

    @classmethod
    def of(cls, reply: Reply) -> ReplyStream:
        """A finished reply, handed out one sentence at a time."""

        def sentences() -> Generator[str, None, Reply]:
            yield from split_sentences(reply.text)
            return reply

        return cls(sentences())


class Responder(ABC):
    """Writes the agent's reply for one turn from its :class:`TurnContext` alone."""

    name: ClassVar[str]
    """What :attr:`Reply.responder` says for a reply of this responder."""

    @abstractmethod
    def respond(self, ctx: TurnContext) -> Reply:
        """The reply to this turn."""

    @abstractmethod
    def regenerate(self, ctx: TurnContext, feedback: str) -> Reply:
        """A new reply after the validator rejected one; ``feedback`` says what failed."""

    def stream(self, ctx: TurnContext) -> ReplyStream:
        """The reply sentence by sentence (this default writes it whole, then splits it)."""
        return ReplyStream.of(self.respond(ctx))


__all__ = ["ReplyStream", "Responder"]
