"""Sets are written sorted: equal records give byte-equal payloads in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import orjson

from colloquy.analytics.analysis import AnalysisOptions, aggregate
from colloquy.analytics.failures import FailureType
from colloquy.analytics.outcomes import ConversationFilter
from colloquy.analytics.persistence import decode_dataset, encode_dataset
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


# The probe loads ordering.py by path: importing it as colloquy.analytics.persistence.ordering
# would run the analytics package's __init__ (scipy, pandas), seconds per process.
_PROBE = """
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import TypeAdapter

root = Path(importlib.util.find_spec("colloquy").submodule_search_locations[0])
spec = importlib.util.spec_from_file_location(
    "ordering", root / "analytics" / "persistence" / "ordering.py"
)
ordering = importlib.util.module_from_spec(spec)
sys.modules["ordering"] = ordering
spec.loader.exec_module(ordering)
sort_sets = ordering.sort_sets


@dataclass(frozen=True)
class Record:
    names: frozenset[str]


record = Record(frozenset(f"name-{i}" for i in range(40)))
dumped = TypeAdapter(Record).dump_python(record, mode="json")
print(orjson.dumps(dumped).decode())
print(orjson.dumps(sort_sets(Record, dumped)).decode())
"""


def _encoded(*seeds: str) -> list[list[str]]:
    """The probe's two lines (as dumped, then sorted) under each hash seed."""
    outputs = []
    for seed in seeds:
        result = subprocess.run(
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=120,
            check=True,
        )
        outputs.append(result.stdout.splitlines())
    return outputs


def test_sorted_sets_are_byte_stable_across_processes() -> None:
    (raw_1, sorted_1), (raw_2, sorted_2) = _encoded("1", "2")
    assert raw_1 != raw_2, "the hash seed no longer changes set order; the probe shows nothing"
    assert sorted_1 == sorted_2


def test_dataset_payloads_write_sets_sorted() -> None:
    where = ConversationFilter.from_pairs(
        [f"{key}={value}" for key in ("channel", "brand") for value in ("d", "a", "c", "b", "e")]
        + ["speaker=customer", "speaker=agent", "speaker=bot"]
    )
    options = AnalysisOptions(detectors=frozenset(FailureType))
    payload = encode_dataset(aggregate([], options, dataset="d", where=where))
    record = orjson.loads(payload)["record"]
    assert record["filter"]["channels"] == ["a", "b", "c", "d", "e"]
    assert record["filter"]["speakers"] == sorted(record["filter"]["speakers"])
    assert record["options"]["detectors"] == sorted(kind.value for kind in FailureType)
    assert decode_dataset(payload).filter == where
