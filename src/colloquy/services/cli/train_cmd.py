"""``colloquy train``: fit models from labelled files and write model directories."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from colloquy.errors import UsageError
from colloquy.models.choices import CONVERSION_HEADS, METHODS, SOURCES
from colloquy.services.cli.context import state
from colloquy.services.cli.render import OutputFormat, print_json, print_mapping

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.execution import ExecutionBackend
    from colloquy.pipelines.records import EncoderChoiceRecord

OverwriteOption = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace the model directory at --output. Without it an existing model is "
        "kept, and a path holding anything else is never touched.",
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")]
DeviceOption = Annotated[
    str | None,
    typer.Option(
        "--device",
        help="auto, cpu or cuda: where the encoder, the contrastive fine-tune and the MLP head "
        "run (default: the config's device, else the execution.device setting). cuda without "
        "a GPU is an error; auto falls back to the CPU.",
    ),
]


ExecutionOption = Annotated[
    str | None,
    typer.Option(
        "--execution",
        help="local, ray or dask: where the cross-validation folds are fitted (default: the "
        "execution.backend setting); execution.address joins a running cluster.",
    ),
]


def _backend(settings: Settings, option: str | None) -> ExecutionBackend:
    """The backend ``--execution`` (or the ``execution`` settings) names, opened."""
    from colloquy.execution import BackendName, open_backend

    if option not in (None, "local", "ray", "dask"):
        raise UsageError(f"unknown --execution {option!r}", hint="use local, ray or dask")
    return open_backend(settings, backend=cast("BackendName | None", option))


def _device(option: str | None, configured: str | None, setting: str) -> str:
    """The device a training run asks for: ``--device``, the config's, or the setting's;
    checked here, so ``cuda`` without a GPU fails before any data is read."""
    from colloquy.execution.device import DEVICE_CHOICES, resolve_device

    if option is not None and option not in DEVICE_CHOICES:
        raise UsageError(f"unknown --device {option!r}", hint="use auto, cpu or cuda")
    chosen = option or configured or setting
    resolve_device(chosen)
    return chosen


def _overrides(
    option: str, value: str | None, allowed: tuple[str, ...], seed: int | None
) -> dict[str, object]:
    """The config fields a command-line ``--OPTION`` and ``--seed`` override."""
    updates: dict[str, object] = {}
    if value is not None:
        if value not in allowed:
            raise UsageError(
                f"unknown --{option} {value!r}", hint=f"use one of {', '.join(allowed)}"
            )
        updates[option] = value
    if seed is not None:
        updates["seed"] = seed
    return updates


app = typer.Typer(help="Train models.", no_args_is_help=True)


@app.command("intent")
def intent(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option("--data", help="CSV, JSONL or Parquet file.")],
    text_column: Annotated[
        str, typer.Option("--text-column", help="The column holding the message.")
    ],
    label_column: Annotated[
        str, typer.Option("--label-column", help="The column holding its intent.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    method: Annotated[
        str | None, typer.Option("--method", help=f"One of {', '.join(METHODS)}.")
    ] = None,
    oos_label: Annotated[
        str | None, typer.Option("--oos-label", help="Label of out-of-scope rows.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Training configuration (YAML).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    device: DeviceOption = None,
    overwrite: OverwriteOption = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Train an intent classifier on a labelled text file."""
    from colloquy.config import load_yaml_model
    from colloquy.features.embeddings.cache import default_cache_path
    from colloquy.pipelines.intent import IntentTrainingConfig, train_intent
    from colloquy.services.cli.progress import progress_bars

    training = load_yaml_model(config, IntentTrainingConfig) if config else IntentTrainingConfig()
    training = training.model_copy(update=_overrides("method", method, METHODS, seed))
    settings = state(ctx).settings
    chosen = _device(device, training.device, settings.execution.device)
    training = training.model_copy(update={"device": chosen})
    cache = default_cache_path(settings.resolved_home)
    with progress_bars() as progress:
        manifest = train_intent(
            data,
            text_column=text_column,
            label_column=label_column,
            output=output,
            config=training,
            oos_label=oos_label,
            overwrite=overwrite,
            cache_path=cache,
            progress=progress,
        )
    if fmt is OutputFormat.JSON:
        print_json(manifest.model_dump(mode="json"))
        return
    metrics = manifest.metrics
    print_mapping(
        f"intent model written to {output}",
        {
            "method": manifest.method,
            "head": manifest.head,
            "classes": len(manifest.labels),
            "tfidf_weight": manifest.tfidf_weight,
            "oos_threshold": manifest.threshold,
            "training_rows": metrics.training_rows,
            "training_seconds": metrics.training_seconds,
            "validation_accuracy": metrics.validation_accuracy,
        },
    )


@app.command("conversion")
def conversion(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--source", help=f"One of {', '.join(SOURCES)}.")],
    data: Annotated[Path, typer.Option("--data", help="The source's folder or file.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    config: Annotated[
        Path | None, typer.Option("--config", help="Training configuration (YAML).")
    ] = None,
    head: Annotated[
        str | None,
        typer.Option("--head", help=f"The tabular blocks' model: {', '.join(CONVERSION_HEADS)}."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    contrastive: Annotated[
        bool,
        typer.Option(
            "--contrastive",
            help="Also fine-tune the turn encoder on the outcomes (minutes on a CPU); kept "
            "only if it improves the embedding block. The config's contrastive: section "
            "sets its hyper-parameters.",
        ),
    ] = False,
    device: DeviceOption = None,
    execution: ExecutionOption = None,
    overwrite: OverwriteOption = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Train a conversion predictor on transcripts + customer metadata with outcomes."""
    from colloquy.config import load_yaml_model
    from colloquy.features.embeddings.cache import default_cache_path
    from colloquy.pipelines.conversion import (
        DEFAULT_CONTRASTIVE,
        ConversionTrainingConfig,
        check_source,
        train_conversion,
    )
    from colloquy.services.cli.progress import progress_bars

    chosen = check_source(source)
    training = (
        load_yaml_model(config, ConversionTrainingConfig) if config else ConversionTrainingConfig()
    )
    training = training.model_copy(update=_overrides("head", head, CONVERSION_HEADS, seed))
    if contrastive and training.contrastive is None:
        training = training.model_copy(update={"contrastive": DEFAULT_CONTRASTIVE})
    settings = state(ctx).settings
    device_choice = _device(device, training.device, settings.execution.device)
    training = training.model_copy(update={"device": device_choice})
    cache = default_cache_path(settings.resolved_home)
    with _backend(settings, execution) as backend, progress_bars() as progress:
        manifest = train_conversion(
            chosen,
            data,
            output=output,
            config=training,
            overwrite=overwrite,
            cache_path=cache,
            progress=progress,
            execution=backend,
        )
    if fmt is OutputFormat.JSON:
        print_json(manifest.model_dump(mode="json"))
        return
    metrics = manifest.metrics
    print_mapping(
        f"conversion model written to {output}",
        {
            "blocks": ", ".join(manifest.blocks),
            "head": manifest.head,
            "inner-CV ROC-AUC per block": ", ".join(
                f"{k} {v:.3f}" for k, v in manifest.block_inner_cv_auc.items()
            ),
            "training_conversations": metrics.training_conversations,
            "converted_share": metrics.converted_share,
            "left out (no outcome / no customer turn)": (
                f"{metrics.unlabelled_left_out} / {metrics.no_customer_turn_left_out}"
            ),
            "metadata fields denied": ", ".join(manifest.denied_fields) or "none",
            "contrastive encoder": _encoder_choice(manifest.encoder_choice),
            "training_seconds": metrics.training_seconds,
        },
    )


def _encoder_choice(choice: EncoderChoiceRecord | None) -> str:
    if choice is None:
        return "off"
    verdict = "kept" if choice.kept else "not kept"
    return (
        f"{verdict} (embedding block inner-CV ROC-AUC {choice.tuned_auc:.3f} tuned vs "
        f"{choice.generic_auc:.3f} generic)"
    )


@app.command("sentiment")
def sentiment(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option("--data", help="CSV, JSONL or Parquet file.")],
    text_column: Annotated[str, typer.Option("--text-column", help="The column holding the text.")],
    label_column: Annotated[
        str,
        typer.Option("--label-column", help="The column holding negative, neutral or positive."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model directory to write.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    execution: ExecutionOption = None,
    overwrite: OverwriteOption = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Train a sentiment model (MiniLM embeddings, VADER's scores, a logistic head)."""
    from colloquy.analytics.sentiment.files import train_sentiment_file

    with _backend(state(ctx).settings, execution) as backend:
        summary = train_sentiment_file(
            data,
            text_column=text_column,
            label_column=label_column,
            output=output,
            overwrite=overwrite,
            seed=seed,
            execution=backend,
        )
    if fmt is OutputFormat.JSON:
        print_json(summary.model_dump(mode="json"))
        return
    print_mapping(f"sentiment model written to {output}", summary.model_dump(mode="json"))
