"""Everything a server needs to answer predictions: both models, their pollers and workers.

Built once per server process from a :class:`ServingConfig`; :meth:`ModelRuntime.start`
loads and warms up both models (a kind that has no model stays empty, and its predictions
answer "unavailable" while the rest of the server works), and :meth:`ModelRuntime.aclose`
stops the pollers and the workers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from colloquy.errors import NotFoundError
from colloquy.pipelines.conversion_model import ConversionModel
from colloquy.pipelines.intent import IntentModel
from colloquy.serving.conversion import ConversionScorer
from colloquy.serving.holder import ModelHolder
from colloquy.serving.inference import (
    InferenceObserver,
    IntentInference,
    MicroBatchInference,
    ThreadPoolInference,
)
from colloquy.serving.loading import CONVERSION_LOADER, INTENT_LOADER
from colloquy.serving.locator import ModelLocator, RegistryFactory
from colloquy.serving.records import ModelIdentity, ServingKind

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.tracking.registry import ModelRegistry

__all__ = ["InferenceMode", "ModelObserver", "ModelRuntime", "ServingConfig", "settings_registry"]

InferenceMode = Literal["micro-batch", "thread-pool"]
"""``thread-pool`` is the default: ``benchmarks/api.py`` measured it faster overall on 2
busy cores (a larger encoder batch cost more per text there, so grouping 32 requests
lost to two single-text calls side by side)."""
ModelObserver = Callable[[ServingKind, str, float], None]
"""Called with the kind, the model's ``NAME/VERSION`` and the seconds of one model call."""


@dataclass(frozen=True)
class ServingConfig:
    """How models are found and run. ``None`` references serve the registry's champions."""

    intent_model: str | None = None
    conversion_model: str | None = None
    poll_interval: float = 30.0
    inference: InferenceMode = "thread-pool"
    max_batch: int = 32
    max_wait_ms: float = 0.0
    workers: int = 2


def settings_registry(settings: Settings) -> RegistryFactory:
    """A factory for the registry of colloquy's configured MLflow store."""

    def build() -> ModelRegistry:
        from colloquy.tracking.factory import registry_from_settings
        from colloquy.tracking.uri import local_store_path

        uri = settings.resolved_mlflow_tracking_uri
        path = local_store_path(uri) if uri.startswith("sqlite:") else None
        if path is not None and not path.is_file():
            # Opening a SQLite store that is not there would create it (and run MLflow's
            # migrations, seconds) only to find nothing registered in it.
            raise NotFoundError(
                f"no model registry at {uri} yet: nothing has been registered",
                hint="register a model (a pipeline's register stage) or serve a directory",
            )
        return registry_from_settings(settings)

    return build


class ModelRuntime:
    """The served intent and conversion models and the workers that run them."""

    def __init__(
        self,
        config: ServingConfig,
        *,
        registry: RegistryFactory,
        cache_dir: Path,
        observe: ModelObserver | None = None,
    ) -> None:
        self.config = config
        self.intent = ModelHolder[IntentModel](
            "intent",
            ModelLocator("intent", config.intent_model, registry=registry, cache_dir=cache_dir),
            INTENT_LOADER,
            poll_interval=config.poll_interval,
        )
        self.conversion = ModelHolder[ConversionModel](
            "conversion",
            ModelLocator(
                "conversion", config.conversion_model, registry=registry, cache_dir=cache_dir
            ),
            CONVERSION_LOADER,
            poll_interval=config.poll_interval,
        )
        self.intents: IntentInference
        if config.inference == "micro-batch":
            self.intents = MicroBatchInference(
                self.intent,
                max_batch=config.max_batch,
                max_wait_ms=config.max_wait_ms,
                observe=_labelled(observe, "intent"),
            )
        else:
            self.intents = ThreadPoolInference(
                self.intent, workers=config.workers, observe=_labelled(observe, "intent")
            )
        self.conversions = ConversionScorer(
            self.conversion, workers=config.workers, observe=_labelled(observe, "conversion")
        )
        self._registry = registry

    @classmethod
    def from_settings(
        cls, config: ServingConfig, settings: Settings, *, observe: ModelObserver | None = None
    ) -> ModelRuntime:
        """A runtime over the registry and download cache of colloquy's ``settings``."""
        return cls(
            config,
            registry=settings_registry(settings),
            cache_dir=settings.resolved_home / "mlflow" / "downloads",
            observe=observe,
        )

    def registry(self) -> ModelRegistry:
        """The model registry (built on first use)."""
        return self.intent.locator.registry()

    def holders(self) -> tuple[ModelHolder[IntentModel], ModelHolder[ConversionModel]]:
        return self.intent, self.conversion

    def serving(self) -> dict[ServingKind, ModelIdentity | None]:
        """What each kind serves now (``None``: nothing loaded)."""
        intent, conversion = self.intent.current(), self.conversion.current()
        return {
            "intent": None if intent is None else intent.identity,
            "conversion": None if conversion is None else conversion.identity,
        }

    async def start(self) -> None:
        """Load and warm up both models off the event loop, then start workers and pollers."""
        await asyncio.gather(
            asyncio.to_thread(self.intent.start), asyncio.to_thread(self.conversion.start)
        )
        await self.intents.start()
        await self.conversions.start()

    async def refresh(self) -> None:
        """Check both references now (after an alias was moved through the API)."""
        await asyncio.gather(
            asyncio.to_thread(self.intent.refresh), asyncio.to_thread(self.conversion.refresh)
        )

    async def aclose(self) -> None:
        """Stop the pollers and the workers."""
        await asyncio.to_thread(self.intent.stop)
        await asyncio.to_thread(self.conversion.stop)
        await self.intents.aclose()
        await self.conversions.aclose()


def _labelled(observe: ModelObserver | None, kind: ServingKind) -> InferenceObserver | None:
    """``observe`` bound to one kind."""
    if observe is None:
        return None
    return lambda label, seconds: observe(kind, label, seconds)
