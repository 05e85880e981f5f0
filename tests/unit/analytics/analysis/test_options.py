"""Analysis options: a stable fingerprint that changes with anything that changes numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from colloquy.analytics.analysis import DEFAULT_DETECTORS, AnalysisOptions
from colloquy.analytics.failures import FailureType
from colloquy.analytics.flow import FlowLevel
from colloquy.analytics.outcomes import Bucket
from colloquy.errors import NotFoundError, UsageError


def test_fingerprint_is_stable_and_sensitive() -> None:
    default = AnalysisOptions()
    assert default.fingerprint() == AnalysisOptions().fingerprint()
    assert len(default.fingerprint()) == 32
    variants = [
        AnalysisOptions(detectors=DEFAULT_DETECTORS | {FailureType.REPETITION}),
        AnalysisOptions(use_annotations=False),
        AnalysisOptions(sentiment_drop=0.7),
        AnalysisOptions(bucket=Bucket.WEEK),
        AnalysisOptions(flow_level=FlowLevel.TURN),
    ]
    prints = {v.fingerprint() for v in variants}
    assert len(prints) == len(variants)
    assert default.fingerprint() not in prints


def test_default_detectors_leave_out_repetition() -> None:
    options = AnalysisOptions()
    assert FailureType.REPETITION not in options.detectors
    assert FailureType.SENTIMENT_DROP in options.detectors
    assert not options.uses_embedder


def test_model_directories_enter_by_manifest_digest(tmp_path: Path) -> None:
    folder = tmp_path / "sentiment-model"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"sha256": "a"}))
    first = AnalysisOptions(sentiment=str(folder)).fingerprint()
    (folder / "manifest.json").write_text(json.dumps({"sha256": "b"}))
    assert AnalysisOptions(sentiment=str(folder)).fingerprint() != first
    with pytest.raises(NotFoundError, match=r"no manifest\.json"):
        AnalysisOptions(intent_model=str(tmp_path / "missing")).fingerprint()


@pytest.mark.parametrize("drop", [0.0, -0.1, 2.5])
def test_bad_drop_threshold_is_refused(drop: float) -> None:
    with pytest.raises(UsageError, match="sentiment_drop"):
        AnalysisOptions(sentiment_drop=drop)
