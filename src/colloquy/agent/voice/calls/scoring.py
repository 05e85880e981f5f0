"""Conversion scores for calls: the probability a call converts, after each of its turns.

Scoring runs in one thread of its own, shared by every call, so the event loop carrying the
audio never waits for a model and a burst of turns queues behind the model rather than
competing with speech recognition for the cores. Scores are observed into the
``voice_conversion_score`` histogram and the time each took into
``voice_conversion_scoring_seconds``.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Histogram

from colloquy.models.conversion import ConversionPredictor
from colloquy.schema import Conversation

if TYPE_CHECKING:
    from colloquy.config import Settings

SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
TIME_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


@dataclass(frozen=True)
class ScoringMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    score: Histogram = field(init=False)
    seconds: Histogram = field(init=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(
            self,
            "score",
            Histogram(
                "voice_conversion_score",
                "Conversion probability of calls in progress, after each turn.",
                buckets=SCORE_BUCKETS,
                registry=self.registry,
            ),
        )
        put(
            self,
            "seconds",
            Histogram(
                "voice_conversion_scoring_seconds",
                "Time the conversion model took to score a call so far.",
                buckets=TIME_BUCKETS,
                registry=self.registry,
            ),
        )


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    milliseconds: float


class CallScorer:
    """A loaded conversion model scoring calls off the event loop."""

    def __init__(
        self,
        predictor: ConversionPredictor,
        *,
        name: str = "conversion",
        metrics: ScoringMetrics | None = None,
    ) -> None:
        self.predictor = predictor
        self.name = name
        self.metrics = metrics or ScoringMetrics()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="voice-conversion")

    async def score(self, conversation: Conversation) -> Scored:
        """P(convert) of the conversation as it stands now."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._score, conversation)

    async def running(self, conversation: Conversation) -> list[float]:
        """P(convert) after each spoken turn (what a call in progress saw, turn by turn)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self.predictor.running_scores, conversation)

    def _score(self, conversation: Conversation) -> Scored:
        began = time.perf_counter()
        value = self.predictor.score(conversation)
        spent = time.perf_counter() - began
        self.metrics.score.observe(value)
        self.metrics.seconds.observe(spent)
        return Scored(value, spent * 1e3)

    def close(self) -> None:
        self._thread.shutdown(wait=False)


def load_call_scorer(
    reference: str, settings: Settings, *, metrics: ScoringMetrics | None = None
) -> CallScorer:
    """The conversion model ``reference`` names: a directory, ``NAME@ALIAS`` or
    ``NAME/VERSION`` of the model registry, resolved as ``colloquy serve`` resolves it."""
    from colloquy.features.embeddings.cache import default_cache_path
    from colloquy.pipelines.conversion_model import ConversionModel
    from colloquy.serving.locator import ModelLocator
    from colloquy.serving.runtime import settings_registry

    home = settings.resolved_home
    locator = ModelLocator(
        "conversion",
        reference,
        registry=settings_registry(settings),
        cache_dir=home / "mlflow" / "downloads",
    )
    located = locator.locate()
    model = ConversionModel.load(Path(located.path), cache_path=default_cache_path(home))
    return CallScorer(model.predictor, name=f"{located.name}/{located.version}", metrics=metrics)


__all__ = ["CallScorer", "Scored", "ScoringMetrics", "load_call_scorer"]
