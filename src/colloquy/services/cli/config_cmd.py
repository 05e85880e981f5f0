"""``colloquy config``: show the effective settings and where the database lives."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import typer

from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_table

app = typer.Typer(help="Inspect configuration.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Print every setting with its effective value (passwords hidden)."""
    settings = state(ctx).settings
    values: dict[str, Any] = settings.model_dump(mode="json")
    if values.get("database_url"):
        values["database_url"] = render_url(values["database_url"])
    if values["storage"].get("url"):
        values["storage"]["url"] = render_url(values["storage"]["url"])
    values["resolved"] = {
        "database_url": render_url(settings.resolved_database_url),
        "data_dir": str(settings.resolved_data_dir),
        "home": str(settings.resolved_home),
    }
    if fmt is OutputFormat.JSON:
        print_json(values)
        return
    print_table("colloquy settings", ["key", "value"], list(_flatten(values)))


def render_url(url: str) -> str:
    """``url`` with its password replaced by ``***``.

    Done with the standard library rather than SQLAlchemy's URL type: ``config show`` must
    start without importing SQLAlchemy, and must still print a value that is no URL at all.
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostinfo}"))


def _flatten(values: dict[str, Any], prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in values.items():
        if isinstance(value, dict):
            rows.extend(_flatten(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows
