"""Scenario YAML → :class:`Scenario`, with errors that name the file, line and field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from colloquy.agent.journeys.validation import LoadedYaml, check_schema, read_yaml, read_yaml_file
from colloquy.agent.scenarios.records import (
    Scenario,
    ScenarioTurn,
    StoredExpectation,
    ToolExpectation,
    ToolFault,
    TurnExpectation,
)
from colloquy.errors import ConfigError


def load_scenario(path: Path) -> Scenario:
    return _build(read_yaml_file(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    return _build(read_yaml(text, source))


def load_scenarios(paths: Iterable[Path]) -> tuple[Scenario, ...]:
    """Files and folders (every ``*.yaml`` inside, sorted); an empty selection is an error."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(
                f"no scenario file or folder at {path}", hint="give a .yaml file or a folder"
            )
    if not files:
        raise ConfigError("no scenario files found", hint="scenario files end in .yaml")
    return tuple(load_scenario(f) for f in files)


def bundled_scenarios() -> tuple[Scenario, ...]:
    """The desk's shipped scenarios (the plan's week-6 tests and their variations)."""
    folder = Path(str(resources.files("colloquy.agent") / "assets" / "scenarios"))
    return load_scenarios([folder])


def _build(loaded: LoadedYaml) -> Scenario:
    from colloquy.agent.scenarios.schema import SCENARIO_SCHEMA

    check_schema(loaded, SCENARIO_SCHEMA, "journeys")
    data: Mapping[str, Any] = loaded.data
    turns = tuple(
        ScenarioTurn(
            say=item["say"],
            expect=_expect(item.get("expect") or {}),
            line=loaded.line_of(["turns", index]),
        )
        for index, item in enumerate(data["turns"])
    )
    stored = data.get("stored") or {}
    return Scenario(
        name=data["name"],
        description=str(data.get("description", "")).strip(),
        turns=turns,
        stored=StoredExpectation(
            new_claims=stored.get("new_claims"),
            events_at_least=stored.get("events_at_least"),
            event_kinds=tuple(stored.get("event_kinds", ())),
            verdicts_failed=tuple(stored.get("verdicts_failed", ())),
        ),
        faults=tuple(
            ToolFault(f["tool"], float(f["delay_s"]), float(f["timeout_s"]))
            for f in data.get("faults", ())
        ),
        source=loaded.source,
    )


def _expect(raw: Mapping[str, Any]) -> TurnExpectation:
    tools = raw.get("tools")
    return TurnExpectation(
        journey=raw.get("journey"),
        no_journey="journey" in raw and raw["journey"] is None,
        state=raw.get("state"),
        event=raw.get("event"),
        asking=raw.get("asking"),
        tools=None if tools is None else tuple(_tool(t) for t in tools),
        guidelines=tuple(raw.get("guidelines", ())),
        reply_contains=tuple(raw.get("reply_contains", ())),
        reply_excludes=tuple(raw.get("reply_excludes", ())),
        validation=raw.get("validation"),
        failed_checks=tuple(raw.get("failed_checks", ())),
        ended=raw.get("ended"),
    )


def _tool(raw: str | Mapping[str, str]) -> ToolExpectation:
    if isinstance(raw, str):
        return ToolExpectation(raw)
    return ToolExpectation(raw["name"], raw.get("status"))
