"""The records dialogue-state tracking returns: one state per turn, one trace per conversation.

A trace is the raw material of the flow graph; keeping every turn's state (not just the
path) lets a report show which slots were asked for and filled where a conversation went.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from colloquy.errors import UsageError
from colloquy.schema import Speaker

START = "__start__"
"""The node every path leaves from in a :class:`~colloquy.analytics.flow.FlowGraph`."""
END = "__end__"
"""The node every path reaches when its conversation ends."""


class FlowLevel(StrEnum):
    """Which states become the nodes of a path.

    ``intent``: the customer's intents, a run of the same intent counted once (an intent
    stays active over several turns). ``turn``: every turn's label (``user:<intent>`` or
    ``system:<acts>``), so a repeated system act shows as a self-loop.
    """

    INTENT = "intent"
    TURN = "turn"


@dataclass(frozen=True, slots=True)
class DialogueState:
    """The dialogue state after one turn.

    ``intent`` is the customer's active intent (None on agent turns and where no intent is
    known); ``requested_slots`` are the slots the customer asked about in this turn;
    ``filled_slots`` are all slots with a value so far; ``acts`` are the turn's dialogue
    acts in order (empty where the source has none).
    """

    turn_index: int
    speaker: Speaker
    intent: str | None
    requested_slots: tuple[str, ...] = ()
    filled_slots: tuple[str, ...] = ()
    acts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.turn_index < 0:
            raise UsageError(f"turn_index must be >= 0, got {self.turn_index}")

    @property
    def is_customer(self) -> bool:
        """Whether the customer said this turn."""
        return self.speaker is Speaker.CUSTOMER

    @property
    def label(self) -> str:
        """The node name of this turn at :attr:`FlowLevel.TURN`."""
        if self.is_customer:
            return f"user:{self.intent or 'NONE'}"
        acts = sorted(set(self.acts))
        return f"{self.speaker.value}:{'+'.join(acts) if acts else 'NONE'}"


@dataclass(frozen=True, slots=True)
class DialogueTrace:
    """Every turn's state in one conversation, in turn order."""

    conversation_id: str
    states: tuple[DialogueState, ...]

    def __post_init__(self) -> None:
        indices = [s.turn_index for s in self.states]
        if indices != sorted(set(indices)):
            raise UsageError(
                f"trace {self.conversation_id!r}: turn indices must be increasing, got {indices}"
            )

    def path(self, level: FlowLevel = FlowLevel.INTENT) -> tuple[str, ...]:
        """The nodes this conversation visits at ``level``, without start and end."""
        if level is FlowLevel.TURN:
            return tuple(state.label for state in self.states)
        nodes: list[str] = []
        for state in self.states:
            if state.is_customer and state.intent and (not nodes or nodes[-1] != state.intent):
                nodes.append(state.intent)
        return tuple(nodes)
