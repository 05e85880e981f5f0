"""Response-template YAML → :class:`ResponseCatalog`: schema, then the rules a schema cannot say.

One file per journey (``journey: NAME`` at the top) plus ``common.yaml`` (no journey).
Every mistake names the file, the line and the template key: a selector a move does not
take, a state or slot the journey does not have, a variable no context can fill or one
that would read personal data back, a template that can never be chosen, an event with
no fallback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from colloquy.agent.journeys.records import Journey
from colloquy.agent.journeys.validation import LoadedYaml, check_schema, read_yaml, read_yaml_file
from colloquy.agent.respond.catalog import (
    OPENER_EVENTS,
    VARIABLE,
    Move,
    Position,
    ResponseCatalog,
    ResponseTemplate,
)
from colloquy.agent.respond.facts import OutcomeKind, variable_problem
from colloquy.agent.respond.schema import RESPONSES_SCHEMA
from colloquy.agent.turn import TurnEvent
from colloquy.errors import ConfigError

_SELECTORS: Mapping[Move, frozenset[str]] = {
    Move.OPENER: frozenset({"event", "state", "pattern", "verified"}),
    Move.TOOL: frozenset({"tool", "outcome", "status", "state", "verified"}),
    Move.ASK: frozenset({"slot", "state"}),
    Move.CONFIRM: frozenset({"state"}),
    Move.DONE: frozenset({"state", "outcome"}),
    Move.STATE: frozenset({"state", "verified"}),
    Move.GUIDELINE: frozenset({"guideline", "position", "state", "verified"}),
    Move.FALLBACK: frozenset({"event"}),
}
"""The keys each move may carry besides ``move``, ``text`` and ``strict``."""

_REQUIRED: Mapping[Move, str] = {
    Move.OPENER: "event",
    Move.TOOL: "outcome",
    Move.ASK: "slot",
    Move.STATE: "state",
    Move.GUIDELINE: "guideline",
    Move.FALLBACK: "event",
}
_STATUS_TOOLS = frozenset({"get_claim_status", "submit_claim"})


def load_responses(
    paths: Iterable[Path],
    *,
    journeys: Iterable[Journey] | None = None,
    guidelines: Iterable[str] | None = None,
) -> ResponseCatalog:
    """Templates from ``paths``; journey, state, slot and guideline names are checked
    against ``journeys`` and ``guidelines`` when given."""
    return _catalog([read_yaml_file(p) for p in paths], journeys, guidelines)


def parse_responses(
    texts: Iterable[tuple[str, str]],
    *,
    journeys: Iterable[Journey] | None = None,
    guidelines: Iterable[str] | None = None,
) -> ResponseCatalog:
    """Templates from ``(source, text)`` pairs, as :func:`load_responses`."""
    return _catalog([read_yaml(text, source) for source, text in texts], journeys, guidelines)


def responses_folder() -> Path:
    return Path(str(resources.files("colloquy.agent") / "assets" / "responses"))


def shipped_responses() -> ResponseCatalog:
    """The desk's approved templates, checked against the shipped journeys and guidelines."""
    from colloquy.agent.guidelines.loader import bundled_guidelines
    from colloquy.agent.journeys.loader import bundled_journeys

    return load_responses(
        sorted(responses_folder().glob("*.yaml")),
        journeys=bundled_journeys(),
        guidelines=[g.name for g in bundled_guidelines()],
    )


def _catalog(
    documents: list[LoadedYaml],
    journeys: Iterable[Journey] | None,
    guidelines: Iterable[str] | None,
) -> ResponseCatalog:
    known = {j.name: j for j in journeys} if journeys is not None else None
    names = frozenset(guidelines) if guidelines is not None else None
    templates: list[ResponseTemplate] = []
    where: dict[str, str] = {}
    for loaded in documents:
        for key, template in _build(loaded, known, names):
            if template.id in where:
                raise loaded.error(
                    ["responses", key],
                    f"template {template.id!r} is also defined in {where[template.id]}",
                    "template ids must be unique across files; rename one",
                )
            where[template.id] = loaded.source
            _check_reachable(loaded, key, template, templates)
            templates.append(template)
    covered = {t.event for t in templates if t.move is Move.FALLBACK}
    missing = [e.value for e in TurnEvent if e not in covered]
    if missing:
        files = ", ".join(d.source for d in documents) or "no files"
        raise ConfigError(
            f"response templates ({files}) have no fallback for event(s) {', '.join(missing)}",
            hint="add 'move: fallback' templates for them to common.yaml",
        )
    return ResponseCatalog(templates)


def _build(
    loaded: LoadedYaml, journeys: Mapping[str, Journey] | None, guidelines: frozenset[str] | None
) -> list[tuple[str, ResponseTemplate]]:
    """``(key, template)`` pairs; a journey file's ids are ``JOURNEY.KEY``."""
    check_schema(loaded, RESPONSES_SCHEMA, "responses")
    data: dict[str, Any] = loaded.data
    journey_name: str | None = data.get("journey")
    journey: Journey | None = None
    if journey_name is not None and journeys is not None:
        if journey_name not in journeys:
            raise loaded.error(
                ["journey"],
                f"no journey named {journey_name!r}",
                f"known journeys: {', '.join(sorted(journeys))}",
            )
        journey = journeys[journey_name]
    out: list[tuple[str, ResponseTemplate]] = []
    for key, raw in data["responses"].items():
        path: list[str | int] = ["responses", key]
        template_id = f"{journey_name}.{key}" if journey_name else key
        out.append(
            (key, _template(loaded, path, template_id, raw, journey_name, journey, guidelines))
        )
    return out


def _template(
    loaded: LoadedYaml,
    path: list[str | int],
    template_id: str,
    raw: dict[str, Any],
    journey_name: str | None,
    journey: Journey | None,
    guidelines: frozenset[str] | None,
) -> ResponseTemplate:
    move = Move(raw["move"])
    allowed = _SELECTORS[move]
    for key in raw:
        if key not in {"move", "text", "strict", *allowed}:
            raise loaded.error(
                [*path, key],
                f"a {move.value} template does not take {key!r}",
                f"{move.value} templates take: {', '.join(sorted(allowed))}",
            )
    required = _REQUIRED.get(move)
    if required is not None and required not in raw:
        raise loaded.error(
            path, f"a {move.value} template needs {required!r}", f"add '{required}: ...'"
        )
    event = TurnEvent(raw["event"]) if "event" in raw else None
    if move is Move.OPENER and event not in OPENER_EVENTS:
        raise loaded.error(
            [*path, "event"],
            f"an opener speaks for {', '.join(sorted(OPENER_EVENTS))}, not {raw['event']!r}",
            "use a fallback template for other events",
        )
    if "state" in raw and journey_name is None:
        raise loaded.error(
            [*path, "state"], "a state needs a journey", "move it to that journey's file"
        )
    tool: str | None = raw.get("tool")
    if "status" in raw and tool not in _STATUS_TOOLS:
        raise loaded.error(
            [*path, "status"],
            "a claim status selects among results of get_claim_status or submit_claim",
            "add 'tool: get_claim_status' or remove 'status'",
        )
    if journey is not None:
        _check_names(loaded, path, raw, journey)
    if guidelines is not None and "guideline" in raw and raw["guideline"] not in guidelines:
        raise loaded.error(
            [*path, "guideline"],
            f"no guideline named {raw['guideline']!r}",
            f"known guidelines: {', '.join(sorted(guidelines))}",
        )
    for key in ("text", "strict"):
        for name in VARIABLE.findall(raw.get(key, "")):
            problem = variable_problem(
                name, tool=tool if move is Move.TOOL else None, for_tool=move is Move.TOOL
            )
            if problem is not None:
                raise loaded.error([*path, key], *problem)
    pattern = None
    if "pattern" in raw:
        try:
            pattern = re.compile(raw["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise loaded.error(
                [*path, "pattern"], f"invalid regular expression: {exc}", "fix the pattern"
            ) from None
    return ResponseTemplate(
        id=template_id,
        move=move,
        text=" ".join(raw["text"].split()),
        strict=" ".join(raw.get("strict", raw["text"]).split()),
        journey=journey_name,
        state=raw.get("state"),
        event=event,
        slot=raw.get("slot"),
        tool=tool,
        outcome=OutcomeKind(raw["outcome"]) if "outcome" in raw else None,
        status=raw.get("status"),
        guideline=raw.get("guideline"),
        position=Position(raw.get("position", Position.AFTER.value)),
        pattern=pattern,
        verified=raw.get("verified"),
        source=loaded.source,
    )


def _check_names(
    loaded: LoadedYaml, path: list[str | int], raw: dict[str, Any], journey: Journey
) -> None:
    states = [s.name for s in journey.states]
    if "state" in raw and raw["state"] not in states:
        raise loaded.error(
            [*path, "state"],
            f"journey {journey.name!r} has no state {raw['state']!r}",
            f"its states: {', '.join(states)}",
        )
    slots = [s.name for s in journey.slots]
    if "slot" in raw and raw["slot"] not in slots:
        raise loaded.error(
            [*path, "slot"],
            f"journey {journey.name!r} has no slot {raw['slot']!r}",
            f"its slots: {', '.join(slots)}",
        )
    for key in ("text", "strict"):
        for name in VARIABLE.findall(raw.get(key, "")):
            if name.startswith("slot.") and name[5:] not in slots:
                raise loaded.error(
                    [*path, key],
                    f"journey {journey.name!r} has no slot {name[5:]!r}",
                    f"its slots: {', '.join(slots)}",
                )


def _check_reachable(
    loaded: LoadedYaml, key: str, template: ResponseTemplate, earlier: list[ResponseTemplate]
) -> None:
    for other in earlier:
        if other.selectors == template.selectors and not other.variables():
            raise loaded.error(
                ["responses", key],
                f"never chosen: {other.id!r} ({other.source}) has the same selectors and "
                "always renders",
                "give it a different selector or remove one of them",
            )


__all__ = ["load_responses", "parse_responses", "responses_folder", "shipped_responses"]
