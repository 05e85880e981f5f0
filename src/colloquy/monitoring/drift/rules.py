"""The two ways colloquy turns test scores into a drift verdict.

``EvidentlyRule`` reproduces Evidently's documented defaults (implemented here: Evidently
is not installed beside pandas 3): a statistical test when the reference has at most
1,000 rows, a distance with a 0.1 threshold above. Its best-known failure is the other
side of that switch: p-values alone flag everything on large samples.

``ColloquyRule`` requires both: the test's p-value below ``alpha`` *and* an effect size
above a floor. The p-value bounds false alarms on small samples (at most ``alpha``), the
floor bounds them on large ones (noise shrinks below any fixed floor as rows grow), so
the false-alarm rate stays at or under ``alpha`` at every size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from colloquy.errors import UsageError
from colloquy.monitoring.drift.base import TestScore
from colloquy.monitoring.drift.records import FeatureDrift, FeatureStatus
from colloquy.monitoring.drift.registry import categorical_test, numeric_test
from colloquy.monitoring.drift.summary import FeatureSummary

Sensitivity = Literal["low", "medium", "high"]
SENSITIVITIES: tuple[Sensitivity, ...] = ("low", "medium", "high")
EVIDENTLY_SMALL_ROWS = 1000
EVIDENTLY_ALPHA = 0.05
EVIDENTLY_DISTANCE = 0.1


class DriftRule(Protocol):
    @property
    def name(self) -> str: ...

    def decide(self, reference: FeatureSummary, current: FeatureSummary) -> FeatureDrift: ...


def _record(
    ref: FeatureSummary,
    cur: FeatureSummary,
    status: FeatureStatus,
    method: str,
    score: TestScore | None,
    threshold: float,
    detail: str,
) -> FeatureDrift:
    return FeatureDrift(
        feature=ref.name,
        kind=ref.kind,
        status=status,
        method=method,
        statistic=None if score is None else score.statistic,
        p_value=None if score is None else score.p_value,
        effect=None if score is None else score.effect,
        threshold=threshold,
        reference_rows=ref.rows,
        current_rows=cur.rows,
        reference_missing=ref.missing_share,
        current_missing=cur.missing_share,
        detail=detail,
    )


def untestable(ref: FeatureSummary, cur: FeatureSummary) -> FeatureDrift | None:
    """The status of a pair no test can compare, or None when a test can run."""
    reasons: list[tuple[FeatureStatus, str]] = [
        ("empty", "the current window has no rows") if cur.rows == 0 else ("stable", ""),
        ("all_missing", "every value is missing in reference or current")
        if ref.present == 0 or cur.present == 0
        else ("stable", ""),
    ]
    for status, detail in reasons:
        if status != "stable":
            return _record(ref, cur, status, "none", None, 0.0, detail)
    if ref.constant and cur.constant and _same_constant(ref, cur):
        return _record(ref, cur, "constant", "none", None, 0.0, "constant on both sides")
    return None


def _same_constant(ref: FeatureSummary, cur: FeatureSummary) -> bool:
    if ref.kind == "numeric":
        return bool(ref.values[0] == cur.values[0])
    return set(ref.counts) == set(cur.counts)


def _score(ref: FeatureSummary, cur: FeatureSummary, method: str) -> TestScore:
    if ref.kind == "numeric":
        return numeric_test(method).score(ref.values, cur.values)
    return categorical_test(method).score(ref.counts, cur.counts)


@dataclass(frozen=True, slots=True)
class EvidentlyRule:
    """Evidently's defaults: KS / chi-squared (p < 0.05) up to 1,000 reference rows,
    normed Wasserstein / Jensen–Shannon (> 0.1) above. Evidently switches to a
    proportion Z-test for two-category columns; chi-squared is used for them here."""

    name: str = "evidently"

    def decide(self, reference: FeatureSummary, current: FeatureSummary) -> FeatureDrift:
        blocked = untestable(reference, current)
        if blocked is not None:
            return blocked
        small = reference.rows <= EVIDENTLY_SMALL_ROWS
        numeric = reference.kind == "numeric"
        if small:
            method = "ks" if numeric else "chi_squared"
            score = _score(reference, current, method)
            drifted = score.p_value is not None and score.p_value < EVIDENTLY_ALPHA
            threshold = EVIDENTLY_ALPHA
        else:
            method = "wasserstein" if numeric else "jensen_shannon"
            score = _score(reference, current, method)
            drifted = score.statistic > EVIDENTLY_DISTANCE
            threshold = EVIDENTLY_DISTANCE
        status: FeatureStatus = "drifted" if drifted else "stable"
        return _record(reference, current, status, method, score, threshold, "")


_FLOORS: dict[Sensitivity, tuple[float, float]] = {
    "low": (0.01, 0.2),
    "medium": (0.01, 0.1),
    "high": (0.05, 0.05),
}


@dataclass(frozen=True, slots=True)
class ColloquyRule:
    """p-value below ``alpha`` AND effect at or above ``floor``, at any sample size.

    Numeric features are gated by KS and floored on normed Wasserstein; categorical ones
    by chi-squared and floored on Jensen–Shannon distance. ``distance_method`` swaps the
    floored measure (e.g. ``psi``, ``hellinger``, ``kl``) for one the team already uses.
    """

    sensitivity: Sensitivity = "medium"
    numeric_distance: str = "wasserstein"
    categorical_distance: str = "jensen_shannon"
    name: str = "colloquy"

    def __post_init__(self) -> None:
        if self.sensitivity not in _FLOORS:
            raise UsageError(
                f"unknown drift sensitivity {self.sensitivity!r}",
                hint=f"choose one of {', '.join(SENSITIVITIES)}",
            )
        numeric_test(self.numeric_distance)
        categorical_test(self.categorical_distance)

    @property
    def alpha(self) -> float:
        return _FLOORS[self.sensitivity][0]

    @property
    def floor(self) -> float:
        return _FLOORS[self.sensitivity][1]

    def decide(self, reference: FeatureSummary, current: FeatureSummary) -> FeatureDrift:
        blocked = untestable(reference, current)
        if blocked is not None:
            return blocked
        numeric = reference.kind == "numeric"
        gate = _score(reference, current, "ks" if numeric else "chi_squared")
        method = self.numeric_distance if numeric else self.categorical_distance
        size = _score(reference, current, method)
        significant = gate.p_value is not None and gate.p_value < self.alpha
        drifted = significant and size.statistic >= self.floor
        detail = f"p={gate.p_value:.3g} (alpha {self.alpha})"
        status: FeatureStatus = "drifted" if drifted else "stable"
        score = TestScore(statistic=size.statistic, p_value=gate.p_value, effect=size.effect)
        return _record(reference, current, status, method, score, self.floor, detail)
