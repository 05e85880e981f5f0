"""A conversion model directory: everything fitted, so inference matches training.

Layout::

    manifest.json   blocks, head, chosen settings, inner-CV AUC per block, stacker weights,
                    embedder (name and model id), denylist, leakage checks, training-data
                    hash and size, metrics
    model.skops     the fitted metadata encoder, one fitted model per block, the stacker
    encoder/        the contrastively fine-tuned sentence encoder, only when one was kept

A generic sentence encoder is not copied: the manifest names it and records its model id
(a fingerprint of its files), and loading refuses an encoder whose id differs, because
pooled vectors from another encoder would silently mean something else. A fine-tuned one
exists nowhere else, so it travels with the model, and loading refuses it if the
fingerprint of its files differs from the one recorded at training.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from colloquy.errors import ArtifactError
from colloquy.features.cues import CueDetector
from colloquy.features.embeddings import CachedEmbedder, Embedder, SentenceEmbedder
from colloquy.features.embeddings.sentence import model_fingerprint
from colloquy.features.metadata import MetadataEncoder
from colloquy.features.transcript import MEAN_POOLS, PooledTurnEmbeddings
from colloquy.models.artifacts import (
    dump_sklearn,
    load_sklearn,
    read_manifest,
    staged_directory,
    write_manifest,
)
from colloquy.models.conversion import ConversionPredictor
from colloquy.models.conversion_blocks import MetadataBlock, make_block

KIND = "conversion"
STATE_FILE = "model.skops"
TUNED_ENCODER_DIR = "encoder"
TRUSTED_TYPES = (
    "collections.OrderedDict",
    "colloquy.features.metadata.MetadataEncoder",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
)


def save_predictor(
    predictor: ConversionPredictor, directory: Path, *, metrics: Any = None
) -> dict[str, Any]:
    predictor._check_fitted()
    encoder = next(
        (b.encoder for b in predictor.blocks_.values() if isinstance(b, MetadataBlock)), None
    )
    state = {
        "block_models": dict(predictor.block_models_),
        "stacker": predictor.stacker_,
        "encoder": encoder,
    }
    tuned = predictor.tuned_encoder_
    with staged_directory(directory) as staging:
        dump_sklearn(state, staging / STATE_FILE)
        if tuned is not None and tuned.model_dir is not None:
            shutil.copytree(tuned.model_dir, staging / TUNED_ENCODER_DIR)
        return write_manifest(
            staging,
            kind=KIND,
            blocks=list(predictor.blocks_),
            head=predictor.head,
            embedding_model=predictor.embedding_model if predictor.embedder else None,
            embedder_id=predictor.embedder.model_id if predictor.embedder else None,
            embedding_pools=list(predictor.embedding_pools),
            insight_embeddings=predictor.insight_embeddings,
            tuned_encoder=TUNED_ENCODER_DIR if tuned is not None else None,
            tuned_encoder_sha=(
                model_fingerprint(staging / TUNED_ENCODER_DIR) if tuned is not None else None
            ),
            encoder_choice=predictor.encoder_choice_,
            denylist=list(predictor.denylist),
            denied_fields=predictor.denied_fields_,
            metadata_ratios=[list(pair) for pair in predictor.metadata_ratios],
            price_reference=predictor.price_reference,
            train_prefix_ratios=list(predictor.train_prefix_ratios),
            leakage_threshold=predictor.leakage_threshold,
            leakage_checks=predictor.leakage_reports_,
            block_settings=predictor.block_settings_,
            block_inner_cv_auc=predictor.block_auc_,
            stacker_weights=dict(
                zip(predictor.blocks_, predictor.stacker_.coef_[0].tolist(), strict=True)
            ),
            metadata_fields_dropped=encoder.dropped_ if encoder is not None else {},
            base_rate=predictor.base_rate_,
            training_conversations=predictor.n_training_,
            training_data_sha256=predictor.training_fingerprint_,
            seed=predictor.seed,
            metrics=dict(metrics or {}),
        )


def load_predictor(directory: Path, *, embedder: Embedder | None = None) -> ConversionPredictor:
    manifest = read_manifest(directory, kind=KIND)
    state = load_sklearn(directory / STATE_FILE, extra_trusted=TRUSTED_TYPES)
    if not isinstance(state, dict) or set(state) != {"block_models", "stacker", "encoder"}:
        raise ArtifactError(f"{directory / STATE_FILE} does not hold a conversion model")
    blocks = list(manifest["blocks"])
    tuned = _tuned_encoder(directory, manifest)
    # A model saved before the insights block existed has no insight_embeddings entry.
    cue_embeddings = "insights" in blocks and bool(manifest.get("insight_embeddings"))
    if ("embedding" in blocks and tuned is None) or cue_embeddings:
        if embedder is None:
            embedder = SentenceEmbedder(manifest["embedding_model"])
        if embedder.model_id != manifest["embedder_id"]:
            raise ArtifactError(
                f"{directory} was trained with embedder {manifest['embedder_id']}, "
                f"not {embedder.model_id}",
                hint="load it with the sentence encoder it was trained with",
            )
    predictor = ConversionPredictor(
        blocks=blocks,
        head=manifest["head"],
        embedder=embedder,
        embedding_model=manifest.get("embedding_model") or "",
        embedding_pools=manifest.get("embedding_pools", MEAN_POOLS),
        denylist=manifest["denylist"],
        leakage_threshold=manifest["leakage_threshold"],
        metadata_ratios=[tuple(pair) for pair in manifest["metadata_ratios"]],
        price_reference=manifest.get("price_reference"),
        train_prefix_ratios=manifest["train_prefix_ratios"],
        seed=manifest["seed"],
    )
    turn_encoder: Embedder | None = tuned if tuned is not None else embedder
    if tuned is not None and isinstance(embedder, CachedEmbedder):
        turn_encoder = CachedEmbedder(tuned, embedder.cache)
    pooled = None
    if turn_encoder is not None:
        pooled = PooledTurnEmbeddings(turn_encoder, pools=predictor.embedding_pools)
    encoder = state["encoder"] if isinstance(state["encoder"], MetadataEncoder) else None
    detector = CueDetector(embedder if cue_embeddings else None)
    predictor.blocks_ = {
        name: make_block(
            name,
            pooled=pooled,
            encoder=encoder,
            price_reference=predictor.price_reference,
            detector=detector,
        )
        for name in blocks
    }
    predictor.tuned_encoder_ = tuned
    predictor.encoder_choice_ = manifest.get("encoder_choice")
    predictor.block_models_ = state["block_models"]
    predictor.stacker_ = state["stacker"]
    predictor.block_settings_ = manifest["block_settings"]
    predictor.block_auc_ = manifest["block_inner_cv_auc"]
    predictor.denied_fields_ = manifest["denied_fields"]
    predictor.leakage_reports_ = manifest["leakage_checks"]
    predictor.base_rate_ = float(manifest["base_rate"])
    predictor.n_training_ = int(manifest["training_conversations"])
    predictor.training_fingerprint_ = manifest["training_data_sha256"]
    predictor.manifest_ = manifest
    return predictor


def _tuned_encoder(directory: Path, manifest: dict[str, Any]) -> SentenceEmbedder | None:
    """The model's own fine-tuned encoder, checked against the id recorded at training."""
    name = manifest.get("tuned_encoder")
    if not name:
        return None
    found = model_fingerprint(directory / name) if (directory / name).is_dir() else "missing"
    if found != manifest["tuned_encoder_sha"]:
        raise ArtifactError(
            f"{directory / name} is not the encoder this model was trained with "
            f"(fingerprint {found}, expected {manifest['tuned_encoder_sha']})",
            hint="restore the model directory from where it was saved, or retrain",
        )
    return SentenceEmbedder(str(directory / name))
