"""``colloquy db``: apply migrations, report the schema revision, back up and restore."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_mapping

if TYPE_CHECKING:
    from colloquy.storage import SchemaStatus

app = typer.Typer(help="Manage the conversation store.", no_args_is_help=True)


def _render(title: str, result: SchemaStatus, fmt: OutputFormat) -> None:
    payload = {
        "url": result.url,
        "current": result.current,
        "head": result.head,
        "pending": list(result.pending),
        "up_to_date": result.up_to_date,
    }
    if fmt is OutputFormat.JSON:
        print_json(payload)
    else:
        print_mapping(
            title, {k: ", ".join(v) if isinstance(v, list) else v for k, v in payload.items()}
        )


@app.command("upgrade")
def upgrade(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Apply every pending migration to the configured database."""
    with state(ctx).connect_store() as store:
        _render("database upgraded", store.upgrade(), fmt)


@app.command("status")
def status(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Show the database's schema revision and what is still to apply."""
    with state(ctx).connect_store() as store:
        _render("database status", store.schema_status(), fmt)


@app.command("backup")
def backup(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="Backup file to write; with --keep, a folder of timestamped backups."),
    ],
    keep: Annotated[
        int | None,
        typer.Option("--keep", min=1, help="Treat FILE as a folder; keep only the newest N."),
    ] = None,
    artifacts: Annotated[
        list[Path] | None,
        typer.Option("--artifacts", help="A model or MLflow folder to reference in the manifest."),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Copy the database consistently (while writers run) and write FILE.manifest.json."""
    from colloquy.storage.backup import backup as make_backup
    from colloquy.storage.backup import backup_into

    settings = state(ctx).settings
    url = settings.resolved_database_url
    folders = tuple(artifacts or ())
    removed: tuple[Path, ...] = ()
    if keep is None:
        target = file
        manifest = make_backup(url, target, artifacts=folders)
    else:
        target, manifest, removed = backup_into(url, file, keep=keep, artifacts=folders)
    payload = {
        "file": str(target),
        "kind": manifest.kind,
        "bytes": manifest.bytes,
        "sha256": manifest.sha256,
        "counts": manifest.counts,
        "artifacts": [a.path for a in manifest.artifacts],
        "removed": [str(p) for p in removed],
    }
    if fmt is OutputFormat.JSON:
        print_json(payload)
    else:
        print_mapping("backup written", {**payload, "counts": _counts(manifest.counts)})


@app.command("restore")
def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup written by `colloquy db backup`.")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Replace the configured database with a backup, then verify its row counts."""
    from colloquy.storage.backup import restore as restore_backup

    report = restore_backup(state(ctx).settings.resolved_database_url, file)
    if fmt is OutputFormat.JSON:
        print_json({"target": report.target, "counts": report.counts})
    else:
        print_mapping(
            "database restored", {"target": report.target, "counts": _counts(report.counts)}
        )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}={n}" for name, n in counts.items())
