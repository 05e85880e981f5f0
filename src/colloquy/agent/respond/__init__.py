"""Responding: turning a turn's context into the agent's reply.

Two responders behind one seam (:class:`Responder`): :class:`TemplateResponder` fills
approved templates from the context alone (offline, deterministic, Parlant's strict mode)
and :class:`LLMResponder` writes the reply with any :class:`~colloquy.llm.LLMClient` from
the versioned ``agent_reply`` prompt, falling back to the templates when the model fails.
"""

from colloquy.agent.respond.base import ReplyStream, Responder
from colloquy.agent.respond.catalog import (
    Move,
    Position,
    ResponseCatalog,
    ResponseTemplate,
    Situation,
)
from colloquy.agent.respond.facts import OutcomeKind, outcome_kind
from colloquy.agent.respond.llm import LLMResponder
from colloquy.agent.respond.loader import (
    load_responses,
    parse_responses,
    responses_folder,
    shipped_responses,
)
from colloquy.agent.respond.sentences import SentenceBuffer, split_sentences
from colloquy.agent.respond.template import TemplateResponder

__all__ = [
    "LLMResponder",
    "Move",
    "OutcomeKind",
    "Position",
    "ReplyStream",
    "Responder",
    "ResponseCatalog",
    "ResponseTemplate",
    "SentenceBuffer",
    "Situation",
    "TemplateResponder",
    "load_responses",
    "outcome_kind",
    "parse_responses",
    "responses_folder",
    "shipped_responses",
    "split_sentences",
]
