"""``colloquy prompts``: list, show and render the prompt files the LLM layer uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_mapping, print_table

app = typer.Typer(help="Versioned LLM prompts: list, show, render.", no_args_is_help=True)

DirOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--dir",
        help="A folder of *.prompt.j2 files to add to the built-in prompts (repeatable).",
    ),
]
VersionOption = Annotated[
    str | None, typer.Option("--version", help="A prompt version (default: the newest).")
]


@app.command("list")
def list_(dirs: DirOption = None, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List every prompt and version with its format, variables and content hash."""
    from colloquy.llm.prompts import PromptLibrary

    prompts = PromptLibrary(dirs or ())
    rows = [
        {
            "name": p.name,
            "version": p.version,
            "format": p.format,
            "variables": {v.name: v.type for v in p.variables},
            "content_hash": p.content_hash,
            "source": p.source,
        }
        for p in prompts.list()
    ]
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    print_table(
        "prompts",
        ["name", "version", "format", "variables", "hash", "description"],
        [
            (
                p.name,
                p.version,
                p.format,
                escape(", ".join(f"{v.name}: {v.type}" for v in p.variables)),
                p.content_hash[:12],
                p.description,
            )
            for p in prompts.list()
        ],
    )


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The prompt's name.")],
    version: VersionOption = None,
    dirs: DirOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Show one prompt: its declaration and its template body."""
    from colloquy.llm.prompts import PromptLibrary

    prompt = PromptLibrary(dirs or ()).get(name, version)
    record = {
        "name": prompt.name,
        "version": prompt.version,
        "format": prompt.format,
        "description": prompt.description,
        "variables": {v.name: v.type for v in prompt.variables},
        "content_hash": prompt.content_hash,
        "source": prompt.source,
        "body": prompt.body,
    }
    if fmt is OutputFormat.JSON:
        print_json(record)
        return
    print_mapping(
        f"prompt {prompt.name} v{prompt.version}",
        {key: escape(str(value)) for key, value in record.items()},
    )


@app.command("render")
def render(
    name: Annotated[str, typer.Argument(help="The prompt's name.")],
    variables: Annotated[
        list[str] | None,
        typer.Option(
            "--var",
            help="NAME=VALUE; str variables take VALUE as it is, other types parse it as "
            "JSON (repeatable).",
        ),
    ] = None,
    version: VersionOption = None,
    dirs: DirOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Fill a prompt in and print its messages (nothing is sent to a model)."""
    from colloquy.errors import UsageError
    from colloquy.llm.prompts import PromptLibrary

    prompt = PromptLibrary(dirs or ()).get(name, version)
    types = {v.name: v.type for v in prompt.variables}
    values: dict[str, object] = {}
    for item in variables or ():
        key, sep, raw = item.partition("=")
        if not sep:
            raise UsageError(f"--var {item!r} is not NAME=VALUE", hint="e.g. --var text=hello")
        if types.get(key, "str") == "str":
            values[key] = raw
            continue
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"--var {key}: a {types[key]} value is JSON ({exc.msg} at column {exc.colno})",
                hint='e.g. --var labels=\'["refund", "card_lost"]\'',
            ) from None
    rendered = prompt.render(values)
    record = {
        "name": rendered.ref.name,
        "version": rendered.ref.version,
        "content_hash": rendered.ref.content_hash,
        "format": rendered.format,
        "messages": [{"role": m.role, "content": m.content} for m in rendered.messages],
    }
    if fmt is OutputFormat.JSON:
        print_json(record)
        return
    print_table(
        f"prompt {rendered.ref.name} v{rendered.ref.version}",
        ["role", "content"],
        [(m.role, escape(m.content)) for m in rendered.messages],
    )
