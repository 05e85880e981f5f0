"""Journeys in the store: save versions, and pin one version to each conversation.

A conversation keeps the journey version it started with: :meth:`JourneyStore.start`
records the exact stored row, and :meth:`JourneyStore.resume` rebuilds that version from its
stored definition even after a newer version was saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from colloquy.agent.journeys.loader import parse_journey
from colloquy.agent.journeys.records import Journey
from colloquy.storage.journeys import (
    JourneyRepository,
    StoredContext,
    StoredJourney,
    StoredState,
)
from colloquy.storage.store import Store


@dataclass(frozen=True, slots=True)
class JourneyContext:
    """Where a conversation stands in its pinned journey version."""

    session_id: str
    journey: Journey
    state: str
    slots: dict[str, str]


class JourneyStore:
    """The agent's view of :class:`~colloquy.storage.journeys.JourneyRepository`."""

    def __init__(self, store: Store) -> None:
        self.repository = JourneyRepository(store)

    def save(self, journey: Journey) -> Journey:
        """Store a version (idempotent); a changed file with an unchanged version is refused."""
        self.repository.save(to_stored(journey))
        return journey

    def save_all(self, journeys: tuple[Journey, ...]) -> tuple[Journey, ...]:
        return tuple(self.save(j) for j in journeys)

    def load(self, name: str, version: int | None = None) -> Journey:
        return from_stored(self.repository.get(name, version))

    def start(self, session_id: str, journey: Journey) -> JourneyContext:
        """Pin ``journey`` to the session at its initial state."""
        stored = self.repository.get(journey.name, journey.version)
        return _context(
            self.repository.start_context(session_id, stored, journey.initial_state, {})
        )

    def advance(self, session_id: str, state: str, slots: dict[str, str]) -> JourneyContext:
        return _context(self.repository.update_context(session_id, state, slots))

    def resume(self, session_id: str) -> JourneyContext:
        return _context(self.repository.context(session_id))


def to_stored(journey: Journey) -> StoredJourney:
    states = tuple(
        StoredState(
            s.name,
            s.instruction,
            s.required_slots,
            s.tool.tool if s.tool else None,
            s.final,
            tuple((t.target, t.condition) for t in s.transitions),
        )
        for s in journey.states
    )
    return StoredJourney(
        journey.name,
        journey.version,
        journey.content_hash,
        journey.title,
        journey.definition,
        states,
    )


def from_stored(stored: StoredJourney) -> Journey:
    return parse_journey(stored.definition, f"store:{stored.name}@v{stored.version}")


def _context(stored: StoredContext) -> JourneyContext:
    return JourneyContext(
        stored.session_id, from_stored(stored.journey), stored.state, dict(stored.slots)
    )
