"""``colloquy db``: apply migrations and report the schema revision."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
