"""Concurrent requests' texts grouped into one encoder call (micro-batching).

One encoder call on 16 texts costs far less than 16 calls on one text (the fixed cost of
a call, and the matrix products fill the cores better), so under load the batcher turns
many small calls into a few larger ones. Requests wait in an asyncio queue; one worker
takes everything queued (up to ``max_batch`` texts), waits up to ``max_wait_ms`` for
more only when the batch is not full yet, and runs the batch on its own thread while
the next batch fills. With ``max_wait_ms=0`` a lone request never waits for company:
batches form only from requests that queued while the previous batch ran.

Every request of a batch is answered by the same model object, read from the holder
once per batch. A batch that fails as a whole (it should not: each request's texts are
checked before queueing) is retried one request at a time, so one request's error is
never another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from colloquy.errors import ColloquyError
from colloquy.pipelines.intent import IntentModel
from colloquy.pipelines.records import IntentPrediction
from colloquy.serving.holder import ModelHolder, ModelUnavailableError
from colloquy.serving.inference.base import (
    InferenceObserver,
    IntentAnswer,
    IntentInference,
    check_request,
)
from colloquy.serving.records import Served

__all__ = ["MicroBatchInference"]


@dataclass
class _Pending:
    texts: tuple[str, ...]
    top_k: int
    future: asyncio.Future[IntentAnswer] = field(repr=False)


class MicroBatchInference(IntentInference):
    """Groups concurrent requests into encoder calls of at most ``max_batch`` texts."""

    def __init__(
        self,
        holder: ModelHolder[IntentModel],
        *,
        max_batch: int = 32,
        max_wait_ms: float = 0.0,
        observe: InferenceObserver | None = None,
    ) -> None:
        super().__init__(holder, observe=observe)
        if max_batch < 1 or max_wait_ms < 0:
            raise ValueError("max_batch must be >= 1 and max_wait_ms >= 0")
        self.max_batch = max_batch
        self.max_wait_ms = max_wait_ms
        self.batches = 0
        self.batched_texts = 0
        self._queue: asyncio.Queue[_Pending] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._pool: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        if self._worker is None:
            self._queue = asyncio.Queue()
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="colloquy-intent-batch")
            self._worker = asyncio.create_task(
                self._run(self._queue, self._pool), name="colloquy-intent-batcher"
            )

    async def aclose(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        queue, self._queue = self._queue, None
        while queue is not None and not queue.empty():
            pending = queue.get_nowait()
            if not pending.future.done():
                pending.future.set_exception(
                    ModelUnavailableError("intent", "the server is shutting down")
                )
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True)

    async def predict(self, texts: Sequence[str], top_k: int = 1) -> IntentAnswer:
        check_request(texts, top_k)
        self.holder.require()
        await self.start()
        queue = self._queue
        if queue is None:
            raise ModelUnavailableError("intent", "the intent batcher is shutting down")
        future: asyncio.Future[IntentAnswer] = asyncio.get_running_loop().create_future()
        await queue.put(_Pending(tuple(texts), top_k, future))
        return await future

    async def _run(self, queue: asyncio.Queue[_Pending], pool: ThreadPoolExecutor) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect(queue)
            try:
                served = self.holder.require()
            except ModelUnavailableError as exc:
                for pending in batch:
                    _fail(pending, exc)
                continue
            started = time.perf_counter()
            try:
                answers = await loop.run_in_executor(pool, _answer, served, batch)
            except Exception as exc:  # the worker must outlive a broken batch
                for pending in batch:
                    _fail(pending, exc)
                continue
            if self.observe is not None:
                self.observe(served.identity.label, time.perf_counter() - started)
            self.batches += 1
            self.batched_texts += sum(len(p.texts) for p in batch)
            for pending, answer in zip(batch, answers, strict=True):
                if pending.future.done():
                    continue
                if isinstance(answer, BaseException):
                    pending.future.set_exception(answer)
                else:
                    pending.future.set_result(answer)

    async def _collect(self, queue: asyncio.Queue[_Pending]) -> list[_Pending]:
        """The next batch: the first request, all queued behind it, and late-comers."""
        batch = [await queue.get()]
        size = len(batch[0].texts)
        deadline = time.monotonic() + self.max_wait_ms / 1000
        while size < self.max_batch:
            if queue.empty():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    pending = await asyncio.wait_for(queue.get(), timeout=left)
                except TimeoutError:
                    break
            else:
                pending = queue.get_nowait()
            batch.append(pending)
            size += len(pending.texts)
        return [p for p in batch if not p.future.cancelled()]


def _fail(pending: _Pending, exc: BaseException) -> None:
    if not pending.future.done():
        pending.future.set_exception(exc)


def _answer(
    served: Served[IntentModel], batch: list[_Pending]
) -> list[IntentAnswer | BaseException]:
    """Every request's answer from one encoder call (one call per request if that fails)."""
    if not batch:
        return []
    texts = [text for pending in batch for text in pending.texts]
    widest = max(pending.top_k for pending in batch)
    try:
        predictions = served.model.predict(texts, top_k=widest)
    except ColloquyError:
        return [_alone(served, pending) for pending in batch]
    answers: list[IntentAnswer | BaseException] = []
    start = 0
    for pending in batch:
        mine = predictions[start : start + len(pending.texts)]
        start += len(pending.texts)
        narrowed = tuple(_narrowed(p, pending.top_k) for p in mine)
        answers.append(IntentAnswer(narrowed, served.identity, served.model.oos_label))
    return answers


def _alone(served: Served[IntentModel], pending: _Pending) -> IntentAnswer | BaseException:
    try:
        predictions = served.model.predict(list(pending.texts), top_k=pending.top_k)
    except ColloquyError as exc:
        return exc
    return IntentAnswer(tuple(predictions), served.identity, served.model.oos_label)


def _narrowed(prediction: IntentPrediction, top_k: int) -> IntentPrediction:
    if len(prediction.top_k) <= top_k:
        return prediction
    return prediction.model_copy(update={"top_k": prediction.top_k[:top_k]})
