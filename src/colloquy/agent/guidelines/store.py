"""Guidelines in the store (one row per name and content hash, so edits keep history)."""

from __future__ import annotations

from colloquy.agent.guidelines.records import Guideline, Scope
from colloquy.storage.journeys import JourneyRepository, StoredGuideline
from colloquy.storage.store import Store


def save_guidelines(store: Store, guidelines: tuple[Guideline, ...]) -> int:
    """Store the versions not stored yet; returns how many rows were added."""
    rows = tuple(
        StoredGuideline(
            g.name,
            g.content_hash,
            g.scope.value,
            g.journey,
            g.state,
            g.priority,
            g.condition,
            g.action,
            g.keywords,
            g.source,
        )
        for g in guidelines
    )
    return JourneyRepository(store).save_guidelines(rows)


def stored_guidelines(store: Store) -> tuple[Guideline, ...]:
    """Every stored guideline version (regex patterns are not stored, only keywords)."""
    return tuple(
        Guideline(
            name=s.name,
            scope=Scope(s.scope),
            condition=s.condition,
            action=s.action,
            priority=s.priority,
            keywords=s.keywords,
            journey=s.journey,
            state=s.state,
            content_hash=s.content_hash,
            source=s.source,
        )
        for s in JourneyRepository(store).guidelines()
    )
