"""Each request's texts in their own encoder call, on a small pool of threads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from colloquy.pipelines.intent import IntentModel
from colloquy.serving.holder import ModelHolder
from colloquy.serving.inference.base import (
    InferenceObserver,
    IntentAnswer,
    IntentInference,
    check_request,
)

__all__ = ["ThreadPoolInference"]


class ThreadPoolInference(IntentInference):
    """One encoder call per request, ``workers`` at a time.

    The encoder already spreads one call over the cores, so more workers than cores
    mostly adds contention; the pool exists to keep the event loop free.
    """

    def __init__(
        self,
        holder: ModelHolder[IntentModel],
        *,
        workers: int = 2,
        observe: InferenceObserver | None = None,
    ) -> None:
        super().__init__(holder, observe=observe)
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="colloquy-intent")

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True)

    async def predict(self, texts: Sequence[str], top_k: int = 1) -> IntentAnswer:
        check_request(texts, top_k)
        served = self.holder.require()
        await self.start()
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        predictions = await loop.run_in_executor(
            self._pool, lambda: served.model.predict(list(texts), top_k=top_k)
        )
        if self.observe is not None:
            self.observe(served.identity.label, time.perf_counter() - started)
        return IntentAnswer(tuple(predictions), served.identity, served.model.oos_label)
