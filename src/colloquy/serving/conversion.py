"""Conversion scoring off the event loop: probability, running score, explanation, insights.

A conversion answer costs one model call per turn (the running probability and the
leave-one-turn-out explanation), so it runs on a worker thread. A *partial* conversation
is a call still in progress (live scoring): it is scored as far as it goes, and its
insights, which describe a finished conversation, are left out unless asked for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from colloquy.errors import DataError
from colloquy.pipelines.conversion_model import ConversionModel
from colloquy.pipelines.records import ConversionPrediction
from colloquy.schema import Conversation
from colloquy.schema.conversation import JsonValue
from colloquy.serving.holder import ModelHolder
from colloquy.serving.inference.base import InferenceObserver
from colloquy.serving.records import ModelIdentity

__all__ = ["ConversionAnswer", "ConversionScorer"]


@dataclass(frozen=True)
class ConversionAnswer:
    """One conversation's prediction and the model version that made it."""

    prediction: ConversionPrediction
    identity: ModelIdentity
    partial: bool


class ConversionScorer:
    """Scores conversations with the model a holder serves, ``workers`` at a time."""

    def __init__(
        self,
        holder: ModelHolder[ConversionModel],
        *,
        workers: int = 2,
        observe: InferenceObserver | None = None,
    ) -> None:
        self.holder = holder
        self.workers = workers
        self.observe = observe
        self._pool: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="colloquy-conversion")

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True)

    async def predict(
        self,
        conversation: Conversation,
        *,
        metadata: Mapping[str, JsonValue] | None = None,
        partial: bool = False,
        insights: bool | None = None,
    ) -> ConversionAnswer:
        """Score ``conversation`` (with ``metadata`` merged into its own)."""
        if not conversation.customer_turns():
            raise DataError(
                f"conversation {conversation.id!r} has no customer turn to score",
                hint="send at least one turn with speaker 'customer'",
            )
        served = self.holder.require()
        await self.start()
        wanted = (not partial) if insights is None else insights
        started = time.perf_counter()
        prediction = await asyncio.get_running_loop().run_in_executor(
            self._pool,
            lambda: served.model.predict(conversation, metadata=metadata, insights=wanted),
        )
        if self.observe is not None:
            self.observe(served.identity.label, time.perf_counter() - started)
        return ConversionAnswer(prediction=prediction, identity=served.identity, partial=partial)
