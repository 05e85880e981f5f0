"""The offline responder: approved templates only, filled from the turn's context (strict mode).

Like Parlant's strict canned-response mode, nothing is generated: each part of the reply is
an approved template chosen by the situation, and its variables come from the slots the
caller gave and the typed results of this turn's tools (see :mod:`facts`). So the desk
works with no LLM at all, the same context always gives the same words, and a reply can
only state grounded values. The parts, in order:

1. sentences of matched guidelines that go first (an emergency's 911, the recording notice);
2. an opener (greeting, small talk, a change of topic);
3. each tool outcome of this turn;
4. sentences of matched guidelines that go after those (the fraud reminder's claim-id
   email, no legal advice, a police report for a theft);
5. what comes next: the slot to ask for, a read-back to confirm, the closing of a finished
   journey, or the state's own line, so the reply ends with its question;

and, when parts 2, 3 and 5 had nothing to say, the event's fallback in their place.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

from pydantic import BaseModel

from colloquy.agent.respond.base import Responder
from colloquy.agent.respond.catalog import (
    OPENER_EVENTS,
    Move,
    Position,
    ResponseCatalog,
    Said,
    Situation,
)
from colloquy.agent.respond.facts import (
    context_values,
    outcome_kind,
    outcome_values,
    result_values,
)
from colloquy.agent.turn import Reply, TurnContext, TurnEvent
from colloquy.desk.tool_models import ClaimStatusResult, SubmittedClaim


class TemplateResponder(Responder):
    """Replies from a :class:`ResponseCatalog` (the shipped one unless given)."""

    name = "template"

    def __init__(self, catalog: ResponseCatalog | None = None) -> None:
        if catalog is None:
            from colloquy.agent.respond.loader import shipped_responses

            catalog = shipped_responses()
        self.catalog = catalog

    def respond(self, ctx: TurnContext) -> Reply:
        return self._compose(ctx, strict=False)

    def regenerate(self, ctx: TurnContext, feedback: str) -> Reply:
        """The strictest approved wording of every part (``feedback`` cannot change a template)."""
        return self._compose(ctx, strict=True)

    def _compose(self, ctx: TurnContext, *, strict: bool) -> Reply:
        started = time.perf_counter()
        values = context_values(ctx)
        here = Situation(
            move=Move.FALLBACK,
            journey=ctx.journey.name if ctx.journey is not None else None,
            state=ctx.state.name if ctx.state is not None else None,
            event=ctx.event,
            message=ctx.message,
            verified=ctx.verified,
        )
        said_guidelines: list[Said] = []
        for name in _guideline_names(ctx):
            found = self._say(replace(here, move=Move.GUIDELINE, guideline=name), values, strict)
            if found is not None:
                said_guidelines.append(found)
        body: list[Said | None] = []
        if ctx.event in OPENER_EVENTS:
            body.append(self._say(replace(here, move=Move.OPENER), values, strict))
        for outcome in ctx.tool_outcomes:
            at = replace(
                here,
                move=Move.TOOL,
                tool=outcome.tool,
                outcome=outcome_kind(outcome),
                status=_status(outcome.result),
            )
            own = {**values, **outcome_values(outcome)}
            if outcome.ok and outcome.result is not None:
                own.update(result_values(outcome.result, verified=ctx.verified))
            body.append(self._say(at, own, strict))
        said = [s for s in body if s is not None]
        follow = self._say(_next(ctx, here), values, strict)
        if follow is None and not said:
            follow = self._say(here, values, strict)
        ordered = (
            [s for s in said_guidelines if s.template.position is Position.BEFORE]
            + said
            + [s for s in said_guidelines if s.template.position is Position.AFTER]
            + ([follow] if follow is not None else [])
        )
        return Reply(
            text=" ".join(s.text for s in ordered),
            responder=self.name,
            template_ids=tuple(s.template.id for s in ordered),
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    def _say(self, at: Situation | None, values: Mapping[str, str], strict: bool) -> Said | None:
        return None if at is None else self.catalog.say(at, values, strict=strict)


def _guideline_names(ctx: TurnContext) -> list[str]:
    """Matched guidelines, highest priority first, each once."""
    ranked = sorted(ctx.guidelines, key=lambda m: (-m.guideline.priority, m.guideline.name))
    return list(dict.fromkeys(m.guideline.name for m in ranked))


def _next(ctx: TurnContext, here: Situation) -> Situation | None:
    """What the reply says next: the slot to ask, a read-back, a closing or the state's line."""
    if ctx.asking is not None:
        return replace(here, move=Move.ASK, slot=ctx.asking.name)
    if ctx.event is TurnEvent.CONFIRM:
        return replace(here, move=Move.CONFIRM)
    if ctx.event is TurnEvent.JOURNEY_DONE or (ctx.state is not None and ctx.state.final):
        last = outcome_kind(ctx.tool_outcomes[-1]) if ctx.tool_outcomes else None
        return replace(here, move=Move.DONE, outcome=last)
    if ctx.state is not None and ctx.event not in (TurnEvent.GREETING, TurnEvent.NO_JOURNEY):
        return replace(here, move=Move.STATE)
    return None


def _status(result: BaseModel | None) -> str | None:
    if isinstance(result, ClaimStatusResult | SubmittedClaim):
        return result.status.value
    return None
