"""Result records: frozen, strict, and readable from manifests that gained fields."""

from __future__ import annotations

import math
from typing import get_args

import pytest
from pydantic import ValidationError

from colloquy.features.embeddings.sentence import Backend as EncoderBackend
from colloquy.models import choices
from colloquy.pipelines.records import (
    ConversionManifest,
    IntentAlternative,
    IntentManifest,
    finite,
)

INTENT_MANIFEST = {
    "format": "colloquy-intent",
    "format_version": 1,
    "colloquy_version": "0.1.0",
    "created_at": "2026-01-01T00:00:00+00:00",
    "method": "tfidf",
    "head": "logreg",
    "embedder": {"model": "sentence-transformers/all-MiniLM-L6-v2", "model_id": None, "new": 1},
    "labels": ["a", "b"],
    "oos_label": None,
    "threshold": None,
    "tfidf_weight": 1.0,
    "temperature": 1.0,
    "training_data_sha256": "0" * 64,
    "params": {"C": 10.0, "config": {"method": "tfidf"}},
    "metrics": {"training_rows": 4, "classes": 2, "training_seconds": 0.1, "later": True},
    "files": {"tfidf.json": "f" * 64},
}


def test_manifest_fields_unknown_to_the_record_are_ignored_at_any_depth() -> None:
    manifest = IntentManifest.from_manifest(INTENT_MANIFEST)
    assert manifest.labels == ("a", "b")
    assert manifest.embedder.model_id is None
    assert manifest.metrics.training_rows == 4
    assert manifest.params["config"] == {"method": "tfidf"}


def test_nested_lists_of_records_are_narrowed_too() -> None:
    manifest = ConversionManifest.from_manifest(
        {
            "format": "colloquy-conversion",
            "format_version": 1,
            "colloquy_version": "0.1.0",
            "created_at": "2026-01-01T00:00:00+00:00",
            "blocks": ["tfidf", "metadata"],
            "head": "auto",
            "leakage_threshold": 0.98,
            "leakage_checks": [
                {"block": "metadata", "ok": True, "threshold": 0.98, "checked": 3, "extra": 1}
            ],
            "metadata_ratios": [["buyer_target", "listing_price"]],
            "base_rate": 0.4,
            "training_conversations": 10,
            "metrics": {
                "source": "jsonl",
                "training_conversations": 10,
                "unlabelled_left_out": 0,
                "no_customer_turn_left_out": 1,
                "converted_share": 0.4,
                "training_seconds": 1.0,
            },
        }
    )
    assert manifest.leakage_checks[0].checked == 3
    assert manifest.metadata_ratios == (("buyer_target", "listing_price"),)
    assert manifest.encoder_choice is None


def test_records_are_frozen_and_refuse_unknown_fields() -> None:
    alternative = IntentAlternative(intent="a", probability=0.5)
    with pytest.raises(ValidationError):
        alternative.intent = "b"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        IntentAlternative(intent="a", probability=0.5, note="x")  # type: ignore[call-arg]


def test_finite_turns_undefined_scores_into_none() -> None:
    assert finite(math.nan) is None
    assert finite(math.inf) is None
    assert finite(None) is None
    assert finite(0.25) == 0.25


def test_the_encoder_runtimes_are_the_ones_the_cli_offers() -> None:
    """The feature layer cannot import the models' choices, so it names its runtimes
    itself; the models and the CLI take theirs from ``models.choices``."""
    assert get_args(EncoderBackend) == choices.BACKENDS
