"""Prediction drift (label mix, confidence, out-of-scope) and the CBPE accuracy estimate."""

from __future__ import annotations

import numpy as np
import pytest

from colloquy.errors import DataError
from colloquy.monitoring.drift.performance import check_estimate, expected_accuracy
from colloquy.monitoring.drift.prediction import prediction_drift, prediction_summaries
from colloquy.monitoring.drift.rules import ColloquyRule


def test_label_mix_confidence_and_out_of_scope_move_together() -> None:
    rng = np.random.default_rng(4)
    labels = list(rng.choice(["refund", "card", "pin"], 3000))
    confidence = list(rng.beta(8, 2, 3000))
    shifted_labels = list(rng.choice(["refund", "card", "pin", "out_of_scope"], 3000))
    shifted_confidence = list(rng.beta(4, 4, 3000))
    result = prediction_drift(
        prediction_summaries(labels, confidence),
        prediction_summaries(shifted_labels, shifted_confidence),
        ColloquyRule(),
    )
    assert result.label_mix.drifted
    assert result.confidence.drifted
    assert result.reference_out_of_scope == 0.0
    assert result.out_of_scope_change == pytest.approx(0.25, abs=0.03)


def test_calibrated_probabilities_estimate_accuracy() -> None:
    rng = np.random.default_rng(5)
    top = rng.uniform(0.4, 1.0, 5000)
    correct = rng.random(5000) < top
    predicted = ["a"] * 5000
    actual = ["a" if c else "b" for c in correct]
    check = check_estimate(list(top), predicted, actual)
    assert abs(check.error) < 0.03
    assert check.within_band


def test_estimate_refuses_bad_input() -> None:
    with pytest.raises(DataError, match="no predictions"):
        expected_accuracy([])
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        expected_accuracy([1.5])
    with pytest.raises(DataError, match="line up"):
        check_estimate([0.9], ["a", "b"], ["a"])
