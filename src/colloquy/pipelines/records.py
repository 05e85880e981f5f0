"""The typed results of the intent and conversion jobs: what callers get back, never a dict.

The CLI renders these records, the HTTP API returns them as its response models, and
MLflow logging reads them, so each is a frozen Pydantic model that refuses unknown fields.
A model directory's manifest is read into a record by picking the fields named here, so a
manifest that gains a field (written by a newer colloquy) still loads. A score that is
undefined (a recall with no positive example) is ``None``, never NaN, so every record
serialises to valid JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Self, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from colloquy.analytics.insights import ConversationInsights
from colloquy.models.conversion_blocks import BlockName
from colloquy.models.explanation import Explanation
from colloquy.schema.conversation import JsonValue


def finite(value: float | None) -> float | None:
    """``value`` as a float, or ``None`` when it is missing, NaN or infinite."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class Record(BaseModel):
    """Base of every result record: immutable, and strict about its fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> Self:
        """The record's fields out of a manifest mapping; other keys are ignored at any depth."""
        return cls.model_validate(_pick(cls, manifest))


def _pick(record: type[Record], values: Mapping[str, Any]) -> dict[str, Any]:
    picked: dict[str, Any] = {}
    for name, field in record.model_fields.items():
        if name in values:
            picked[name] = _narrow(field.annotation, values[name])
    return picked


def _narrow(annotation: Any, value: Any) -> Any:
    """``value`` with the keys no nested record declares removed."""
    nested = [a for a in (annotation, *get_args(annotation)) if _is_record(a)]
    if nested and isinstance(value, Mapping):
        return _pick(nested[0], value)
    inner = [a for a in get_args(annotation) if a is not Ellipsis]
    if get_origin(annotation) is tuple and len(inner) == 1 and isinstance(value, list | tuple):
        return [_narrow(inner[0], item) for item in value]
    return value


def _is_record(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Record)


# ------------------------------------------------------------------------------- intent


class IntentAlternative(Record):
    """One candidate intent and its probability."""

    intent: str
    probability: float


class IntentPrediction(Record):
    """The intent of one text: the decided label (the out-of-scope label below the
    threshold), the top probability, and the most likely alternatives in order."""

    text: str
    intent: str
    confidence: float
    top_k: tuple[IntentAlternative, ...]


class IntentEvaluation(Record):
    """How a saved intent model scores on a labelled file."""

    n: int
    accuracy: float
    macro_f1: float
    weighted_f1: float
    accuracy_ci95: tuple[float, float] | None = None
    macro_f1_ci95: tuple[float, float] | None = None
    ece: float | None = None
    in_scope_accuracy: float | None = None
    oos_recall: float | None = None
    oos_precision: float | None = None
    oos_n: int | None = None
    report: str | None = Field(default=None, description="The HTML report, when one was written")


class EmbedderReference(Record):
    """The sentence encoder a model uses: a name or ``encoder`` (its own folder)."""

    model: str
    model_id: str | None = None


class IntentTrainingMetrics(Record):
    """What training measured: sizes, time and the choices made on validation rows."""

    training_rows: int
    classes: int
    training_seconds: float
    validation_accuracy: float | None = None
    tfidf_weight: float | None = None
    tfidf_weight_validation: dict[str, float] = Field(default_factory=dict)
    temperature: float | None = None
    oos_threshold: float | None = None


class IntentManifest(Record):
    """A saved intent model, as its manifest describes it."""

    format: str
    format_version: int
    colloquy_version: str
    created_at: str
    method: str
    head: str
    embedder: EmbedderReference
    labels: tuple[str, ...]
    oos_label: str | None = None
    threshold: float | None = None
    tfidf_weight: float
    temperature: float = 1.0
    training_data_sha256: str | None = None
    params: dict[str, JsonValue] = Field(default_factory=dict)
    metrics: IntentTrainingMetrics


# --------------------------------------------------------------------------- conversion


class ConversionPrediction(Record):
    """One conversation's probability of converting, why, and the moments worth reading."""

    conversation_id: str
    probability: float
    running_probability: tuple[float, ...] = Field(
        description="The probability after each spoken turn, as a live call would have seen it"
    )
    explanation: Explanation
    insights: ConversationInsights | None = None
    metadata_issues: dict[str, int] = Field(
        default_factory=dict,
        description="Metadata fields the model could not use as given (unseen category, "
        "wrong type), with how often",
    )


class ConversionEvaluation(Record):
    """How a saved conversion model scores on labelled conversations."""

    n: int
    positives: int
    base_rate: float
    roc_auc: float | None
    pr_auc: float | None
    brier: float
    log_loss: float
    lift_top_decile: float | None
    roc_auc_ci_low: float | None = None
    roc_auc_ci_high: float | None = None
    prefix_ratio: float = 1.0
    unlabelled_left_out: int = 0
    no_customer_turn_left_out: int = 0
    calibration_plot: str | None = None


class EncoderChoiceRecord(Record):
    """The cross-fitted comparison of the tuned and the generic sentence encoder."""

    kept: bool
    generic_auc: float
    tuned_auc: float
    folds: int
    min_gain: float
    customer_turns: int
    seconds: float


class FlaggedFeature(Record):
    feature: str
    roc_auc: float


class LeakageCheck(Record):
    """One block's leakage scan at training time."""

    block: str
    ok: bool
    threshold: float
    checked: int
    flagged: tuple[FlaggedFeature, ...] = ()


class ConversionTrainingMetrics(Record):
    """What training measured: the data used, what was left out, and the time."""

    source: str
    training_conversations: int
    unlabelled_left_out: int
    no_customer_turn_left_out: int
    min_price_ratio: float | None = None
    converted_share: float
    training_seconds: float


class ConversionManifest(Record):
    """A saved conversion model, as its manifest describes it."""

    format: str
    format_version: int
    colloquy_version: str
    created_at: str
    blocks: tuple[BlockName, ...]
    head: str
    embedding_model: str | None = None
    embedder_id: str | None = None
    embedding_pools: tuple[str, ...] = ()
    insight_embeddings: bool = False
    tuned_encoder: str | None = None
    encoder_choice: EncoderChoiceRecord | None = None
    denylist: tuple[str, ...] = ()
    denied_fields: tuple[str, ...] = ()
    metadata_ratios: tuple[tuple[str, str], ...] = ()
    price_reference: str | None = None
    train_prefix_ratios: tuple[float, ...] = ()
    leakage_threshold: float
    leakage_checks: tuple[LeakageCheck, ...] = ()
    block_settings: dict[str, dict[str, JsonValue]] = Field(default_factory=dict)
    block_inner_cv_auc: dict[str, float] = Field(default_factory=dict)
    stacker_weights: dict[str, float] = Field(default_factory=dict)
    metadata_fields_dropped: dict[str, str] = Field(default_factory=dict)
    base_rate: float
    training_conversations: int
    training_data_sha256: str | None = None
    seed: int = 0
    metrics: ConversionTrainingMetrics
