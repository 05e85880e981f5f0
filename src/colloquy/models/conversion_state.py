"""Between a conversion predictor and its model directory: the state :meth:`save
<colloquy.models.conversion.ConversionPredictor.save>` hands to
:mod:`colloquy.models.conversion_artifact`, and the fitted model rebuilt from what
:meth:`load <colloquy.models.conversion.ConversionPredictor.load>` read back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from colloquy.errors import ArtifactError
from colloquy.features.cues import CueDetector
from colloquy.features.embeddings import CachedEmbedder, Embedder
from colloquy.features.transcript import PooledTurnEmbeddings
from colloquy.models.conversion_artifact import STATE_FILE, ConversionState, LoadedConversion
from colloquy.models.conversion_blocks import MetadataBlock, make_block
from colloquy.models.conversion_training import FittedConversion

if TYPE_CHECKING:
    from colloquy.models.conversion import ConversionPredictor


def saved_state(
    predictor: ConversionPredictor, metrics: Mapping[str, Any] | None
) -> ConversionState:
    """A fitted predictor's estimators and manifest fields, ready to be written."""
    encoder = next(
        (b.encoder for b in predictor.blocks_.values() if isinstance(b, MetadataBlock)), None
    )
    tuned = predictor.tuned_encoder_
    embedder = predictor.embedder
    fields = {
        "blocks": list(predictor.blocks_),
        "head": predictor.head,
        "embedding_model": predictor.embedding_model if embedder else None,
        "embedder_id": embedder.model_id if embedder else None,
        "embedding_pools": list(predictor.embedding_pools),
        "insight_embeddings": predictor.insight_embeddings,
        "encoder_choice": predictor.encoder_choice_,
        "denylist": list(predictor.denylist),
        "denied_fields": predictor.denied_fields_,
        "metadata_ratios": [list(pair) for pair in predictor.metadata_ratios],
        "price_reference": predictor.price_reference,
        "train_prefix_ratios": list(predictor.train_prefix_ratios),
        "leakage_threshold": predictor.leakage_threshold,
        "leakage_checks": predictor.leakage_reports_,
        "block_settings": predictor.block_settings_,
        "block_inner_cv_auc": predictor.block_auc_,
        "stacker_weights": dict(
            zip(predictor.blocks_, predictor.stacker_.coef_[0].tolist(), strict=True)
        ),
        "metadata_fields_dropped": encoder.dropped_ if encoder is not None else {},
        "base_rate": predictor.base_rate_,
        "training_conversations": predictor.n_training_,
        "training_data_sha256": predictor.training_fingerprint_,
        "seed": predictor.seed,
        "metrics": dict(metrics or {}),
    }
    return ConversionState(
        block_models={str(name): model for name, model in predictor.block_models_.items()},
        stacker=predictor.stacker_,
        metadata_encoder=encoder,
        tuned_encoder_dir=tuned.model_dir if tuned is not None else None,
        fields=fields,
    )


def restored_fit(predictor: ConversionPredictor, loaded: LoadedConversion) -> FittedConversion:
    """The fitted model in ``loaded``, with blocks built for ``predictor``'s parameters
    (which :meth:`load <colloquy.models.conversion.ConversionPredictor.load>` read from
    the same manifest)."""
    manifest = loaded.manifest
    tuned = loaded.tuned_encoder
    turn_encoder: Embedder | None = tuned if tuned is not None else loaded.embedder
    if tuned is not None and isinstance(loaded.embedder, CachedEmbedder):
        turn_encoder = CachedEmbedder(tuned, loaded.embedder.cache)
    pooled = None
    if turn_encoder is not None:
        pooled = PooledTurnEmbeddings(turn_encoder, pools=predictor.embedding_pools)
    detector = CueDetector(loaded.embedder if loaded.cue_embeddings else None)
    blocks = {
        name: make_block(
            name,
            pooled=pooled,
            encoder=loaded.metadata_encoder,
            price_reference=predictor.price_reference,
            detector=detector,
        )
        for name in predictor.blocks
    }
    encoder_choice = manifest["encoder_choice"]
    if set(loaded.block_models) != set(predictor.blocks):
        raise ArtifactError(
            f"{STATE_FILE} holds models for blocks {sorted(loaded.block_models)}, the "
            f"manifest names {sorted(predictor.blocks)}",
            hint="retrain the model",
        )
    return FittedConversion(
        blocks=blocks,
        block_models={name: loaded.block_models[name] for name in blocks},
        block_settings=manifest["block_settings"],
        block_auc=manifest["block_inner_cv_auc"],
        stacker=loaded.stacker,
        denied_fields=manifest["denied_fields"],
        leakage_reports=manifest["leakage_checks"],
        tuned_encoder=tuned,
        encoder_choice=encoder_choice,
        base_rate=float(manifest["base_rate"]),
        n_training=int(manifest["training_conversations"]),
        training_fingerprint=manifest["training_data_sha256"],
    )
