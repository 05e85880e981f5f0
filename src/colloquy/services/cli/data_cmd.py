"""``colloquy data``: ingest datasets into the store and look at what is there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from colloquy.data.loaders import LOADERS, get_loader
from colloquy.data.loaders.base import OnError
from colloquy.services.cli.context import state
from colloquy.services.cli.render import (
    OutputFormat,
    print_json,
    print_mapping,
    print_table,
    stderr,
)

app = typer.Typer(help="Ingest and inspect conversation datasets.", no_args_is_help=True)

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f")]


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help=f"One of: {', '.join(sorted(LOADERS))}.")],
    path: Annotated[Path, typer.Argument(help="A file or a dataset folder.")],
    dataset: Annotated[
        str | None, typer.Option("--dataset", "-d", help="Name to store it under.")
    ] = None,
    on_error: Annotated[
        str, typer.Option("--on-error", help="fail: abort, write nothing; skip: report rows.")
    ] = "fail",
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Read SOURCE data at PATH and store it; re-ingesting the same data adds nothing."""
    if on_error not in ("fail", "skip"):
        raise typer.BadParameter("must be 'fail' or 'skip'", param_hint="--on-error")
    mode: OnError = "fail" if on_error == "fail" else "skip"
    loader = get_loader(source, on_error=mode)
    name = dataset or source
    with state(ctx).open_store() as store, _progress() as progress:
        task = progress.add_task(f"ingesting {source} into {name!r}", total=None)

        def advance(seen: int, turns: int) -> None:
            progress.update(
                task, completed=seen, description=f"{seen:,} conversations, {turns:,} turns"
            )

        report = store.ingest(
            dataset=name,
            source=source,
            conversations=loader.load(path),
            params={"path": str(path), "on_error": mode},
            on_batch=advance,
        )
    load = loader.report
    summary = {
        "dataset": name,
        "source": source,
        "files": load.files,
        "conversations_read": report.received,
        "inserted": report.inserted,
        "duplicates_skipped": report.duplicates,
        "turns_written": report.turns,
        "rows_skipped": load.skipped,
        "problems": [str(p) for p in load.problems[:20]],
    }
    if fmt is OutputFormat.JSON:
        print_json(summary)
        return
    print_mapping(
        f"ingested {name}",
        {k: v for k, v in summary.items() if k not in ("problems", "files")},
    )
    for problem in load.problems[:20]:
        stderr.print(f"[yellow]skipped[/] {problem}")
    if load.skipped > 20:
        stderr.print(f"… and {load.skipped - 20} more skipped rows")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List stored datasets with their sizes."""
    with state(ctx).open_store() as store:
        infos = store.datasets()
    rows = [
        {
            "name": i.name,
            "source": i.source,
            "conversations": i.conversations,
            "turns": i.turns,
            "created_at": i.created_at,
        }
        for i in infos
    ]
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    print_table(
        "datasets",
        ["name", "source", "conversations", "turns", "created"],
        [(r["name"], r["source"], r["conversations"], r["turns"], r["created_at"]) for r in rows],
    )


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )
