"""Drift tests by name, so a rule or a user can ask for any of them."""

from __future__ import annotations

from colloquy.errors import UsageError
from colloquy.monitoring.drift.base import CategoricalTest, NumericTest
from colloquy.monitoring.drift.chi_squared import ChiSquared
from colloquy.monitoring.drift.hellinger import Hellinger
from colloquy.monitoring.drift.jensen_shannon import JensenShannon
from colloquy.monitoring.drift.kl import KullbackLeibler
from colloquy.monitoring.drift.ks import KolmogorovSmirnov
from colloquy.monitoring.drift.psi import CategoricalPopulationStability, PopulationStability
from colloquy.monitoring.drift.wasserstein import NormedWasserstein

NUMERIC_TESTS: dict[str, NumericTest] = {
    "ks": KolmogorovSmirnov(),
    "wasserstein": NormedWasserstein(),
    "psi": PopulationStability(),
}
CATEGORICAL_TESTS: dict[str, CategoricalTest] = {
    "chi_squared": ChiSquared(),
    "jensen_shannon": JensenShannon(),
    "psi": CategoricalPopulationStability(),
    "kl": KullbackLeibler(),
    "hellinger": Hellinger(),
}


def numeric_test(name: str) -> NumericTest:
    if name not in NUMERIC_TESTS:
        raise UsageError(
            f"unknown numeric drift test {name!r}",
            hint=f"choose one of {', '.join(NUMERIC_TESTS)}",
        )
    return NUMERIC_TESTS[name]


def categorical_test(name: str) -> CategoricalTest:
    if name not in CATEGORICAL_TESTS:
        raise UsageError(
            f"unknown categorical drift test {name!r}",
            hint=f"choose one of {', '.join(CATEGORICAL_TESTS)}",
        )
    return CATEGORICAL_TESTS[name]
