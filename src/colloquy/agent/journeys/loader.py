"""Journey YAML → :class:`Journey`: schema first, then the rules a schema cannot say.

The semantic rules: state and slot names are unique, every transition targets a state,
every required slot and tool argument names a declared slot, a ``choice`` slot lists its
choices, and every non-final state has a way out. The content hash is taken over the
canonical JSON of the parsed document, so reformatting a file does not make a new version
but changing a word does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from colloquy.agent.journeys.records import (
    Journey,
    JourneyState,
    Slot,
    SlotType,
    ToolStep,
    Transition,
)
from colloquy.agent.journeys.schema import JOURNEY_SCHEMA
from colloquy.agent.journeys.validation import (
    LoadedYaml,
    check_schema,
    read_yaml,
    read_yaml_file,
)
from colloquy.errors import ConfigError


def canonical_json(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(data: object) -> str:
    """SHA-256 (first 16 hex digits) of the canonical JSON of a parsed definition."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()[:16]


def load_journey(path: Path) -> Journey:
    return _build(read_yaml_file(path))


def parse_journey(text: str, source: str = "<journey>") -> Journey:
    return _build(read_yaml(text, source))


def load_journeys(paths: Iterable[Path]) -> tuple[Journey, ...]:
    """Load several files; two files with the same journey name and version are refused."""
    seen: dict[tuple[str, int], str] = {}
    out: list[Journey] = []
    for path in paths:
        journey = load_journey(path)
        key = (journey.name, journey.version)
        if key in seen:
            raise ConfigError(
                f"{path}: journey {journey.name!r} version {journey.version} is also "
                f"defined in {seen[key]}",
                hint="give one of them a higher version or a different name",
            )
        seen[key] = str(path)
        out.append(journey)
    return tuple(out)


def load_directory(directory: Path) -> tuple[Journey, ...]:
    if not directory.is_dir():
        raise ConfigError(
            f"journey folder {directory} does not exist", hint="pass a folder of *.yaml files"
        )
    return load_journeys(sorted(directory.glob("*.y*ml")))


def bundled_journeys() -> tuple[Journey, ...]:
    """The desk's shipped journeys (claim inquiry, claim submission, knowledge query)."""
    folder = resources.files("colloquy.agent") / "assets" / "journeys"
    return load_directory(Path(str(folder)))


def _build(loaded: LoadedYaml) -> Journey:
    check_schema(loaded, JOURNEY_SCHEMA, "journeys")
    data: dict[str, Any] = loaded.data
    slots = tuple(_slot(loaded, i, raw) for i, raw in enumerate(data.get("slots", [])))
    slot_names = _unique(loaded, ["slots"], [s.name for s in slots], "slot")
    states = tuple(_state(loaded, i, raw, slot_names) for i, raw in enumerate(data["states"]))
    state_names = _unique(loaded, ["states"], [s.name for s in states], "state")
    for i, state in enumerate(states):
        for j, transition in enumerate(state.transitions):
            if transition.target not in state_names:
                raise loaded.error(
                    ["states", i, "transitions", j, "to"],
                    f"transition to unknown state {transition.target!r}",
                    f"use one of {sorted(state_names)}",
                )
            if transition.condition.startswith("slot:"):
                _known_slot(
                    loaded,
                    ["states", i, "transitions", j, "when"],
                    transition.condition[5:],
                    slot_names,
                )
        if not state.final and not state.transitions:
            raise loaded.error(
                ["states", i],
                f"state {state.name!r} has no transitions and is not final",
                "add a transition or 'final: true'",
            )
    initial = data.get("initial_state", states[0].name)
    if initial not in state_names:
        raise loaded.error(
            ["initial_state"], f"unknown state {initial!r}", f"use one of {sorted(state_names)}"
        )
    return Journey(
        name=data["name"],
        version=data["version"],
        title=data["title"],
        description=data.get("description", ""),
        triggers=tuple(data["triggers"]),
        slots=slots,
        states=states,
        initial_state=initial,
        content_hash=content_hash(data),
        source=loaded.source,
        definition=canonical_json(data),
    )


def _slot(loaded: LoadedYaml, index: int, raw: dict[str, Any]) -> Slot:
    kind = SlotType(raw["type"])
    choices = tuple(raw.get("choices", ()))
    if kind is SlotType.CHOICE and not choices:
        raise loaded.error(
            ["slots", index], "a choice slot needs choices", "add 'choices: [a, b, ...]'"
        )
    return Slot(raw["name"], kind, raw["prompt"], choices, raw.get("description", ""))


def _state(
    loaded: LoadedYaml, index: int, raw: dict[str, Any], slot_names: set[str]
) -> JourneyState:
    required = tuple(raw.get("required_slots", ()))
    for j, name in enumerate(required):
        _known_slot(loaded, ["states", index, "required_slots", j], name, slot_names)
    tool: ToolStep | None = None
    if "tool" in raw:
        arguments = raw["tool"].get("arguments", {})
        for arg, slot in arguments.items():
            _known_slot(loaded, ["states", index, "tool", "arguments", arg], slot, slot_names)
        tool = ToolStep(
            raw["tool"]["name"], tuple(sorted(arguments.items())), raw["tool"].get("result_slot")
        )
    transitions = tuple(
        Transition(t["to"], t.get("when", "always")) for t in raw.get("transitions", ())
    )
    return JourneyState(
        raw["name"], raw["instruction"], required, tool, transitions, bool(raw.get("final"))
    )


def _known_slot(loaded: LoadedYaml, path: list[str | int], name: str, known: set[str]) -> None:
    if name not in known:
        raise loaded.error(
            path,
            f"unknown slot {name!r}",
            f"declare it under 'slots' or use one of {sorted(known)}",
        )


def _unique(loaded: LoadedYaml, path: list[str | int], names: list[str], what: str) -> set[str]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise loaded.error(
                [*path, i, "name"], f"duplicate {what} name {name!r}", f"rename one {what}"
            )
        seen.add(name)
    return seen
