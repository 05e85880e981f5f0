"""Champion rules on a real MLflow registry: promote only when significantly better."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from colloquy.errors import StorageError, UsageError
from colloquy.tracking import (
    MlflowRegistry,
    compare_with_champion,
    promote,
    register_model,
)
from colloquy.tracking.promotion import ChampionComparison

LogModels = Callable[[int], list[str]]

TRUTH = ["a", "b"] * 50


def predictions(right: int) -> list[str]:
    """Predictions right on the first ``right`` rows and wrong on the rest."""
    return [t if i < right else "wrong" for i, t in enumerate(TRUTH)]


BETTER = compare_with_champion(TRUTH, predictions(90), predictions(60))
SAME = compare_with_champion(TRUTH, predictions(62), predictions(60))


def test_the_comparison_is_mcnemars_paired_test() -> None:
    assert BETTER.n == 100
    assert BETTER.new_accuracy == 0.9
    assert BETTER.champion_accuracy == 0.6
    assert BETTER.delta == pytest.approx(0.3)
    assert BETTER.p_value < 0.001
    assert BETTER.significantly_better
    assert BETTER.method == "mcnemar-chi2"
    assert not SAME.significantly_better
    assert SAME.method == "mcnemar-exact"
    assert SAME.p_value == pytest.approx(0.5)
    worse = compare_with_champion(TRUTH, predictions(60), predictions(90))
    assert worse.p_value < 0.001
    assert not worse.significantly_better
    metrics = BETTER.to_metrics()
    assert metrics["champion_comparison.significantly_better"] == 1.0
    assert metrics["champion_comparison.p_value"] == BETTER.p_value
    with pytest.raises(UsageError, match="alpha"):
        compare_with_champion(TRUTH, TRUTH, TRUTH, alpha=1.5)
    with pytest.raises(UsageError, match="differ in length"):
        compare_with_champion(TRUTH, TRUTH[:3], TRUTH)


def test_promotion_rules(tracking_uri: str, log_models: LogModels) -> None:
    registry = MlflowRegistry(tracking_uri)
    for uri in log_models(5):
        registry.register(uri, "intent")

    first = promote(registry, "intent", 1, None)
    assert (first.promoted, first.previous, first.reason) == (True, None, "no champion yet")
    assert registry.alias_version("intent", "champion") == 1

    kept = promote(registry, "intent", 2, SAME)
    assert not kept.promoted
    assert kept.reason.startswith("kept the champion: not significantly better than version 1")
    assert registry.alias_version("intent", "champion") == 1
    assert registry.alias_version("intent", "challenger") == 2

    unchecked = promote(registry, "intent", 3, None)
    assert not unchecked.promoted
    assert "no comparison" in unchecked.reason
    assert registry.alias_version("intent", "challenger") == 3

    better = promote(registry, "intent", 4, BETTER)
    assert better.promoted
    assert better.previous == 1
    assert better.reason.startswith("significantly better than version 1")
    assert registry.alias_version("intent", "champion") == 4
    assert registry.alias_version("intent", "challenger") == 1

    forced = promote(registry, "intent", 5, SAME, force=True)
    assert (forced.promoted, forced.forced, forced.reason) == (True, True, "forced")
    assert registry.alias_version("intent", "champion") == 5
    assert registry.alias_version("intent", "challenger") == 4

    again = promote(registry, "intent", 5, None)
    assert again.promoted
    assert again.reason == "version 5 already is champion"

    other = promote(registry, "intent", 2, None, alias="staging")
    assert (other.promoted, other.reason) == (True, "alias moved")
    assert registry.alias_version("intent", "staging") == 2
    assert registry.alias_version("intent", "champion") == 5


class _FailingRegistry(MlflowRegistry):
    """The real registry, failing when told to move ``fail_alias`` (fault injection only)."""

    fail_alias = "challenger"

    def set_alias(self, name: str, alias: str, version: int) -> None:
        if alias == self.fail_alias:
            raise StorageError("injected failure while moving an alias")
        super().set_alias(name, alias, version)


def test_a_failed_registration_leaves_no_half_registered_version(
    tracking_uri: str, log_models: LogModels
) -> None:
    first, second = log_models(2)
    registry = _FailingRegistry(tracking_uri)
    record, decision = register_model(registry, first, "intent")
    assert decision.promoted
    assert record.aliases == ("champion",)

    with pytest.raises(StorageError, match="injected"):
        register_model(registry, second, "intent", comparison=BETTER)
    details = registry.show("intent")
    assert [v.version for v in details.versions] == [1]
    assert details.model.aliases == {"champion": 1}


def test_registration_records_tags_and_the_decision(
    tracking_uri: str, log_models: LogModels
) -> None:
    first, second = log_models(2)
    registry = MlflowRegistry(tracking_uri)
    register_model(registry, first, "intent", tags={"colloquy.run_id": "r-1"})
    record, decision = register_model(registry, second, "intent", comparison=SAME)
    assert record.version == 2
    assert record.aliases == ("challenger",)
    assert not decision.promoted
    assert decision.to_dict()["previous"] == 1
    assert registry.version_for("intent", 1).tags == {"colloquy.run_id": "r-1"}
    assert isinstance(SAME, ChampionComparison)
