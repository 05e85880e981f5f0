"""Serving models to many callers: load once, warm up, hot-swap, infer off the event loop.

The HTTP API (``colloquy.services.api``) is a thin edge over this package:

- :class:`ModelLocator` turns ``DIR``, ``NAME@ALIAS``, ``NAME/VERSION`` or nothing (the
  registry's champion of the kind) into a model directory, and tells whether it moved;
- :class:`ModelHolder` keeps the current model and swaps in a new version when the
  reference moves, without disturbing requests that hold the old one;
- :class:`ThreadPoolInference` (default, measured faster) and :class:`MicroBatchInference`
  run intent predictions off the event loop; :class:`ConversionScorer` runs conversion
  predictions;
- :class:`ModelRuntime` puts them together for one server process.
"""

from colloquy.serving.conversion import ConversionAnswer, ConversionScorer
from colloquy.serving.holder import ModelHolder, ModelUnavailableError
from colloquy.serving.inference import (
    InferenceObserver,
    IntentAnswer,
    IntentInference,
    MicroBatchInference,
    ThreadPoolInference,
)
from colloquy.serving.loading import CONVERSION_LOADER, INTENT_LOADER, ModelLoader
from colloquy.serving.locator import ModelLocator, RegistryFactory, manifest_of
from colloquy.serving.records import Located, ModelIdentity, Served, ServingKind
from colloquy.serving.runtime import (
    InferenceMode,
    ModelObserver,
    ModelRuntime,
    ServingConfig,
    settings_registry,
)

__all__ = [
    "CONVERSION_LOADER",
    "INTENT_LOADER",
    "ConversionAnswer",
    "ConversionScorer",
    "InferenceMode",
    "InferenceObserver",
    "IntentAnswer",
    "IntentInference",
    "Located",
    "MicroBatchInference",
    "ModelHolder",
    "ModelIdentity",
    "ModelLoader",
    "ModelLocator",
    "ModelObserver",
    "ModelRuntime",
    "ModelUnavailableError",
    "RegistryFactory",
    "Served",
    "ServingConfig",
    "ServingKind",
    "ThreadPoolInference",
    "manifest_of",
    "settings_registry",
]
