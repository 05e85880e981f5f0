"""The dataset-level flow graph: how conversations move between states, and where they end.

Built incrementally (:meth:`FlowGraph.add` one trace at a time) so a dataset is never held
in memory and new conversations can be added to an existing graph. Every path runs from
:data:`START` to :data:`END`, so the edges into ``END`` count where conversations end and
the edges out of ``START`` where they begin.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import TypeVar

from colloquy.analytics.flow.records import END, START, DialogueTrace, FlowLevel
from colloquy.errors import UsageError

_K = TypeVar("_K")


@dataclass(frozen=True, slots=True)
class FlowNode:
    """A state and how many times conversations visited it."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class FlowEdge:
    """A transition and how often it happened; ``share`` is its part of all transitions
    leaving ``source``."""

    source: str
    target: str
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class FlowPath:
    """A whole conversation path (without start and end) and how many conversations took it."""

    nodes: tuple[str, ...]
    count: int


class FlowGraph:
    """Counts of states, transitions and whole paths over the traces added so far."""

    def __init__(self, level: FlowLevel = FlowLevel.INTENT) -> None:
        self.level = level
        self.conversations = 0
        self._nodes: Counter[str] = Counter()
        self._edges: Counter[tuple[str, str]] = Counter()
        self._paths: Counter[tuple[str, ...]] = Counter()

    def add(self, trace: DialogueTrace) -> None:
        """Count one conversation's path (an empty one goes straight from start to end)."""
        path = trace.path(self.level)
        self.conversations += 1
        self._nodes.update(path)
        full = (START, *path, END)
        self._edges.update(pairwise(full))
        self._paths[path] += 1

    @property
    def nodes(self) -> tuple[FlowNode, ...]:
        """Visited states, most visited first (start and end are not states)."""
        return tuple(FlowNode(name, count) for name, count in _ranked(self._nodes))

    def edges(self, min_count: int = 1) -> tuple[FlowEdge, ...]:
        """Transitions seen at least ``min_count`` times, most frequent first."""
        if min_count < 1:
            raise UsageError(f"min_count must be >= 1, got {min_count}")
        leaving: Counter[str] = Counter()
        for (source, _), count in self._edges.items():
            leaving[source] += count
        return tuple(
            FlowEdge(source, target, count, count / leaving[source])
            for (source, target), count in _ranked(self._edges)
            if count >= min_count
        )

    def starts(self) -> tuple[FlowNode, ...]:
        """The states conversations begin in, with how many begin there."""
        return self._around(START, outgoing=True)

    def ends(self) -> tuple[FlowNode, ...]:
        """The states conversations end in, with how many end there."""
        return self._around(END, outgoing=False)

    def top_paths(self, k: int) -> tuple[FlowPath, ...]:
        """The ``k`` most frequent whole paths (ties in first-seen order)."""
        if k < 1:
            raise UsageError(f"k must be >= 1, got {k}")
        return tuple(FlowPath(path, count) for path, count in self._paths.most_common(k))

    def _around(self, node: str, *, outgoing: bool) -> tuple[FlowNode, ...]:
        counts = Counter(
            {
                (target if outgoing else source): count
                for (source, target), count in self._edges.items()
                if (source if outgoing else target) == node
            }
        )
        return tuple(FlowNode(name, count) for name, count in _ranked(counts))


def _ranked(counter: Counter[_K]) -> list[tuple[_K, int]]:
    """Most frequent first; ties broken by key so the output does not depend on input order."""
    return sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))
