"""Guideline YAML → :class:`Guideline`: schema, then scope rules and regexes that compile.

A file declares a default ``scope`` (and ``journey`` for journey files); a guideline naming
a ``state`` is state-scoped. Journey and state names can be checked against loaded journeys
(``known_states``), so a typo in a state name fails at load time rather than never matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from colloquy.agent.guidelines.records import Guideline, Scope
from colloquy.agent.guidelines.schema import GUIDELINES_SCHEMA
from colloquy.agent.journeys.loader import content_hash
from colloquy.agent.journeys.validation import LoadedYaml, check_schema, read_yaml, read_yaml_file
from colloquy.errors import ConfigError

KnownStates = Mapping[str, frozenset[str]]


def load_guidelines(path: Path, known_states: KnownStates | None = None) -> tuple[Guideline, ...]:
    return _build(read_yaml_file(path), known_states)


def parse_guidelines(
    text: str, source: str = "<guidelines>", known_states: KnownStates | None = None
) -> tuple[Guideline, ...]:
    return _build(read_yaml(text, source), known_states)


def load_guideline_files(
    paths: Iterable[Path], known_states: KnownStates | None = None
) -> tuple[Guideline, ...]:
    """Several files; a guideline name defined twice is refused."""
    out: list[Guideline] = []
    seen: dict[str, str] = {}
    for path in paths:
        for g in load_guidelines(path, known_states):
            if g.name in seen:
                raise ConfigError(
                    f"{path}: guideline {g.name!r} is also defined in {seen[g.name]}",
                    hint="guideline names must be unique across files; rename one",
                )
            seen[g.name] = str(path)
            out.append(g)
    return tuple(out)


def bundled_guidelines(known_states: KnownStates | None = None) -> tuple[Guideline, ...]:
    """The desk's shipped guidelines: compliance (global) and claims (journey-scoped)."""
    folder = Path(str(resources.files("colloquy.agent") / "assets" / "guidelines"))
    return load_guideline_files(sorted(folder.glob("*.yaml")), known_states)


def _build(loaded: LoadedYaml, known: KnownStates | None) -> tuple[Guideline, ...]:
    check_schema(loaded, GUIDELINES_SCHEMA, "guidelines")
    data: dict[str, Any] = loaded.data
    file_scope = Scope(data["scope"])
    file_journey = data.get("journey")
    if file_scope is not Scope.GLOBAL and file_journey is None:
        raise loaded.error(
            ["scope"],
            f"a {file_scope.value}-scoped file needs a 'journey'",
            "add 'journey: NAME' at the top of the file",
        )
    out: list[Guideline] = []
    names: set[str] = set()
    for i, raw in enumerate(data["guidelines"]):
        path: list[str | int] = ["guidelines", i]
        if raw["name"] in names:
            raise loaded.error(
                [*path, "name"], f"duplicate guideline {raw['name']!r}", "rename one"
            )
        names.add(raw["name"])
        journey = raw.get("journey", file_journey)
        state = raw.get("state")
        scope = Scope.STATE if state else file_scope
        if scope is not Scope.GLOBAL and journey is None:
            raise loaded.error(path, "a state-scoped guideline needs a journey", "add 'journey'")
        for j, pattern in enumerate(raw.get("patterns", [])):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise loaded.error(
                    [*path, "patterns", j], f"invalid regex: {exc}", "fix the regular expression"
                ) from exc
        if known is not None and journey is not None:
            if journey not in known:
                raise loaded.error(
                    [*path, "journey"] if "journey" in raw else ["journey"],
                    f"unknown journey {journey!r}",
                    f"use one of {sorted(known)}",
                )
            if state is not None and state not in known[journey]:
                raise loaded.error(
                    [*path, "state"],
                    f"journey {journey!r} has no state {state!r}",
                    f"use one of {sorted(known[journey])}",
                )
        out.append(
            Guideline(
                name=raw["name"],
                scope=scope,
                condition=raw["condition"],
                action=raw["action"],
                priority=raw.get("priority", 0),
                keywords=tuple(raw.get("keywords", ())),
                patterns=tuple(raw.get("patterns", ())),
                journey=None if scope is Scope.GLOBAL else journey,
                state=state,
                once=bool(raw.get("once", False)),
                content_hash=content_hash(raw),
                source=f"{loaded.source}:{loaded.line_of(path)}",
            )
        )
    return tuple(out)
