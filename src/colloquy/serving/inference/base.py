"""The seam between a request and the intent model: who runs the CPU-bound encoder call.

Encoding a text is CPU work that would stall the event loop (and every other request on
it), so it always runs on a worker thread. Two strategies implement the seam: a thread
pool that runs each request's call as it comes, and a micro-batcher that groups the
texts of concurrent requests into one encoder call. Which is faster on the machine is
measured by ``benchmarks/api.py``; both answer with the identity of the model that
actually computed the answer, which matters when a swap happens between two requests.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from colloquy.errors import UsageError
from colloquy.pipelines.intent import IntentModel, check_texts
from colloquy.pipelines.records import IntentPrediction
from colloquy.serving.holder import ModelHolder
from colloquy.serving.records import ModelIdentity

__all__ = ["InferenceObserver", "IntentAnswer", "IntentInference", "check_request"]

InferenceObserver = Callable[[str, float], None]
"""Called with the model's label and the seconds one encoder call took (metrics)."""


@dataclass(frozen=True)
class IntentAnswer:
    """The predictions for one request's texts and the model version that made them."""

    predictions: tuple[IntentPrediction, ...]
    identity: ModelIdentity
    oos_label: str | None = None
    """The label the model answers below its out-of-scope threshold, if it has one."""


def check_request(texts: Sequence[str], top_k: int) -> None:
    """Refuse what the model would refuse, before the request joins anyone else's batch."""
    if isinstance(texts, str):
        raise UsageError("expected a list of texts, got one string", hint="wrap it: [text]")
    if not texts:
        raise UsageError("no texts to classify", hint="send at least one text")
    if top_k < 1:
        raise UsageError(f"top_k must be at least 1, got {top_k}")
    check_texts(texts)


class IntentInference(ABC):
    """Runs intent predictions off the event loop for the model a holder serves."""

    def __init__(
        self, holder: ModelHolder[IntentModel], *, observe: InferenceObserver | None = None
    ) -> None:
        self.holder = holder
        self.observe = observe

    @abstractmethod
    async def start(self) -> None:
        """Start the workers; called once inside the running event loop."""

    @abstractmethod
    async def aclose(self) -> None:
        """Finish or fail what is queued, then stop the workers."""

    @abstractmethod
    async def predict(self, texts: Sequence[str], top_k: int = 1) -> IntentAnswer:
        """The intent of each text with its ``top_k`` alternatives."""
