"""Train, evaluate and use conversion models on real sources.

These are the jobs behind ``colloquy train|evaluate|predict conversion``. A *source* says
how to read the data and what "converted" means:

* ``persuasion4good`` — the PersuasionForGood folder; converted = donated more than $0.
* ``craigslist_bargain`` — a CraigslistBargain folder or JSON file; converted = a deal was
  reached (optionally at ``min_price_ratio`` of the seller's target or better). Offer/accept/
  reject/quit events are outcome-revealing actions and never reach a feature. The buyer's
  target relative to the listing price is added as a metadata ratio.
* ``jsonl`` — your own calls: colloquy's conversation JSONL, one conversation per line
  (turns with speaker/text/timestamp, a metadata object, an outcome; see
  :mod:`colloquy.data.loaders.conversations`); converted = ``outcome.converted`` (or,
  without it, ``outcome.value > 0``).

Conversations whose outcome is unknown are left out of training and evaluation and
counted in the result, never silently treated as "not converted". So are conversations in
which the customer never says anything (32 of CraigslistBargain's 643 dialogues, where
the buyer only clicked offer/accept): there is no transcript evidence to score, and for a
single transcript (``predict``) that is an error naming the conversation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from colloquy.data.labeling import DealLabeler, DonatedLabeler, OutcomeLabeler
from colloquy.data.loaders import get_loader
from colloquy.errors import DataError, UsageError
from colloquy.evaluation import binary_metrics, calibration_curve_png
from colloquy.execution.config import DeviceChoice
from colloquy.execution.device import resolve_device
from colloquy.features.embeddings import DEFAULT_MODEL, Embedder, EmbeddingCache, get_embedder
from colloquy.features.leakage import DEFAULT_DENYLIST
from colloquy.features.transcript import POOLS, PoolName, has_customer_turn
from colloquy.models.artifacts import check_output
from colloquy.models.choices import SOURCES, Source
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.models.conversion import ConversionPredictor
from colloquy.models.conversion_blocks import DEFAULT_BLOCKS, BlockName, HeadName
from colloquy.pipelines.records import (
    ConversionEvaluation,
    ConversionManifest,
    ConversionTrainingMetrics,
    finite,
)
from colloquy.progress import ProgressCallback
from colloquy.schema import Conversation

if TYPE_CHECKING:
    from colloquy.execution.base import ExecutionBackend

_LOADER = {
    "persuasion4good": "persuasion4good",
    "craigslist_bargain": "craigslist_bargain",
    "jsonl": "conversations",
}
_SOURCE_RATIOS: dict[str, list[tuple[str, str]]] = {
    "craigslist_bargain": [("buyer_target", "listing_price")],
}
_SOURCE_PRICE_REFERENCE = {"craigslist_bargain": "listing_price"}
_SOURCE_GROUP_FIELD = {"persuasion4good": "persuadee_id", "craigslist_bargain": "scenario_uuid"}


def check_source(name: str) -> Source:
    """``name`` as a :data:`Source`, or a usage error listing the valid ones."""
    for source in SOURCES:
        if name == source:
            return source
    raise UsageError(f"unknown conversion source {name!r}", hint=f"use {', '.join(SOURCES)}")


DEFAULT_CONTRASTIVE = ContrastiveConfig(max_seq_length=48, max_examples_per_class=1000)
"""What ``train conversion --contrastive`` fine-tunes with: one epoch over at most 1,000
customer turns per outcome, cut at 48 tokens (96 % of PersuasionForGood's customer turns fit),
so the three fine-tunes of a cross-fitted fit take minutes, not an hour, on two CPU cores."""


class ConversionTrainingConfig(BaseModel):
    """Everything ``colloquy train conversion`` can be told (``--config train.yaml``)."""

    model_config = ConfigDict(extra="forbid")

    blocks: list[BlockName] | None = Field(
        default=None,
        description="Feature blocks; None = tfidf, tfidf_customer, embedding, insights, "
        "decision, metadata, dynamics (+ prices when a price reference is set)",
    )
    head: HeadName = "auto"
    model: str = DEFAULT_MODEL
    embedding_pools: list[PoolName] = Field(
        default_factory=lambda: list(POOLS),
        min_length=1,
        description="The embedding block's pools: mean turn vectors of the customer, the "
        "agent and all turns, and the customer's words encoded as one text",
    )
    denylist: list[str] = Field(default_factory=lambda: list(DEFAULT_DENYLIST))
    extra_denylist: list[str] = Field(
        default_factory=list, description="More post-outcome field patterns to remove"
    )
    leakage_threshold: float = Field(default=0.98, gt=0.5, le=1.0)
    on_leakage: Literal["fail", "warn"] = "fail"
    metadata_ratios: list[tuple[str, str]] | None = Field(
        default=None, description="(numerator, denominator) metadata ratios; None = source preset"
    )
    price_reference: str | None = Field(
        default=None,
        description="Metadata field that said prices are divided by; None = source preset",
    )
    group_field: str | None = Field(
        default=None,
        description="Metadata field naming the customer (or scenario); conversations sharing "
        "it stay in one inner fold. None = source preset",
    )
    train_prefix_ratios: list[float] = Field(default_factory=lambda: [1.0])
    min_price_ratio: float | None = Field(default=None, gt=0)
    inner_folds: int = Field(default=5, ge=2)
    contrastive: ContrastiveConfig | None = Field(
        default=None,
        description="Fine-tune the turn encoder on the outcomes (supervised contrastive loss); "
        "None = off. Cross-fitted, and kept only if the embedding block improves",
    )
    contrastive_folds: int = Field(default=2, ge=2)
    contrastive_min_gain: float = Field(
        default=0.005,
        ge=-1,
        le=1,
        description="Inner-CV ROC-AUC the tuned encoder must add to be kept; -1 keeps it always",
    )
    device: DeviceChoice | None = Field(
        default=None,
        description="Where the encoder, the contrastive fine-tune and the MLP head run: auto, "
        "cpu or cuda; None = the execution.device setting (the CPU by default)",
    )
    seed: int = 0


@dataclass(frozen=True, slots=True)
class ConvertedLabeler:
    """Generic outcome: ``outcome.converted``, else ``outcome.value > 0``, else unknown."""

    def label(self, conversation: Conversation) -> bool | None:
        outcome = conversation.outcome
        if outcome is None:
            return None
        if outcome.converted is not None:
            return outcome.converted
        return None if outcome.value is None else outcome.value > 0


def labeler_for(source: Source, min_price_ratio: float | None = None) -> OutcomeLabeler:
    if source == "persuasion4good":
        return DonatedLabeler()
    if source == "craigslist_bargain":
        return DealLabeler(min_price_ratio=min_price_ratio)
    return ConvertedLabeler()


@dataclass(frozen=True, slots=True)
class LabelledConversations:
    conversations: list[Conversation]
    labels: list[bool]
    unlabelled: int
    no_customer_turn: int


def load_labelled(
    source: Source, data: Path, *, min_price_ratio: float | None = None
) -> LabelledConversations:
    """Read ``data`` as ``source`` and label every conversation whose outcome is known."""
    if source not in SOURCES:
        raise UsageError(f"unknown source {source!r}", hint=f"choose {', '.join(SOURCES)}")
    loader = get_loader(_LOADER[source])
    conversations = list(loader.load(data))
    if not conversations:
        raise DataError(
            f"no conversations found in {data} for source {source}",
            hint=f"{source} expects {loader.layout}",
        )
    labeler = labeler_for(source, min_price_ratio)
    kept: list[Conversation] = []
    labels: list[bool] = []
    silent = 0
    for conversation in conversations:
        if not has_customer_turn(conversation):
            silent += 1
            continue
        label = labeler.label(conversation)
        if label is not None:
            kept.append(conversation)
            labels.append(label)
    if not kept:
        raise DataError(
            f"none of the {len(conversations)} conversations in {data} has both a customer "
            f"turn and a known outcome ({silent} without a customer turn)",
            hint="conversion needs customer turns and outcome.converted (or an outcome value)",
        )
    return LabelledConversations(kept, labels, len(conversations) - len(kept) - silent, silent)


def conversation_groups(
    conversations: list[Conversation], source: Source, field: str | None = None
) -> list[str] | None:
    """Group keys (the customer, or the negotiation scenario) for group-aware folds.

    A conversation without the field is its own group. ``None`` when no field applies.
    """
    key = field or _SOURCE_GROUP_FIELD.get(source)
    if key is None:
        return None
    return [str(c.metadata.get(key) or f"conversation:{c.id}") for c in conversations]


def _embedder(model: str, cache_path: Path | None, device: str = "cpu") -> Embedder:
    cache = EmbeddingCache(cache_path) if cache_path is not None else None
    embedder: Embedder = get_embedder(model, cache=cache, device=device)
    return embedder


def cached_embedder(model: Path, cache_path: Path | None) -> Embedder | None:
    """The sentence encoder a saved model needs (``None`` without an embedding block)."""
    from colloquy.models.artifacts import read_manifest

    manifest = read_manifest(model, kind="conversion")
    if "embedding" not in manifest.get("blocks", []):
        return None
    return _embedder(manifest["embedding_model"], cache_path)


def build_predictor(
    config: ConversionTrainingConfig,
    source: Source,
    *,
    cache_path: Path | None = None,
    progress: ProgressCallback | None = None,
    embedder: Any = None,
) -> ConversionPredictor:
    """The predictor ``config`` describes, with the source's metadata-ratio preset
    (a ``cuda`` device without a GPU is a ConfigError here, before any work)."""
    device = resolve_device(config.device or "cpu")
    reference = config.price_reference or _SOURCE_PRICE_REFERENCE.get(source)
    blocks = config.blocks
    if blocks is None:
        blocks = [*DEFAULT_BLOCKS, "prices"] if reference else list(DEFAULT_BLOCKS)
    if embedder is None and "embedding" in blocks:
        embedder = _embedder(config.model, cache_path, device)
    ratios = config.metadata_ratios
    return ConversionPredictor(
        blocks=blocks,
        price_reference=reference,
        head=config.head,
        embedder=embedder,
        embedding_model=config.model,
        embedding_pools=config.embedding_pools,
        denylist=[*config.denylist, *config.extra_denylist],
        leakage_threshold=config.leakage_threshold,
        on_leakage=config.on_leakage,
        metadata_ratios=_SOURCE_RATIOS.get(source, []) if ratios is None else ratios,
        train_prefix_ratios=config.train_prefix_ratios,
        inner_folds=config.inner_folds,
        contrastive=(
            config.contrastive.model_copy(update={"seed": config.seed})
            if config.contrastive is not None
            else None
        ),
        contrastive_folds=config.contrastive_folds,
        contrastive_min_gain=config.contrastive_min_gain,
        seed=config.seed,
        device=device,
        progress=progress,
    )


def train_conversion(
    source: Source,
    data: Path,
    *,
    output: Path,
    config: ConversionTrainingConfig,
    overwrite: bool = False,
    cache_path: Path | None = None,
    progress: ProgressCallback | None = None,
    execution: ExecutionBackend | None = None,
) -> ConversionManifest:
    """Fit a conversion model on ``data`` and write it to ``output``; returns its manifest.

    ``overwrite`` allows replacing an existing model directory (never other files).
    ``execution``: a Ray or Dask backend runs the inner cross-validation's fits.
    """
    check_output(output, overwrite=overwrite)
    labelled = load_labelled(source, data, min_price_ratio=config.min_price_ratio)
    predictor = build_predictor(config, source, cache_path=cache_path, progress=progress)
    started = time.perf_counter()
    predictor.fit(
        labelled.conversations,
        labelled.labels,
        groups=conversation_groups(labelled.conversations, source, config.group_field),
        execution=execution,
    )
    metrics = ConversionTrainingMetrics(
        source=source,
        training_conversations=len(labelled.conversations),
        unlabelled_left_out=labelled.unlabelled,
        no_customer_turn_left_out=labelled.no_customer_turn,
        min_price_ratio=config.min_price_ratio,
        converted_share=round(float(np.mean(labelled.labels)), 4),
        training_seconds=round(time.perf_counter() - started, 1),
    )
    manifest = predictor.save(
        output,
        metrics=metrics.model_dump(mode="json"),
        overwrite=overwrite,
    )
    return ConversionManifest.from_manifest(manifest)


def evaluate_conversion(
    model: Path,
    source: Source,
    data: Path,
    *,
    prefix_ratio: float | None = None,
    report: Path | None = None,
    cache_path: Path | None = None,
) -> ConversionEvaluation:
    """Score a saved model on labelled ``data``, optionally on the first ``prefix_ratio``."""
    if prefix_ratio is not None and not 0 < prefix_ratio <= 1:
        raise UsageError(f"--prefix-ratio must be in (0, 1], got {prefix_ratio}")
    predictor = ConversionPredictor.load(model, embedder=cached_embedder(model, cache_path))
    labelled = load_labelled(
        source, data, min_price_ratio=predictor.manifest_["metrics"].get("min_price_ratio")
    )
    probabilities = predictor.prefix_proba(labelled.conversations, ratio=prefix_ratio)
    y = np.asarray(labelled.labels, dtype=int)
    metrics = binary_metrics(y, probabilities)
    ci = metrics.roc_auc_ci
    evaluation = ConversionEvaluation(
        n=metrics.n,
        positives=metrics.positives,
        base_rate=metrics.base_rate,
        roc_auc=finite(metrics.roc_auc),
        pr_auc=finite(metrics.pr_auc),
        brier=metrics.brier,
        log_loss=metrics.log_loss,
        lift_top_decile=finite(metrics.lift_top_decile),
        roc_auc_ci_low=finite(ci.low) if ci else None,
        roc_auc_ci_high=finite(ci.high) if ci else None,
        prefix_ratio=prefix_ratio if prefix_ratio is not None else 1.0,
        unlabelled_left_out=labelled.unlabelled,
        no_customer_turn_left_out=labelled.no_customer_turn,
    )
    if report is None:
        return evaluation
    report.mkdir(parents=True, exist_ok=True)
    plot = calibration_curve_png(y, probabilities, report / "calibration.png")
    return evaluation.model_copy(update={"calibration_plot": str(plot)})
