"""``colloquy data``: ingest datasets into the store and look at what is there.

Loaders, pandas, pyarrow and matplotlib are imported inside the commands that use them,
so ``data list`` and ``data show`` start without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer

from colloquy.errors import UsageError
from colloquy.services.cli.context import state
from colloquy.services.cli.main import writing
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import (
    OutputFormat,
    print_json,
    print_mapping,
    print_table,
    stderr,
    stdout,
)

if TYPE_CHECKING:
    from colloquy.config import IngestSettings
    from colloquy.data.loaders.base import Loader, OnError
    from colloquy.pipelines.ingest import IngestResult

app = typer.Typer(help="Ingest and inspect conversation datasets.", no_args_is_help=True)

_TABULAR = {"csv", "jsonl", "parquet", "sql"}


def _source_names() -> list[str]:
    from colloquy.data.loaders import LOADERS

    return sorted(LOADERS)


def _dataset_names() -> list[str]:
    from colloquy.data.fetch import DATASETS

    return sorted(DATASETS)


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            help="csv, jsonl, parquet, sql, transcript, conversations or a public dataset's "
            "loader (banking77, bitext, …); a wrong name lists them all.",
            autocompletion=_source_names,
        ),
    ],
    path: Annotated[
        str, typer.Argument(help="A file or dataset folder (for sql: a database URL).")
    ],
    dataset: Annotated[
        str | None, typer.Option("--dataset", "-d", help="Name to store it under.")
    ] = None,
    on_error: Annotated[
        Literal["fail", "skip"],
        typer.Option("--on-error", help="fail: abort, write nothing; skip: report rows."),
    ] = "fail",
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            "-m",
            help="csv/jsonl/parquet/sql column mapping FIELD=COLUMN, e.g. "
            "conversation_id=chat_id, speaker=role, labels=a,b, speaker.rep=agent.",
        ),
    ] = None,
    query: Annotated[str | None, typer.Option("--query", help="SQL query (source sql).")] = None,
    speaker: Annotated[
        list[str] | None,
        typer.Option("--speaker", help="Transcript speaker NAME=ROLE, e.g. Dana=agent."),
    ] = None,
    default_role: Annotated[
        str | None,
        typer.Option("--default-role", help="Transcripts: role of unknown speaker names."),
    ] = None,
    transcript_format: Annotated[
        str | None,
        typer.Option(
            "--transcript-format",
            help="Transcripts: read every file as this format instead of detecting it "
            "(plain, webvtt, srt, sbv, json, whisper, assemblyai, deepgram, aws, google).",
        ),
    ] = None,
    merge_cues: Annotated[
        bool | None,
        typer.Option(
            "--merge-cues/--no-merge-cues",
            help="Transcripts: join consecutive cues of one speaker into one turn (default).",
        ),
    ] = None,
    clean: Annotated[bool, typer.Option("--clean/--no-clean", help="Clean text.")] = True,
    mask_pii: Annotated[
        bool, typer.Option("--mask-pii/--no-mask-pii", help="Mask emails, phones, cards…")
    ] = True,
    execution: Annotated[
        str | None,
        typer.Option(
            "--execution",
            help="csv/jsonl/parquet folders: load, clean and mask each file on local, ray or "
            "dask workers (execution.address joins a running cluster).",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Read SOURCE data at PATH, clean it, mask PII and store it, all or nothing.

    Re-ingesting the same data adds nothing (conversations are de-duplicated by content).
    """
    from colloquy.data.loaders import SqlQuerySource, get_loader
    from colloquy.pipelines.ingest import ingest as run_ingest
    from colloquy.services.cli.progress import progress_bars

    mode: OnError = on_error
    options = _loader_options(source, column, query, speaker, default_role)
    if transcript_format is not None:
        if source != "transcript":
            raise UsageError("--transcript-format applies to the transcript source only")
        options["transcript_format"] = transcript_format
    if merge_cues is not None:
        if source != "transcript":
            raise UsageError("--merge-cues/--no-merge-cues apply to the transcript source only")
        options["merge_cues"] = merge_cues
    loader = get_loader(source, on_error=mode, **options)
    target: Any = SqlQuerySource(url=path, query=query or "") if source == "sql" else Path(path)
    settings = state(ctx).settings
    ingest_settings = settings.ingest.model_copy(update={"clean": clean, "mask_pii": mask_pii})
    name = dataset or source
    if execution is not None:
        result = _ingest_on_backend(
            ctx, loader, target, execution, dataset=name, settings=ingest_settings
        )
    else:
        with state(ctx).open_store() as store, progress_bars() as progress:
            result = run_ingest(
                store, loader, target, dataset=name, settings=ingest_settings, on_batch=progress
            )
    summary = result.to_dict()
    if fmt is OutputFormat.JSON:
        print_json(summary)
        return
    shown = {k: v for k, v in summary.items() if k not in ("problems", "files", "cleaning", "pii")}
    if result.pii is not None:
        shown["pii_masked"] = ", ".join(f"{k}={v}" for k, v in result.pii["counts"].items())
    print_mapping(f"ingested {name}", shown)
    for problem in result.load.problems[:20]:
        stderr.print(f"[yellow]skipped[/] {problem}")
    if result.load.skipped > 20:
        stderr.print(f"… and {result.load.skipped - 20} more skipped rows")


def _ingest_on_backend(
    ctx: typer.Context,
    loader: Loader,
    target: Path,
    execution: str,
    *,
    dataset: str,
    settings: IngestSettings,
) -> IngestResult:
    from colloquy.execution import BackendName, open_backend
    from colloquy.pipelines.ingest_partitions import ingest_partitioned
    from colloquy.services.cli.progress import progress_bars

    if execution not in ("local", "ray", "dask"):
        raise UsageError(f"unknown --execution {execution!r}", hint="use local, ray or dask")
    chosen = cast("BackendName", execution)
    cli = state(ctx)
    with (
        cli.open_store() as store,
        open_backend(cli.settings, backend=chosen) as backend,
        progress_bars() as progress,
    ):
        return ingest_partitioned(
            store,
            loader,
            target,
            dataset=dataset,
            backend=backend,
            settings=settings,
            on_batch=progress,
        )


def _loader_options(
    source: str,
    column: list[str] | None,
    query: str | None,
    speaker: list[str] | None,
    default_role: str | None,
) -> dict[str, Any]:
    from colloquy.data.loaders import ColumnMapping

    options: dict[str, Any] = {}
    if source in _TABULAR:
        options["mapping"] = ColumnMapping.from_pairs(column or [])
    elif column:
        raise UsageError(f"--map applies to csv, jsonl, parquet and sql, not {source!r}")
    if source == "sql" and not query:
        raise UsageError("source sql needs --query", hint="e.g. --query 'SELECT * FROM chats'")
    if source == "transcript":
        from colloquy.services.cli.parsing import parse_speaker_map

        speaker_map = parse_speaker_map(speaker or [])
        if speaker_map:
            options["speaker_map"] = speaker_map
        if default_role:
            options["default_role"] = default_role
    elif speaker or default_role:
        raise UsageError("--speaker and --default-role apply to the transcript source only")
    return options


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


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A stored dataset.")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Counts of conversations, turns, speakers, outcomes and labels in a dataset."""
    with state(ctx).open_store() as store:
        info = store.dataset(name)
        stats = store.stats(name)
    payload = {
        "name": info.name,
        "source": info.source,
        "conversations": info.conversations,
        "turns": info.turns,
        "speakers": stats.speakers,
        "outcomes": stats.outcomes,
        "labels": stats.labels,
        "ingests": info.params.get("ingests", []),
    }
    if fmt is OutputFormat.JSON:
        print_json(payload)
        return
    print_mapping(
        f"dataset {info.name}",
        {
            "source": info.source,
            "conversations": info.conversations,
            "turns": info.turns,
            "speakers": ", ".join(f"{k}={v}" for k, v in sorted(stats.speakers.items())),
            "outcomes": ", ".join(f"{k}={v}" for k, v in sorted(stats.outcomes.items())),
            "ingests": len(payload["ingests"]),
        },
    )
    for key, counts in stats.labels.items():
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        rows = [(value, count) for value, count in top[:15]]
        if len(top) > 15:
            rows.append((f"… {len(top) - 15} more", sum(c for _, c in top[15:])))
        print_table(f"label {key!r} ({len(top)} values)", ["value", "conversations"], rows)


@app.command("quality")
def quality(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A stored dataset.")],
    label: Annotated[
        str | None, typer.Option("--label", help="Label key to profile (default intent).")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write an HTML page with charts here.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Completeness, duplicates, label balance, turn and speaker statistics of a dataset."""
    from colloquy.data.quality import quality_report

    with state(ctx).open_store() as store:
        report = quality_report(store.conversations(name), label_key=label)
    written = None
    if html is not None:
        with writing(html):
            written = report.to_html(html)
    if fmt is OutputFormat.JSON:
        print_json(report.to_dict() | ({"html": written} if written is not None else {}))
        return
    if written is not None:
        stderr.print(f"wrote {written}")
    print_table(f"quality of {name}", ["section", "metric", "value"], report.to_table_rows())


@app.command("split")
def split(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A stored dataset.")],
    split_name: Annotated[
        str, typer.Option("--name", help="Name to save the split under.")
    ] = "default",
    fractions: Annotated[
        str | None,
        typer.Option("--fractions", help="e.g. train=0.8,validation=0.1,test=0.1"),
    ] = None,
    kfold: Annotated[int | None, typer.Option("--kfold", help="k folds instead.")] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; the same seed gives the same split.")
    ] = 0,
    label: Annotated[
        str | None, typer.Option("--label", help="Label key to stratify by (default intent).")
    ] = "intent",
    group: Annotated[
        str | None, typer.Option("--group", help="Metadata key whose groups never straddle.")
    ] = None,
    official: Annotated[
        str | None,
        typer.Option("--official", help="Label key of an official split to honour (e.g. split)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the split JSON here.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Deterministic, stratified, group-aware splits, saved with the dataset by id.

    The file (``--output``) is written before the split is saved in the store, so a path
    that cannot be written leaves the store as it was.
    """
    from colloquy.data.splits import kfold_split, split_conversations

    with state(ctx).open_store() as store:
        conversations = store.conversations(name)
        if kfold is not None:
            result = kfold_split(
                conversations,
                k=kfold,
                seed=seed,
                label_key=label,
                group_key=group,
                official_key=official,
            )
        else:
            result = split_conversations(
                conversations,
                fractions=_parse_fractions(fractions) if fractions else None,
                seed=seed,
                label_key=label,
                group_key=group,
                official_key=official,
            )
        document = result.to_dict()
        if output is not None:
            with writing(output):
                result.save(output)
        store.save_split(name, split_name, ids_sha256=result.ids_sha256, document=document)
    if fmt is OutputFormat.JSON:
        print_json({k: v for k, v in document.items() if k != "assignment"})
        return
    print_table(
        f"split {split_name!r} of {name} (seed {seed})",
        ["split", "conversations", "classes", "smallest class", "largest class"],
        result.to_table_rows(),
    )


def _parse_fractions(text: str) -> dict[str, float]:
    fractions: dict[str, float] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        try:
            fractions[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise UsageError(
                f"bad --fractions part {part!r}", hint="write train=0.8,validation=0.1,test=0.1"
            )
    return fractions


@app.command("export")
def export(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A stored dataset.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    to: Annotated[
        Literal["jsonl", "parquet"],
        typer.Option("--to", help="jsonl (lossless) or parquet (a turn table)."),
    ] = "jsonl",
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Write a stored dataset to JSONL or Parquet (the file is replaced only when complete)."""
    from colloquy.data.export import export_conversations
    from colloquy.services.cli.progress import progress_bars

    with state(ctx).open_store() as store, progress_bars() as progress, writing(output):
        n_conversations, n_turns = export_conversations(
            store.conversations(name), output, fmt=to, progress=progress
        )
    summary = {"dataset": name, "output": output, "format": to}
    summary |= {"conversations": n_conversations, "turns": n_turns}
    if fmt is OutputFormat.JSON:
        print_json(summary)
        return
    stdout.print(f"wrote {n_conversations:,} conversations, {n_turns:,} turns to {output}")


@app.command("fetch")
def fetch(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="A public dataset (banking77, bitext, sgd, …); a wrong name lists them all.",
            autocompletion=_dataset_names,
        ),
    ],
    dest: Annotated[
        Path | None, typer.Option("--dest", help="Datasets folder (default $COLLOQUY_DATA_DIR).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="A mirror of the dataset's folder.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Download files already present.")] = (
        False
    ),
) -> None:
    """Download a public dataset from its canonical source into the datasets folder."""
    from colloquy.data.fetch import fetch_dataset
    from colloquy.services.cli.progress import progress_bars

    target = dest or state(ctx).settings.resolved_data_dir
    with progress_bars() as progress:
        folder = fetch_dataset(name, target, base_url=base_url, force=force, progress=progress)
    stdout.print(f"{name} is in {folder}")


@app.command("version")
def version(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A stored dataset.")],
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="Snapshots folder (default: data/versions in the DVC repository around the "
            "working directory, else <home>/data/versions).",
        ),
    ] = None,
    dvc: Annotated[
        bool, typer.Option("--dvc/--no-dvc", help="dvc add the snapshot inside a DVC repository.")
    ] = True,
    push: Annotated[
        bool, typer.Option("--push", help="Also dvc push it to the default remote.")
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Snapshot a dataset under its content-addressed version (and dvc add it).

    The version is the hash of the dataset's conversations: re-ingesting the same data keeps
    it, any change gives a new one. `colloquy pipeline run FILE --data-version V` re-runs on
    exactly that snapshot.
    """
    from colloquy.data.versions import default_versions_root, version_dataset
    from colloquy.services.cli.progress import progress_bars

    settings = state(ctx).settings
    folder = root if root is not None else default_versions_root(settings.resolved_home)
    with (
        state(ctx).open_store() as store,
        progress_bars() as progress,
        writing(folder, folder=True),
    ):
        report = version_dataset(store, name, folder, use_dvc=dvc, push=push, progress=progress)
    if fmt is OutputFormat.JSON:
        print_json(report.to_dict())
        return
    shown: dict[str, object] = {
        "version": report.snapshot.version.version,
        "snapshot": report.snapshot.path,
        "conversations": report.snapshot.version.conversations,
        "turns": report.snapshot.version.turns,
        "new": "yes" if report.snapshot.written else "no (already snapshotted)",
    }
    if report.lineage is not None:
        shown |= {"dvc md5": report.lineage.md5, "dvc file": report.lineage.dvc_file}
        shown["git revision"] = report.lineage.git_revision or "(no commit)"
        shown["pushed to"] = report.lineage.remote if report.pushed else "(not pushed)"
    print_mapping(f"dataset {name} version {report.snapshot.version.version}", shown)
