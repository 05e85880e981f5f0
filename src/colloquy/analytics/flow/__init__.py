"""Dialogue flow: per-turn dialogue state, and a dataset graph of how conversations move.

:func:`trace_annotated` reads state from a dataset's annotations (SGD frames and acts);
:func:`trace_intents` builds it from intent labels over customer turns (an intent model's
predictions) for transcripts without annotations. :class:`FlowGraph` counts states,
transitions, whole paths and where conversations end; :func:`render_png` and
:func:`render_html` draw it.
"""

from __future__ import annotations

from colloquy.analytics.flow.graph import FlowEdge, FlowGraph, FlowNode, FlowPath
from colloquy.analytics.flow.records import END, START, DialogueState, DialogueTrace, FlowLevel
from colloquy.analytics.flow.render import FlowDrawing, render_html, render_png
from colloquy.analytics.flow.tracking import IntentPredictor, trace_annotated, trace_intents

__all__ = [
    "END",
    "START",
    "DialogueState",
    "DialogueTrace",
    "FlowDrawing",
    "FlowEdge",
    "FlowGraph",
    "FlowLevel",
    "FlowNode",
    "FlowPath",
    "IntentPredictor",
    "render_html",
    "render_png",
    "trace_annotated",
    "trace_intents",
]
