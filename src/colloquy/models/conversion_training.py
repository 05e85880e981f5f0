"""Training a conversion model: what :meth:`ConversionPredictor.fit
<colloquy.models.conversion.ConversionPredictor.fit>` does with the predictor's parameters.

The steps, in order: refuse data a model cannot learn from, build the training rows and
the blocks' features, guard against leakage, choose each block's setting by inner
cross-validation (and, with ``contrastive``, whether a fine-tuned encoder beats the
generic one), fit the blocks, and fit the stacker on their out-of-fold log-odds. The
result is one :class:`FittedConversion`, which the predictor adopts whole, so a failed
run leaves a fitted predictor as it was.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from colloquy.errors import DataError, UsageError
from colloquy.features.cues import CueDetector
from colloquy.features.embeddings import Embedder, SentenceEmbedder
from colloquy.features.metadata import MetadataEncoder
from colloquy.features.transcript import PooledTurnEmbeddings, has_customer_turn
from colloquy.logging import get_logger
from colloquy.models.conversion_blocks import BlockName, EmbeddingBlock, FeatureBlock, make_block
from colloquy.models.conversion_encoder import (
    EncoderChoice,
    cross_fitted_vectors,
    fine_tune,
    outcome_examples,
)
from colloquy.models.conversion_inner_cv import (
    Fold,
    SettingChoice,
    choose_setting,
    grouped_folds,
    logit,
    training_fingerprint,
    training_rows,
)
from colloquy.models.conversion_leakage import guard_leakage
from colloquy.progress import emit
from colloquy.schema import Conversation

if TYPE_CHECKING:
    from colloquy.execution.base import ExecutionBackend
    from colloquy.models.conversion import ConversionPredictor

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class FittedConversion:
    """Everything a predictor learns, from training or from its model directory."""

    blocks: dict[BlockName, FeatureBlock]
    block_models: dict[BlockName, Any]
    block_settings: dict[BlockName, dict[str, Any]]
    block_auc: dict[BlockName, float]
    stacker: Any
    denied_fields: list[str]
    leakage_reports: list[dict[str, Any]]
    tuned_encoder: SentenceEmbedder | None
    encoder_choice: dict[str, Any] | None
    base_rate: float
    n_training: int
    training_fingerprint: str
    encoder_scratch: tempfile.TemporaryDirectory[str] | None = None
    """Where a tuned encoder lives until the model is saved (kept alive with it)."""


@dataclass(frozen=True, slots=True)
class _EncoderTuning:
    vectors: NDArray[np.float32]
    choice: SettingChoice
    encoder: SentenceEmbedder | None
    scratch: tempfile.TemporaryDirectory[str] | None
    record: dict[str, Any]


def require_customer_turns(conversations: Sequence[Conversation]) -> None:
    silent = [c.id for c in conversations if not has_customer_turn(c)]
    if silent:
        shown = ", ".join(silent[:5]) + (f" and {len(silent) - 5} more" if len(silent) > 5 else "")
        raise DataError(
            f"{len(silent)} conversation(s) have no customer turn: {shown}",
            hint="check the speaker roles (e.g. the transcript's speaker names or --map speaker=)",
        )


def make_blocks(predictor: ConversionPredictor) -> dict[BlockName, FeatureBlock]:
    """Fresh, unfitted blocks for the predictor's parameters."""
    pooled = None
    if predictor.embedder is not None:
        pooled = PooledTurnEmbeddings(predictor.embedder, pools=predictor.embedding_pools)
    detector = CueDetector(predictor.embedder)
    return {
        name: make_block(
            name,
            pooled=pooled,
            encoder=MetadataEncoder(),
            price_reference=predictor.price_reference,
            detector=detector,
        )
        for name in predictor.blocks
    }


def train_conversion(
    predictor: ConversionPredictor,
    conversations: Sequence[Conversation],
    y: npt.ArrayLike,
    groups: Sequence[str] | None,
    execution: ExecutionBackend | None = None,
) -> FittedConversion:
    """Fit a model with ``predictor``'s parameters (checked by the caller); the inner
    cross-validation fits run on ``execution`` when one is given."""
    target = np.asarray(y).astype(bool).astype(np.int_).ravel()
    if len(target) != len(conversations):
        raise UsageError(f"{len(conversations)} conversations but {len(target)} labels")
    require_customer_turns(conversations)
    if len(set(target.tolist())) < 2:
        raise DataError(
            "conversion training data has only one outcome class",
            hint="a model needs both converted and not-converted conversations",
        )
    if groups is not None and len(groups) != len(conversations):
        raise UsageError(f"{len(conversations)} conversations but {len(groups)} groups")
    head, seed, progress = predictor.head, predictor.seed, predictor.progress
    rows, labels, row_groups = training_rows(
        conversations, target, groups, predictor.train_prefix_ratios
    )
    records = predictor.records(rows)
    denied_fields = sorted(
        {k for c in conversations for k in c.metadata} - {k for r in records for k in r}
    )
    blocks = make_blocks(predictor)
    features: dict[BlockName, Any] = {}
    for step, (name, block) in enumerate(blocks.items()):
        emit(progress, "features", step, len(blocks))
        features[name] = block.fit(rows, records).transform(rows, records)
    emit(progress, "features", len(blocks), len(blocks))

    def guard(final: Any) -> list[dict[str, Any]]:
        return guard_leakage(
            blocks,
            features,
            labels,
            final=final,
            threshold=predictor.leakage_threshold,
            on_leakage=predictor.on_leakage,
        )

    leakage_reports = guard(None)
    folds = grouped_folds(labels, row_groups, predictor.inner_folds, seed)
    tuning = None
    chosen: dict[BlockName, SettingChoice] = {}
    if predictor.contrastive is not None:
        tuning = _tune_encoder(
            predictor,
            blocks["embedding"],
            conversations,
            target,
            rows,
            labels,
            row_groups,
            features["embedding"],
            folds,
            execution,
        )
        features["embedding"], chosen["embedding"] = tuning.vectors, tuning.choice
    block_models: dict[BlockName, Any] = {}
    block_settings: dict[BlockName, dict[str, Any]] = {}
    block_auc: dict[BlockName, float] = {}
    out_of_fold = np.zeros((len(labels), len(blocks)), dtype=np.float64)
    for column, (name, block) in enumerate(blocks.items()):
        emit(progress, f"block {name}", column, len(blocks))
        setting, oof, auc = chosen.get(name) or choose_setting(
            block, features[name], labels, folds, head=head, seed=seed, execution=execution
        )
        out_of_fold[:, column] = oof
        block_settings[name], block_auc[name] = setting, auc
        block_models[name] = block.estimator(setting, head, seed).fit(features[name], labels)
    emit(progress, "stacking", len(blocks), len(blocks))
    leakage_reports += guard(block_models)
    from sklearn.linear_model import LogisticRegression

    stacker = LogisticRegression(C=1.0, max_iter=1000).fit(logit(out_of_fold), labels)
    return FittedConversion(
        blocks=blocks,
        block_models=block_models,
        block_settings=block_settings,
        block_auc=block_auc,
        stacker=stacker,
        denied_fields=denied_fields,
        leakage_reports=leakage_reports,
        tuned_encoder=tuning.encoder if tuning is not None else None,
        encoder_choice=tuning.record if tuning is not None else None,
        base_rate=float(target.mean()),
        n_training=len(conversations),
        training_fingerprint=training_fingerprint(conversations, target),
        encoder_scratch=tuning.scratch if tuning is not None else None,
    )


def _tune_encoder(
    predictor: ConversionPredictor,
    block: FeatureBlock,
    conversations: Sequence[Conversation],
    target: NDArray[np.int_],
    rows: Sequence[Conversation],
    labels: NDArray[np.int_],
    row_groups: NDArray[np.int_],
    generic: NDArray[np.float32],
    folds: list[Fold],
    execution: ExecutionBackend | None = None,
) -> _EncoderTuning:
    """The embedding block's training vectors (cross-fitted tuned ones if they help)
    with the winner's inner-CV setting, out-of-fold scores and ROC-AUC.

    Every conversation contributes the same number of rows, so ``row_groups[::k]`` are
    the conversations' groups.
    """
    config = predictor.contrastive
    assert config is not None
    pools, head, seed = predictor.embedding_pools, predictor.head, predictor.seed
    started = time.perf_counter()
    per_conversation = len(rows) // len(conversations)
    parts = np.zeros(len(conversations), dtype=np.intp)
    split = grouped_folds(target, row_groups[::per_conversation], predictor.contrastive_folds, seed)
    for part, (_, held_out) in enumerate(split):
        parts[held_out] = part
    base = _base_model(predictor.embedder, predictor.embedding_model)
    tuned = cross_fitted_vectors(
        conversations,
        target,
        parts,
        rows,
        transform=lambda encoder, chosen: PooledTurnEmbeddings(encoder, pools=pools).transform(
            chosen
        ),
        base_model=base,
        config=config,
        progress=predictor.progress,
        device=predictor.device,
    )
    generic_result = choose_setting(
        block, generic, labels, folds, head=head, seed=seed, execution=execution
    )
    tuned_result = choose_setting(
        block, tuned, labels, folds, head=head, seed=seed, execution=execution
    )
    kept = tuned_result.auc >= generic_result.auc + predictor.contrastive_min_gain
    encoder, scratch = None, None
    if kept:
        # The tuned encoder lives here until save() copies it into the model directory.
        scratch = tempfile.TemporaryDirectory(prefix="colloquy-encoder-")
        encoder = fine_tune(
            conversations,
            target.tolist(),
            base_model=base,
            config=config,
            directory=Path(scratch.name),
            progress=predictor.progress,
            device=predictor.device,
        )
        assert isinstance(block, EmbeddingBlock)
        block.pooled = PooledTurnEmbeddings(encoder, pools=pools)
    record = EncoderChoice(
        kept=kept,
        generic_auc=generic_result.auc,
        tuned_auc=tuned_result.auc,
        folds=predictor.contrastive_folds,
        min_gain=predictor.contrastive_min_gain,
        customer_turns=len(outcome_examples(conversations, target.tolist())[0]),
        seconds=round(time.perf_counter() - started, 1),
    ).to_dict()
    log.info("contrastive_encoder", **record)
    if kept:
        return _EncoderTuning(tuned, tuned_result, encoder, scratch, record)
    return _EncoderTuning(generic, generic_result, None, None, record)


def _base_model(embedder: Embedder | None, embedding_model: str) -> str | Path:
    """The generic encoder's files, which the contrastive fine-tune starts from."""
    inner = getattr(embedder, "inner", embedder)
    directory = getattr(inner, "model_dir", None)
    return directory if directory is not None else embedding_model
