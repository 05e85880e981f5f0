"""L3: the store's ``journey_activations`` table, so a restarted process starts warm."""

from __future__ import annotations

from colloquy.agent.journeys.cache import ActivationCache
from colloquy.storage.journeys import JourneyRepository
from colloquy.storage.store import Store


class StoreCache(ActivationCache):
    name = "l3-store"

    def __init__(self, store: Store) -> None:
        self.repository = JourneyRepository(store)

    def get(self, key: str) -> str | None:
        return self.repository.cached_activation(key)

    def put(self, key: str, payload: str) -> None:
        self.repository.cache_activation(key, payload)
