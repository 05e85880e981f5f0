"""Micro-batching and the thread pool answer every request as the model alone would."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from colloquy.errors import DataError, NotFoundError, UsageError
from colloquy.pipelines.intent import IntentModel
from colloquy.serving import (
    INTENT_LOADER,
    IntentInference,
    MicroBatchInference,
    ModelHolder,
    ModelLocator,
    ModelUnavailableError,
    ThreadPoolInference,
)
from colloquy.tracking.registry import ModelRegistry

TEXTS = [
    "my card has not arrived yet",
    "what is your exchange rate for dollars",
    "I typed my PIN wrong three times",
    "when will my new card come",
    "how much is one euro in pounds",
    "my pin is blocked, help",
]


def no_registry() -> ModelRegistry:
    raise NotFoundError("no model registry in these tests")


@pytest.fixture
def holder(first_model: Path, tmp_path: Path) -> ModelHolder[IntentModel]:
    locator = ModelLocator("intent", str(first_model), registry=no_registry, cache_dir=tmp_path)
    loaded = ModelHolder("intent", locator, INTENT_LOADER, poll_interval=0)
    loaded.start()
    return loaded


async def _many(inference: IntentInference, count: int) -> list[tuple[list[str], int, object]]:
    requests = [
        ([TEXTS[i % len(TEXTS)]] if i % 3 else TEXTS[: 1 + i % len(TEXTS)], 1 + i % 4)
        for i in range(count)
    ]
    await inference.start()
    try:
        answers = await asyncio.gather(*(inference.predict(t, top_k=k) for t, k in requests))
    finally:
        await inference.aclose()
    return [(t, k, a) for (t, k), a in zip(requests, answers, strict=True)]


@pytest.mark.parametrize("kind", ["micro-batch", "thread-pool"])
def test_concurrent_requests_get_their_own_answers(
    kind: str, holder: ModelHolder[IntentModel]
) -> None:
    inference: IntentInference
    if kind == "micro-batch":
        inference = MicroBatchInference(holder, max_batch=16, max_wait_ms=5)
    else:
        inference = ThreadPoolInference(holder, workers=2)
    model = holder.require().model
    results = asyncio.run(_many(inference, 60))
    for texts, top_k, answer in results:
        expected = model.predict(texts, top_k=top_k)
        assert list(answer.predictions) == expected  # type: ignore[attr-defined]
        assert answer.identity.label == holder.require().identity.label  # type: ignore[attr-defined]
    if isinstance(inference, MicroBatchInference):
        assert inference.batched_texts == sum(len(t) for t, _, _ in results)
        assert inference.batches < 60  # requests were grouped
        assert max(len(t) for t, _, _ in results) <= inference.max_batch


def test_a_bad_request_fails_alone(holder: ModelHolder[IntentModel]) -> None:
    batcher = MicroBatchInference(holder, max_wait_ms=5)

    async def run() -> list[object]:
        await batcher.start()
        try:
            answers = await asyncio.gather(
                batcher.predict([TEXTS[0]]),
                batcher.predict(["   "]),
                batcher.predict([]),
                batcher.predict([TEXTS[1]], top_k=0),
                batcher.predict([TEXTS[2]]),
                return_exceptions=True,
            )
            return list(answers)
        finally:
            await batcher.aclose()

    good, blank, empty, bad_k, other = asyncio.run(run())
    assert isinstance(blank, DataError)
    assert isinstance(empty, UsageError)
    assert isinstance(bad_k, UsageError)
    assert good.predictions[0].intent == "card_arrival"  # type: ignore[attr-defined]
    assert other.predictions[0].intent == "pin_blocked"  # type: ignore[attr-defined]


def test_an_empty_holder_answers_unavailable(tmp_path: Path) -> None:
    locator = ModelLocator("intent", None, registry=no_registry, cache_dir=tmp_path)
    empty = ModelHolder[IntentModel]("intent", locator, INTENT_LOADER, poll_interval=0)
    empty.start()
    with pytest.raises(ModelUnavailableError):
        asyncio.run(MicroBatchInference(empty).predict(["hello"]))
