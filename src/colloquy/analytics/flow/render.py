"""Drawing a flow graph: a PNG (or SVG) picture and a static, self-contained HTML page.

The picture is drawn with matplotlib so it needs no browser: states are placed in
columns by their distance from the start, arrows are as thick as they are frequent, and
edges under ``min_count`` are left out so a large dataset stays readable. The HTML page
embeds the same drawing as SVG beside the tables behind it (states, transitions, top
paths, where conversations end); it needs no network and no script. The interactive
Sankey is in the analysis report (:mod:`colloquy.analytics.report`).

A live :class:`FlowGraph` and a stored one (the dataset analysis keeps its nodes and
edges as records) are drawn alike through :class:`FlowDrawing`.
"""

from __future__ import annotations

import html
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from colloquy.analytics.flow.graph import FlowEdge, FlowGraph, FlowNode
from colloquy.analytics.flow.records import END, START, FlowLevel
from colloquy.errors import StorageError, UsageError

_MAX_WIDTH = 12.0
"""Line width (points) of the most frequent edge."""


@dataclass(frozen=True, slots=True)
class FlowDrawing:
    """What the picture shows: the states and the transitions with their counts."""

    level: FlowLevel
    conversations: int
    nodes: tuple[FlowNode, ...]
    edges: tuple[FlowEdge, ...]

    @classmethod
    def of(cls, graph: FlowGraph) -> FlowDrawing:
        return cls(graph.level, graph.conversations, graph.nodes, graph.edges())

    def frequent_edges(self, min_count: int) -> tuple[FlowEdge, ...]:
        if min_count < 1:
            raise UsageError(f"min_count must be >= 1, got {min_count}")
        return tuple(edge for edge in self.edges if edge.count >= min_count)


def render_png(graph: FlowGraph | FlowDrawing, path: Path | str, *, min_count: int = 1) -> Path:
    """Draw ``graph`` (edges seen at least ``min_count`` times) into the PNG file ``path``."""
    drawing = graph if isinstance(graph, FlowDrawing) else FlowDrawing.of(graph)
    target = Path(path)
    _write(target, _draw(drawing, min_count), "png")
    return target


def render_html(
    graph: FlowGraph, path: Path | str, *, min_count: int = 1, top_paths: int = 10
) -> Path:
    """Write a self-contained HTML page with the drawing and the counts behind it."""
    buffer = io.BytesIO()
    _draw(FlowDrawing.of(graph), min_count).savefig(buffer, format="svg", bbox_inches="tight")
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg") :]
    target = Path(path)
    page = _page(graph, svg, min_count, top_paths)
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc.strerror}") from None
    return target


def _write(target: Path, figure: Figure, fmt: str) -> None:
    try:
        figure.savefig(target, format=fmt, dpi=120, bbox_inches="tight")
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc.strerror}") from None


def _layers(edges: tuple[FlowEdge, ...]) -> dict[str, int]:
    """Each node's column: its shortest distance from the start; the end is last."""
    following: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        following[edge.source].append(edge.target)
    depth = {START: 0}
    frontier = [START]
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for target in following[node]:
                if target not in depth and target != END:
                    depth[target] = depth[node] + 1
                    nxt.append(target)
        frontier = nxt
    for edge in edges:
        for node in (edge.source, edge.target):
            depth.setdefault(node, 1)
    depth[END] = max(depth.values()) + 1
    return depth


def _draw(graph: FlowDrawing, min_count: int) -> Figure:
    edges = graph.frequent_edges(min_count)
    figure = Figure(figsize=(12, 7))
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.set_title(
        f"Dialogue flow ({graph.level.value}): {graph.conversations} conversations, "
        f"edges seen >= {min_count} times"
    )
    if not edges:
        axes.text(0.5, 0.5, "no transitions to draw", ha="center", va="center")
        return figure
    layers = _layers(edges)
    columns: dict[int, list[str]] = defaultdict(list)
    counts = {node.name: node.count for node in graph.nodes}
    counts[START] = counts[END] = graph.conversations
    for node in sorted(layers, key=lambda n: (-counts.get(n, 0), n)):
        columns[layers[node]].append(node)
    where = {
        node: (float(column), -float(row) + (len(nodes) - 1) / 2)
        for column, nodes in columns.items()
        for row, node in enumerate(nodes)
    }
    heaviest = max(edge.count for edge in edges)
    for edge in edges:
        backward = layers[edge.target] <= layers[edge.source]
        arrow = FancyArrowPatch(
            where[edge.source],
            where[edge.target],
            arrowstyle="-|>",
            mutation_scale=10,
            linewidth=max(0.5, _MAX_WIDTH * edge.count / heaviest),
            alpha=0.35,
            color="tab:red" if backward else "tab:blue",
            connectionstyle=f"arc3,rad={0.4 if backward else 0.05}",
        )
        axes.add_patch(arrow)
    for node, (x, y) in where.items():
        axes.text(
            x,
            y,
            f"{node}\n{counts.get(node, 0)}",
            ha="center",
            va="center",
            fontsize=7,
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9},
        )
    xs = [x for x, _ in where.values()]
    ys = [y for _, y in where.values()]
    axes.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    axes.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    return figure


def _page(graph: FlowGraph, svg: str, min_count: int, top_paths: int) -> str:
    def rows(cells: Sequence[tuple[object, ...]]) -> str:
        return "\n".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
            for row in cells
        )

    edges = [(e.source, e.target, e.count, f"{e.share:.1%}") for e in graph.edges(min_count)]
    paths = (
        [(" → ".join(p.nodes) or "(empty)", p.count) for p in graph.top_paths(top_paths)]
        if graph.conversations
        else []
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Dialogue flow</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px}}</style></head><body>
<h1>Dialogue flow ({html.escape(graph.level.value)})</h1>
<p>{graph.conversations} conversations; edges seen at least {min_count} times.</p>
{svg}
<h2>Where conversations end</h2>
<table><tr><th>state</th><th>conversations</th></tr>
{rows([(n.name, n.count) for n in graph.ends()])}</table>
<h2>Top paths</h2>
<table><tr><th>path</th><th>conversations</th></tr>
{rows(paths)}</table>
<h2>Transitions</h2>
<table><tr><th>from</th><th>to</th><th>count</th><th>share of from</th></tr>
{rows(edges)}</table>
<h2>States</h2>
<table><tr><th>state</th><th>visits</th></tr>
{rows([(n.name, n.count) for n in graph.nodes])}</table>
</body></html>
"""
