"""Sets are written sorted: equal records give byte-equal payloads in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import orjson

from colloquy.analytics.persistence import decode_dataset
from colloquy.analytics.persistence.ordering import holds_set, sort_sets


@dataclass(frozen=True)
class Inner:
    tags: frozenset[str]
    order: tuple[str, ...]


@dataclass(frozen=True)
class Outer:
    inner: Inner | None
    many: tuple[Inner, ...]
    by_key: dict[str, frozenset[int]]
    pair: tuple[frozenset[str], list[str]]
    plain: list[str]


def test_only_lists_that_came_from_sets_are_sorted() -> None:
    dumped = {
        "inner": {"tags": ["b", "a", "c"], "order": ["z", "y"]},
        "many": [{"tags": ["y", "x"], "order": ["b", "a"]}],
        "by_key": {"k": [3, 1, 2]},
        "pair": [["q", "p"], ["2", "1"]],
        "plain": ["b", "a"],
    }
    assert sort_sets(Outer, dumped) == {
        "inner": {"tags": ["a", "b", "c"], "order": ["z", "y"]},
        "many": [{"tags": ["x", "y"], "order": ["b", "a"]}],
        "by_key": {"k": [1, 2, 3]},
        "pair": [["p", "q"], ["2", "1"]],
        "plain": ["b", "a"],
    }
    assert sort_sets(Outer, {**dumped, "inner": None})["inner"] is None
    assert holds_set(Outer)
    assert not holds_set(tuple[str, ...])


_PROBE = """
from colloquy.analytics.analysis import AnalysisOptions, aggregate
from colloquy.analytics.failures import FailureType
from colloquy.analytics.outcomes import ConversationFilter
from colloquy.analytics.persistence import encode_dataset

where = ConversationFilter.from_pairs(
    [f"{key}={value}" for key in ("channel", "brand", "source", "intent")
     for value in ("delta", "alpha", "charlie", "bravo", "echo")]
    + ["speaker=customer", "speaker=agent", "speaker=bot"]
)
options = AnalysisOptions(detectors=frozenset(FailureType))
print(encode_dataset(aggregate([], options, dataset="d", where=where)))
"""


def _encoded(seed: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": seed},
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_a_dataset_payload_is_byte_stable_across_processes() -> None:
    first, second = _encoded("1"), _encoded("2")
    assert first == second
    record = orjson.loads(first)["record"]
    assert record["filter"]["channels"] == ["alpha", "bravo", "charlie", "delta", "echo"]
    assert record["options"]["detectors"] == sorted(record["options"]["detectors"])
    assert decode_dataset(first).filter.brands == frozenset(
        {"alpha", "bravo", "charlie", "delta", "echo"}
    )
