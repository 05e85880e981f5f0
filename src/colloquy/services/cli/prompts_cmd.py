"""``colloquy prompts``: the prompt files the LLM layer uses, and its example sets."""

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


examples_app = typer.Typer(
    help="Labelled example sets for few-shot prompts, in the project database.",
    no_args_is_help=True,
)
app.add_typer(examples_app, name="examples")

SetArgument = Annotated[str, typer.Argument(help="The example set's name.")]


@examples_app.command("list")
def examples_list(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List the example sets: embedder, version, size, last change."""
    from colloquy.services.cli.context import state
    from colloquy.storage.examples import ExampleRepository

    with state(ctx).open_store() as store:
        sets = ExampleRepository(store).sets()
    rows = [
        {
            "name": s.name,
            "embedder": s.embedder,
            "version": s.version,
            "examples": s.examples,
            "updated_at": s.updated_at.isoformat(),
        }
        for s in sets
    ]
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    print_table(
        "example sets",
        ["name", "embedder", "version", "examples", "updated"],
        [tuple(escape(str(v)) for v in row.values()) for row in rows],
    )


@examples_app.command("import")
def examples_import(
    ctx: typer.Context,
    name: SetArgument,
    dataset: Annotated[str, typer.Option("--dataset", help="A dataset in the store.")],
    label: Annotated[
        str, typer.Option("--label", help="The conversation label to use as the example's.")
    ] = "intent",
    per_label: Annotated[
        int | None, typer.Option("--per-label", min=1, help="At most this many per label.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Add a dataset's labelled conversations to a set (created if new) as one version."""
    from colloquy.features.embeddings import SentenceEmbedder
    from colloquy.llm.examples import ExampleStore
    from colloquy.services.cli.context import state

    with state(ctx).open_store() as store:
        examples = ExampleStore.open(store, name, SentenceEmbedder())
        report = examples.import_dataset(store, dataset, label_key=label, per_label=per_label)
        record = {
            "set": name,
            "added": report.added,
            "duplicates": report.duplicates,
            "examples": len(examples),
            "version": examples.revision,
            "fingerprint": examples.version,
        }
    if fmt is OutputFormat.JSON:
        print_json(record)
        return
    print_mapping(f"example set {name}", {k: escape(str(v)) for k, v in record.items()})


@examples_app.command("history")
def examples_history(
    ctx: typer.Context, name: SetArgument, fmt: FormatOption = OutputFormat.TABLE
) -> None:
    """Every version of a set: what changed, how many examples after, the fingerprint."""
    from colloquy.services.cli.context import state
    from colloquy.storage.examples import ExampleRepository

    with state(ctx).open_store() as store:
        versions = ExampleRepository(store).versions(name)
    rows = [
        {
            "version": v.version,
            "change": v.change,
            "added": v.added,
            "removed": v.removed,
            "examples": v.examples,
            "fingerprint": v.fingerprint,
            "at": v.created_at.isoformat(),
        }
        for v in versions
    ]
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    print_table(
        f"example set {name}",
        ["version", "change", "added", "removed", "examples", "fingerprint", "at"],
        [tuple(escape(str(v)) for v in row.values()) for row in rows],
    )
