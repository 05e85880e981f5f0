"""``colloquy models``: the model registry (versions and aliases).

The registry is the configured MLflow store (``mlflow.tracking_uri``, by default the SQLite
store under the colloquy home); MLflow is imported only inside the commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import (
    OutputFormat,
    print_json,
    print_mapping,
    print_table,
    stdout,
)

app = typer.Typer(help="List, inspect and promote registered models.", no_args_is_help=True)


def _aliases(aliases: dict[str, int] | tuple[str, ...]) -> str:
    if isinstance(aliases, dict):
        return ", ".join(f"{alias}={version}" for alias, version in sorted(aliases.items()))
    return ", ".join(aliases)


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List registered models with their latest version and aliases."""
    from colloquy.tracking.factory import registry_from_settings

    models = registry_from_settings(state(ctx).settings).list_models()
    if fmt is OutputFormat.JSON:
        print_json([model.to_dict() for model in models])
        return
    if not models:
        stdout.print("no registered models (register one with `colloquy pipeline run`)")
        return
    print_table(
        "registered models",
        ["name", "latest", "aliases", "updated"],
        [
            (m.name, m.latest_version, _aliases(dict(m.aliases)), m.updated_at.isoformat())
            for m in models
        ],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The registered model's name.")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Show a model's versions: aliases, runs, status and the runs' metrics."""
    from colloquy.tracking.factory import registry_from_settings

    details = registry_from_settings(state(ctx).settings).show(name)
    if fmt is OutputFormat.JSON:
        print_json(details.to_dict())
        return
    model = details.model
    print_mapping(
        f"model {model.name}",
        {
            "latest_version": model.latest_version,
            "aliases": _aliases(dict(model.aliases)),
            "created": model.created_at.isoformat(),
            "updated": model.updated_at.isoformat(),
        },
    )
    print_table(
        "versions",
        ["version", "aliases", "run", "status", "created", "metrics"],
        [
            (
                v.version,
                _aliases(v.aliases),
                v.run_id,
                v.status,
                v.created_at.isoformat(),
                ", ".join(f"{k}={value:.4g}" for k, value in sorted(v.metrics.items())),
            )
            for v in details.versions
        ],
    )


@app.command("promote")
def promote(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The registered model's name.")],
    version: Annotated[int, typer.Argument(help="The version to promote.", min=1)],
    alias: Annotated[
        str,
        typer.Option(
            "--alias",
            help="The alias to give it. Promoting to champion makes the old champion the "
            "challenger.",
        ),
    ] = "champion",
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Point ALIAS (default: champion) at VERSION of NAME, by hand (no comparison)."""
    from colloquy.tracking.factory import registry_from_settings
    from colloquy.tracking.promotion import promote as run_promote

    registry = registry_from_settings(state(ctx).settings)
    decision = run_promote(registry, name, version, None, force=True, alias=alias)
    if fmt is OutputFormat.JSON:
        print_json(decision.to_dict())
        return
    print_mapping(f"{name} version {version} is {alias}", decision.to_dict())
