"""Champion and challenger: promote a new version only when it is significantly better.

The evaluate stage scores the new model and the current ``champion`` on the same test rows;
:func:`compare_with_champion` runs McNemar's paired test on them (two models on the same
examples make correlated errors, so comparing two accuracies alone would mislead).

The rules :func:`promote` applies, also recorded in each :class:`PromotionDecision`:

- no ``champion`` yet: the new version becomes ``champion`` (there is nothing to beat);
- significantly better (p < alpha and a higher accuracy), or ``force``: the new version
  becomes ``champion`` and the old champion becomes ``challenger``, the version to roll
  back to with ``colloquy models promote NAME VERSION``;
- otherwise: the champion stays, and the new version becomes ``challenger``.

So ``challenger`` is always the runner-up of the latest decision. :func:`register_model`
registers and promotes as one step: when anything fails after the version was created,
that version is deleted and the aliases are put back, so a failed run leaves no
half-registered model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from colloquy.errors import UsageError
from colloquy.tracking.registry import (
    CHALLENGER,
    CHAMPION,
    ModelRegistry,
    ModelVersionRecord,
    check_alias,
)

__all__ = [
    "ChampionComparison",
    "PromotionDecision",
    "compare_with_champion",
    "promote",
    "register_model",
]


@dataclass(frozen=True)
class ChampionComparison:
    """A new model against the champion on the same rows (McNemar's paired test)."""

    n: int
    new_accuracy: float
    champion_accuracy: float
    delta: float
    """New accuracy minus champion accuracy."""
    p_value: float
    method: str
    alpha: float
    significantly_better: bool

    def to_metrics(self) -> dict[str, float]:
        """The comparison as run metrics (``champion_comparison.*``)."""
        return {
            "champion_comparison.n": float(self.n),
            "champion_comparison.new_accuracy": self.new_accuracy,
            "champion_comparison.champion_accuracy": self.champion_accuracy,
            "champion_comparison.delta": self.delta,
            "champion_comparison.p_value": self.p_value,
            "champion_comparison.significantly_better": float(self.significantly_better),
        }


@dataclass(frozen=True)
class PromotionDecision:
    """What :func:`promote` did to the aliases of ``name`` and why."""

    name: str
    version: int
    alias: str
    promoted: bool
    forced: bool
    previous: int | None
    """The version that held ``alias`` before (``None`` when nobody did)."""
    reason: str

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready copy (``--format json``)."""
        return {
            "name": self.name,
            "version": self.version,
            "alias": self.alias,
            "promoted": self.promoted,
            "forced": self.forced,
            "previous": self.previous,
            "reason": self.reason,
        }


def compare_with_champion(
    y_true: Sequence[str],
    new_pred: Sequence[str],
    champion_pred: Sequence[str],
    *,
    alpha: float = 0.05,
) -> ChampionComparison:
    """Is the new model significantly more accurate than the champion on these rows?"""
    from colloquy.evaluation.significance import mcnemar

    if not 0.0 < alpha < 1.0:
        raise UsageError(f"alpha must be between 0 and 1, got {alpha}")
    test = mcnemar(y_true, new_pred, champion_pred)
    n = len(y_true)
    new_accuracy = sum(t == p for t, p in zip(y_true, new_pred, strict=True)) / n
    champion_accuracy = sum(t == p for t, p in zip(y_true, champion_pred, strict=True)) / n
    return ChampionComparison(
        n=n,
        new_accuracy=new_accuracy,
        champion_accuracy=champion_accuracy,
        delta=new_accuracy - champion_accuracy,
        p_value=test.p_value,
        method=f"mcnemar-{test.method}",
        alpha=alpha,
        significantly_better=test.significant(alpha) and new_accuracy > champion_accuracy,
    )


def promote(
    registry: ModelRegistry,
    name: str,
    version: int,
    comparison: ChampionComparison | None,
    *,
    force: bool = False,
    alias: str = CHAMPION,
) -> PromotionDecision:
    """Apply the promotion rules (module docstring) to ``version`` of ``name``.

    For an alias other than ``champion`` there is nothing to beat: it is simply moved.
    """
    check_alias(alias)
    registry.version_for(name, version)
    previous = registry.alias_version(name, alias)
    if previous == version:
        return PromotionDecision(
            name, version, alias, True, force, previous, f"version {version} already is {alias}"
        )
    if alias != CHAMPION:
        registry.set_alias(name, alias, version)
        return PromotionDecision(name, version, alias, True, force, previous, "alias moved")
    if previous is None:
        reason = "no champion yet"
    elif force:
        reason = "forced"
    elif comparison is None:
        reason = "kept the champion: no comparison with it was made"
    elif comparison.significantly_better:
        reason = (
            f"significantly better than version {previous} (accuracy "
            f"{comparison.new_accuracy:.4f} vs {comparison.champion_accuracy:.4f}, "
            f"p={comparison.p_value:.3g})"
        )
    else:
        reason = (
            f"kept the champion: not significantly better than version {previous} (accuracy "
            f"{comparison.new_accuracy:.4f} vs {comparison.champion_accuracy:.4f}, "
            f"p={comparison.p_value:.3g}, alpha={comparison.alpha})"
        )
    promoted = previous is None or force or bool(comparison and comparison.significantly_better)
    if promoted:
        registry.set_alias(name, CHAMPION, version)
        if previous is not None:
            registry.set_alias(name, CHALLENGER, previous)
    else:
        registry.set_alias(name, CHALLENGER, version)
    return PromotionDecision(name, version, alias, promoted, force, previous, reason)


def register_model(
    registry: ModelRegistry,
    model_uri: str,
    name: str,
    *,
    tags: Mapping[str, str] | None = None,
    comparison: ChampionComparison | None = None,
    force: bool = False,
) -> tuple[ModelVersionRecord, PromotionDecision]:
    """Register ``model_uri`` as a new version of ``name`` and apply the promotion rules.

    All or nothing: if promotion fails, the aliases it moved are put back and the new
    version is deleted before the error propagates.
    """
    record = registry.register(model_uri, name, tags)
    before = {a: registry.alias_version(name, a) for a in (CHAMPION, CHALLENGER)}
    try:
        decision = promote(registry, name, record.version, comparison, force=force)
    except BaseException:
        _restore(registry, name, record.version, before)
        raise
    return registry.version_for(name, record.version), decision


def _restore(
    registry: ModelRegistry, name: str, version: int, before: Mapping[str, int | None]
) -> None:
    """Delete ``version`` (its aliases go with it), then put the other aliases back."""
    try:
        registry.delete_version(name, version)
    finally:
        for alias, held in before.items():
            if held is None:
                registry.delete_alias(name, alias)
            elif registry.alias_version(name, alias) != held:
                registry.set_alias(name, alias, held)
