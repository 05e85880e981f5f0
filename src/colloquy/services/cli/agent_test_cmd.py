"""``colloquy agent test``: play scenario files against the agent and report mismatches.

By default the shipped scenarios run on a fresh, seeded SQLite desk in a temporary folder,
so the user's store is untouched and every run starts from the same data; ``--store``
runs them on the configured store instead (it must hold a seeded desk).
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from colloquy.errors import UsageError
from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, stderr, stdout


def run_scenarios(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenario files or folders (default: the shipped scenarios)."),
    ] = None,
    use_store: Annotated[
        bool,
        typer.Option("--store", help="Run on the configured store instead of a scratch desk."),
    ] = False,
    transcript: Annotated[
        bool, typer.Option("--transcript", help="Print each conversation as it was played.")
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Check the agent against scripted conversations; exit 1 when any scenario fails."""
    from colloquy.agent.engine.factory import options_from_settings
    from colloquy.agent.scenarios import bundled_scenarios, load_scenarios, run_scenario
    from colloquy.desk import desk_is_seeded, seed_desk
    from colloquy.features.embeddings import SentenceEmbedder
    from colloquy.storage import Store

    scenarios = load_scenarios(paths) if paths else bundled_scenarios()
    cli = state(ctx)
    options = options_from_settings(cli.settings)
    with tempfile.TemporaryDirectory(prefix="colloquy-scenarios-") as scratch:
        if use_store:
            store = cli.open_store()
        else:
            store = Store.open(f"sqlite:///{Path(scratch) / 'desk.db'}")
        with store:
            if not desk_is_seeded(store):
                if use_store:
                    raise UsageError(
                        "the claims desk in this store is empty",
                        hint="run `colloquy agent seed` first, or drop --store",
                    )
                seed_desk(store)
            with stderr.status("loading the embedding model…"):
                embedder = SentenceEmbedder()
            results = []
            for scenario in scenarios:
                with stderr.status(f"playing {scenario.name}…"):
                    results.append(run_scenario(scenario, store, embedder, options))
    if fmt is OutputFormat.JSON:
        print_json(
            [
                {
                    "scenario": r.scenario,
                    "passed": r.passed,
                    "session_id": r.session_id,
                    "mismatches": [asdict(m) for m in r.mismatches],
                }
                for r in results
            ]
        )
    else:
        for r in results:
            mark = "[green]pass[/]" if r.passed else "[red]FAIL[/]"
            stdout.print(f"{mark} {r.scenario} ({r.turns} turns) {r.source}", highlight=False)
            for m in r.mismatches:
                where = f"turn {m.turn} (line {m.line})" if m.turn else "stored rows"
                stdout.print(
                    f"    {where}: {m.field}: expected {m.expected!r}, got {m.got!r}",
                    highlight=False,
                )
            if transcript or not r.passed:
                for customer, agent in r.transcript:
                    if customer:
                        stdout.print(f"    [cyan]you>[/] {customer}", highlight=False)
                    stdout.print(f"    [green]agent>[/] {agent}", highlight=False)
        failed = sum(not r.passed for r in results)
        stdout.print(f"{len(results) - failed} passed, {failed} failed")
    if any(not r.passed for r in results):
        raise typer.Exit(1)
