"""``colloquy agent journeys``: list, validate and load journey and guideline files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_table

app = typer.Typer(help="Journey and guideline definitions of the agent.", no_args_is_help=True)

FilesArgument = Annotated[
    list[Path] | None,
    typer.Argument(help="journey or guideline YAML files (default: the shipped ones)"),
]


@app.command("list")
def list_journeys(files: FilesArgument = None, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Journeys with their version, content hash, states and triggers."""
    from colloquy.agent.journeys import bundled_journeys, load_journeys

    journeys = load_journeys(files) if files else bundled_journeys()
    rows = [
        (j.name, j.version, j.content_hash, len(j.states), len(j.triggers), j.title)
        for j in journeys
    ]
    if fmt is OutputFormat.JSON:
        keys = ("name", "version", "content_hash", "states", "triggers", "title")
        print_json([dict(zip(keys, row, strict=True)) for row in rows])
        return
    print_table("journeys", ["name", "version", "hash", "states", "triggers", "title"], rows)


@app.command("validate")
def validate(files: FilesArgument = None, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Check journey and guideline files; the first mistake is printed with file and line."""
    from colloquy.agent.guidelines import bundled_guidelines, load_guidelines
    from colloquy.agent.journeys import bundled_journeys, load_journey
    from colloquy.agent.journeys.validation import read_yaml_file

    rows: list[tuple[str, str, str, int]] = []
    if not files:
        journeys = bundled_journeys()
        known = {j.name: frozenset(s.name for s in j.states) for j in journeys}
        rows += [(j.source, "journey", j.name, len(j.states)) for j in journeys]
        rows += [("shipped guidelines", "guidelines", "", len(bundled_guidelines(known)))]
    else:
        for path in files:
            data = read_yaml_file(path).data
            if isinstance(data, dict) and "guidelines" in data:
                rows.append((str(path), "guidelines", "", len(load_guidelines(path))))
            else:
                journey = load_journey(path)
                rows.append((str(path), "journey", journey.name, len(journey.states)))
    if fmt is OutputFormat.JSON:
        print_json([{"file": f, "kind": k, "name": n, "items": c} for f, k, n, c in rows])
        return
    print_table("valid", ["file", "kind", "name", "states / guidelines"], rows)


@app.command("load")
def load(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Store the shipped journeys and guidelines (idempotent; change a file, raise its version)."""
    from colloquy.agent.guidelines import bundled_guidelines, save_guidelines
    from colloquy.agent.journeys import JourneyStore, bundled_journeys

    journeys = bundled_journeys()
    known = {j.name: frozenset(s.name for s in j.states) for j in journeys}
    with state(ctx).open_store() as store:
        JourneyStore(store).save_all(journeys)
        added = save_guidelines(store, bundled_guidelines(known))
    stored = [f"{j.name}@v{j.version}" for j in journeys]
    if fmt is OutputFormat.JSON:
        print_json({"journeys": stored, "guidelines_added": added})
        return
    print_table(
        "agent definitions stored", ["journeys", "guidelines added"], [(", ".join(stored), added)]
    )
