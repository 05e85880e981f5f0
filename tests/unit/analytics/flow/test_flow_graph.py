"""FlowGraph counts on hand-built traces whose nodes, edges, ends and paths are known."""

from __future__ import annotations

import pytest

from colloquy.analytics.flow import (
    END,
    START,
    DialogueState,
    DialogueTrace,
    FlowGraph,
    FlowLevel,
    FlowPath,
)
from colloquy.errors import UsageError
from colloquy.schema import Speaker


def _trace(cid: str, *turns: tuple[Speaker, str | None, tuple[str, ...]]) -> DialogueTrace:
    states = tuple(
        DialogueState(turn_index=i, speaker=speaker, intent=intent, acts=acts)
        for i, (speaker, intent, acts) in enumerate(turns)
    )
    return DialogueTrace(conversation_id=cid, states=states)


C, B = Speaker.CUSTOMER, Speaker.BOT


@pytest.fixture
def graph() -> FlowGraph:
    g = FlowGraph()
    # a: FindFlights -> ReserveFlight ; b: same ; c: FindFlights only ; d: no intent at all
    g.add(_trace("a", (C, "Find", ()), (B, None, ("OFFER",)), (C, "Find", ()), (C, "Book", ())))
    g.add(_trace("b", (C, "Find", ()), (C, "Book", ()), (B, None, ("NOTIFY_SUCCESS",))))
    g.add(_trace("c", (C, "Find", ()), (B, None, ("REQUEST",))))
    g.add(_trace("d", (C, None, ()), (B, None, ("GOODBYE",))))
    return g


def test_nodes_count_visits_with_runs_collapsed(graph: FlowGraph) -> None:
    assert graph.conversations == 4
    assert {(n.name, n.count) for n in graph.nodes} == {("Find", 3), ("Book", 2)}


def test_edges_carry_counts_and_shares(graph: FlowGraph) -> None:
    edges = {(e.source, e.target): (e.count, e.share) for e in graph.edges()}
    assert edges == {
        (START, "Find"): (3, 0.75),
        (START, END): (1, 0.25),
        ("Find", "Book"): (2, 2 / 3),
        ("Find", END): (1, 1 / 3),
        ("Book", END): (2, 1.0),
    }
    assert [(e.source, e.target) for e in graph.edges(min_count=2)] == [
        (START, "Find"),
        ("Book", END),
        ("Find", "Book"),
    ]


def test_starts_ends_and_top_paths(graph: FlowGraph) -> None:
    assert [(n.name, n.count) for n in graph.starts()] == [("Find", 3), (END, 1)]
    assert [(n.name, n.count) for n in graph.ends()] == [("Book", 2), ("Find", 1), (START, 1)]
    assert graph.top_paths(2) == (FlowPath(("Find", "Book"), 2), FlowPath(("Find",), 1))


def test_turn_level_keeps_every_turn_and_labels_system_acts() -> None:
    g = FlowGraph(FlowLevel.TURN)
    g.add(_trace("a", (C, "Find", ()), (B, None, ("OFFER", "INFORM", "OFFER")), (C, None, ())))
    assert g.top_paths(1)[0].nodes == ("user:Find", "bot:INFORM+OFFER", "user:NONE")


def test_adding_incrementally_equals_adding_at_once(graph: FlowGraph) -> None:
    other = FlowGraph()
    for cid in "abcd":
        other.add(_trace(cid, (C, "Find", ())))
    other.add(_trace("e", (C, "Book", ())))
    assert graph.edges() != other.edges()
    assert {(n.name, n.count) for n in other.nodes} == {("Find", 4), ("Book", 1)}


def test_bad_arguments_are_usage_errors(graph: FlowGraph) -> None:
    with pytest.raises(UsageError, match="k must be"):
        graph.top_paths(0)
    with pytest.raises(UsageError, match="min_count"):
        graph.edges(min_count=0)
    with pytest.raises(UsageError, match="increasing"):
        DialogueTrace("x", (DialogueState(1, C, None), DialogueState(0, C, None)))
