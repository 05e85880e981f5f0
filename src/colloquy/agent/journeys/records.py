"""Typed, frozen journey records: what a loaded YAML journey is, everywhere after loading.

A journey is a small state machine (Rasa CALM flows, Parlant journeys): states ask for slots
or run tools, transitions move between them when a condition holds. ``version`` plus
``content_hash`` identify one exact definition, so a conversation can keep the version it
started with while a newer one is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SlotType(StrEnum):
    """What a slot holds; the pattern filler knows a regex for each typed kind."""

    CLAIM_ID = "claim_id"
    POLICY_NUMBER = "policy_number"
    DATE = "date"
    PHONE = "phone"
    AMOUNT = "amount"
    EMAIL = "email"
    TEXT = "text"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class Slot:
    """One piece of information a journey needs from the caller."""

    name: str
    type: SlotType
    prompt: str
    choices: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class ToolStep:
    """A tool the state runs on entry, by registry name, with arguments taken from slots."""

    tool: str
    arguments: tuple[tuple[str, str], ...] = ()
    result_slot: str | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """Move to ``target`` when ``condition`` holds.

    Conditions are deliberately tiny and deterministic: ``always``, ``slots_filled``,
    ``slot:NAME`` (that slot is set), ``tool_ok`` / ``tool_failed`` (the state's tool step),
    or ``intent:LABEL`` (the caller's message was classified as that label).
    """

    target: str
    condition: str = "always"


@dataclass(frozen=True, slots=True)
class JourneyState:
    """One step of the conversation: what to say, what to collect, what to run."""

    name: str
    instruction: str
    required_slots: tuple[str, ...] = ()
    tool: ToolStep | None = None
    transitions: tuple[Transition, ...] = ()
    final: bool = False


@dataclass(frozen=True, slots=True)
class Journey:
    """A loaded, validated journey definition of one exact version."""

    name: str
    version: int
    title: str
    description: str
    triggers: tuple[str, ...]
    slots: tuple[Slot, ...]
    states: tuple[JourneyState, ...]
    initial_state: str
    content_hash: str
    source: str = ""
    definition: str = ""

    @property
    def ref(self) -> JourneyRef:
        return JourneyRef(self.name, self.version, self.content_hash)

    def state(self, name: str) -> JourneyState:
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(f"journey {self.name!r} has no state {name!r}")

    def slot(self, name: str) -> Slot:
        for slot in self.slots:
            if slot.name == name:
                return slot
        raise KeyError(f"journey {self.name!r} has no slot {name!r}")


@dataclass(frozen=True, slots=True)
class JourneyRef:
    """The identity a conversation pins: name, version and the hash of that version."""

    name: str
    version: int
    content_hash: str
