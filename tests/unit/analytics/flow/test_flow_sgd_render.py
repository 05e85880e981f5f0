"""Flow end to end on real SGD dev dialogues, and the drawings written to disk."""

from __future__ import annotations

import itertools
from html.parser import HTMLParser
from pathlib import Path

import pytest

from colloquy.analytics.flow import (
    END,
    START,
    FlowGraph,
    FlowLevel,
    render_html,
    render_png,
    trace_annotated,
)
from colloquy.data.loaders.sgd import SGDLoader
from colloquy.errors import StorageError
from colloquy.schema import Conversation

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def dialogues(datasets_dir: Path) -> list[Conversation]:
    file = datasets_dir / "sgd" / "dev" / "dialogues_001.json"
    if not file.is_file():
        pytest.skip(f"{file} not found")
    return list(SGDLoader().load(file))


@pytest.fixture(scope="module")
def graph(dialogues: list[Conversation]) -> FlowGraph:
    g = FlowGraph()
    for conversation in dialogues:
        g.add(trace_annotated(conversation))
    return g


def test_sgd_graph_conserves_conversations(dialogues: list[Conversation], graph: FlowGraph) -> None:
    assert graph.conversations == len(dialogues) > 0
    assert sum(n.count for n in graph.starts()) == len(dialogues)
    assert sum(n.count for n in graph.ends()) == len(dialogues)
    for node in graph.nodes:
        into = sum(e.count for e in graph.edges() if e.target == node.name)
        out = sum(e.count for e in graph.edges() if e.source == node.name)
        assert into == out == node.count
    first = dialogues[0]
    expected = tuple(
        dict.fromkeys(t.intent for t in first.turns if t.intent)
    )  # SGD dev 001 dialogues do not return to an earlier intent in dialogue 0
    assert trace_annotated(first).path() == expected
    assert sum(p.count for p in graph.top_paths(10_000)) == len(dialogues)


def test_sgd_slots_fill_up_and_system_acts_are_kept(dialogues: list[Conversation]) -> None:
    trace = trace_annotated(dialogues[0])
    filled = [set(s.filled_slots) for s in trace.states]
    assert all(a <= b for a, b in itertools.pairwise(filled))
    assert filled[-1]
    system_acts = {act for s in trace.states if not s.is_customer for act in s.acts}
    assert system_acts
    turn_graph = FlowGraph(FlowLevel.TURN)
    turn_graph.add(trace)
    assert len(turn_graph.top_paths(1)[0].nodes) == len(dialogues[0].turns)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_rendering_writes_a_png_and_an_html_page(graph: FlowGraph, tmp_path: Path) -> None:
    png = render_png(graph, tmp_path / "flow.png", min_count=5)
    assert png.read_bytes().startswith(_PNG_MAGIC)
    page = render_html(graph, tmp_path / "flow.html", min_count=5, top_paths=3)
    text = page.read_text(encoding="utf-8")
    checker = _Checker()
    checker.feed(text)
    assert text.startswith("<!DOCTYPE html>")
    assert {"svg", "table", "h1"} <= set(checker.tags)
    top = graph.top_paths(1)[0]
    assert " → ".join(top.nodes) in text
    assert START not in {n.name for n in graph.nodes}
    assert END in text


def test_an_empty_graph_still_renders(tmp_path: Path) -> None:
    graph = FlowGraph()
    assert render_png(graph, tmp_path / "e.png").read_bytes().startswith(_PNG_MAGIC)
    assert "0 conversations" in render_html(graph, tmp_path / "e.html").read_text("utf-8")


def test_an_unwritable_target_is_a_storage_error(graph: FlowGraph, tmp_path: Path) -> None:
    missing = tmp_path / "no such folder"
    with pytest.raises(StorageError, match="cannot write"):
        render_png(graph, missing / "flow.png")
    with pytest.raises(StorageError, match="cannot write"):
        render_html(graph, missing / "flow.html")
