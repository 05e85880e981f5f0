"""Journeys: YAML state machines, their activation by embedding, slot filling, storage.

::

    load_journey / parse_journey / bundled_journeys   YAML → Journey (schema + rules)
    JourneyActivator                                  message → ActivationResult
    ActivationCache (cache.py)                        the cache seam, levels in LayeredCache
    ├── MemoryCache   (cache_memory.py)               L1, in-process LRU
    ├── RedisCache    (cache_redis.py)                L2, shared by workers
    └── StoreCache    (cache_store.py)                L3, the store's journey_activations
    activation_cache(redis_url=, store=)              L1, plus L2/L3 when configured
    SlotFiller                                        patterns, then the LLM's structured output
    JourneyStore                                      versions in the store, pinned per session
"""

from __future__ import annotations

from colloquy.agent.journeys.activation import ActivationResult, JourneyActivator
from colloquy.agent.journeys.cache import ActivationCache, CacheHit, LayeredCache
from colloquy.agent.journeys.cache_factory import activation_cache
from colloquy.agent.journeys.cache_memory import MemoryCache
from colloquy.agent.journeys.cache_store import StoreCache
from colloquy.agent.journeys.loader import (
    bundled_journeys,
    load_directory,
    load_journey,
    load_journeys,
    parse_journey,
)
from colloquy.agent.journeys.records import (
    Journey,
    JourneyRef,
    JourneyState,
    Slot,
    SlotType,
    ToolStep,
    Transition,
)
from colloquy.agent.journeys.slots import SlotFill, SlotFiller, extract
from colloquy.agent.journeys.store import JourneyContext, JourneyStore
from colloquy.agent.journeys.validation import DefinitionError

__all__ = [
    "ActivationCache",
    "ActivationResult",
    "CacheHit",
    "DefinitionError",
    "Journey",
    "JourneyActivator",
    "JourneyContext",
    "JourneyRef",
    "JourneyState",
    "JourneyStore",
    "LayeredCache",
    "MemoryCache",
    "Slot",
    "SlotFill",
    "SlotFiller",
    "SlotType",
    "StoreCache",
    "ToolStep",
    "Transition",
    "activation_cache",
    "bundled_journeys",
    "extract",
    "load_directory",
    "load_journey",
    "load_journeys",
    "parse_journey",
]
