"""A conversion model directory: everything fitted, so inference matches training.

Layout (inside the common format of :mod:`colloquy.models.artifacts`)::

    manifest.json   blocks, head, chosen settings, inner-CV AUC per block, stacker weights,
                    embedder (name and model id), denylist, leakage checks, training-data
                    hash and size, metrics
    model.skops     the fitted metadata encoder, one fitted model per block, the stacker
    encoder/        the contrastively fine-tuned sentence encoder, only when one was kept

``model.skops`` is checked against the exact type allow-list before it is read. A generic
sentence encoder is not copied: the manifest names it and records its model id (a
fingerprint of its files), and loading refuses an encoder whose id differs, because pooled
vectors from another encoder would silently mean something else. A fine-tuned one exists
nowhere else, so it travels with the model, hashed like every other file.

This module knows the files, not the predictor: :class:`~colloquy.models.conversion.
ConversionPredictor` hands it a :class:`ConversionState` to save and builds itself from the
:class:`LoadedConversion` it reads back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from colloquy.errors import ArtifactError, ColloquyError
from colloquy.features.embeddings import Embedder, SentenceEmbedder
from colloquy.features.metadata import MetadataEncoder
from colloquy.models.artifacts import (
    copy_data_files,
    dump_sklearn,
    open_model,
    staged_directory,
    write_model,
)

KIND = "conversion"
STATE_FILE = "model.skops"
TUNED_ENCODER_DIR = "encoder"


@dataclass(frozen=True, slots=True)
class ConversionState:
    """A fitted predictor as it is saved: its estimators and what the manifest records."""

    block_models: Mapping[str, Any]
    stacker: Any
    metadata_encoder: MetadataEncoder | None
    tuned_encoder_dir: Path | None
    fields: Mapping[str, Any]
    """JSON-ready manifest fields: parameters, fitted facts, metrics."""


@dataclass(frozen=True, slots=True)
class LoadedConversion:
    """What a conversion model directory holds, checked and ready to predict with."""

    manifest: dict[str, Any]
    block_models: dict[str, Any]
    stacker: Any
    metadata_encoder: MetadataEncoder | None
    embedder: Embedder | None
    """The generic encoder the model was trained with (checked by model id), if it uses one."""
    tuned_encoder: SentenceEmbedder | None
    cue_embeddings: bool


def save_conversion(state: ConversionState, directory: Path, *, overwrite: bool) -> dict[str, Any]:
    """Write ``state`` to ``directory`` atomically; returns the manifest."""
    estimators = {
        "block_models": dict(state.block_models),
        "stacker": state.stacker,
        "encoder": state.metadata_encoder,
    }
    with staged_directory(directory, overwrite=overwrite) as staging:
        dump_sklearn(estimators, staging / STATE_FILE)
        if state.tuned_encoder_dir is not None:
            copy_data_files(
                state.tuned_encoder_dir, staging / TUNED_ENCODER_DIR, skip={"onnx", "checkpoints"}
            )
        tuned = TUNED_ENCODER_DIR if state.tuned_encoder_dir is not None else None
        return write_model(staging, kind=KIND, **state.fields, tuned_encoder=tuned)


def load_conversion(directory: Path, *, embedder: Embedder | None = None) -> LoadedConversion:
    """The model in ``directory``; ``embedder`` is used for a generic encoder when given
    (say, one behind the embedding cache) and must have the id the model recorded."""
    model = open_model(directory, kind=KIND)
    manifest = model.manifest
    state = model.read_sklearn(STATE_FILE)
    if not isinstance(state, dict) or set(state) != {"block_models", "stacker", "encoder"}:
        raise ArtifactError(f"{directory / STATE_FILE} does not hold a conversion model")
    try:
        blocks = list(manifest["blocks"])
        tuned = None
        if manifest["tuned_encoder"]:
            tuned = SentenceEmbedder(model.folder(TUNED_ENCODER_DIR), export_beside_model=False)
        cue_embeddings = "insights" in blocks and bool(manifest["insight_embeddings"])
        if ("embedding" in blocks and tuned is None) or cue_embeddings:
            if embedder is None:
                embedder = SentenceEmbedder(manifest["embedding_model"])
            if embedder.model_id != manifest["embedder_id"]:
                raise ArtifactError(
                    f"{directory} was trained with embedder {manifest['embedder_id']}, "
                    f"not {embedder.model_id}",
                    hint="load it with the sentence encoder it was trained with",
                )
    except KeyError as exc:
        raise ArtifactError(
            f"{directory / 'manifest.json'} lacks the field {exc}", hint="retrain the model"
        ) from None
    except ColloquyError as exc:
        if isinstance(exc, ArtifactError):
            raise
        raise ArtifactError(f"{directory}: cannot load its encoder: {exc.message}") from None
    model.finish()
    encoder = state["encoder"]
    return LoadedConversion(
        manifest=manifest,
        block_models=dict(state["block_models"]),
        stacker=state["stacker"],
        metadata_encoder=encoder if isinstance(encoder, MetadataEncoder) else None,
        embedder=embedder,
        tuned_encoder=tuned,
        cue_embeddings=cue_embeddings,
    )
