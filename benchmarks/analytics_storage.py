"""Incremental analysis of a stored dataset against recomputing it, in the same run.

Twitter customer-support threads (1,312) and the SGD dev dialogues (384), 10,306 turns,
ingested into a SQLite file and a PostgreSQL database. For each store: the peer is
``analyze_dataset`` over every stored conversation (a full recomputation, default options,
VADER); colloquy's ``analyze_stored`` is timed cold (nothing stored), with nothing
changed (the stored aggregate is current), and after ingesting 20 more SGD dialogues
(only those are analysed, the aggregate is rebuilt from stored analyses). The last column
checks the incremental result equals the full recomputation after the ingest.

    python -m benchmarks.analytics_storage
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from typing import Any, TypeVar

from benchmarks._report import datasets_dir, markdown_table, scratch_postgres, write_section
from colloquy.analytics.analysis import AnalysisRuntime, analyze_dataset
from colloquy.analytics.persistence import analyze_stored
from colloquy.data.loaders import SGDLoader, TwitterSupportLoader
from colloquy.schema import Conversation
from colloquy.storage import Store

ADDED = 20
T = TypeVar("T")


def _seconds(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _data() -> tuple[list[Conversation], list[Conversation]]:
    root = datasets_dir()
    threads = list(TwitterSupportLoader().load(root / "twitter_support"))
    sgd = [
        c
        for f in sorted((root / "sgd" / "dev").glob("dialogues_*.json"))
        for c in SGDLoader().load(f)
    ]
    extra = list(SGDLoader().load(root / "sgd" / "test" / "dialogues_001.json"))[:ADDED]
    return threads + sgd, extra


def _run(url: str, base: list[Conversation], extra: list[Conversation]) -> dict[str, Any]:
    runtime = AnalysisRuntime()
    with Store.open(url) as store:
        store.ingest(dataset="bench", source="mixed", conversations=base)
        full, _ = _seconds(
            lambda: analyze_dataset(store.conversations("bench"), runtime=runtime, dataset="bench")
        )
        cold, _ = _seconds(lambda: analyze_stored(store, "bench", runtime=runtime))
        same, (_, same_stats) = _seconds(lambda: analyze_stored(store, "bench", runtime=runtime))
        store.ingest(dataset="bench", source="mixed", conversations=extra)
        grown, (grown_result, grown_stats) = _seconds(
            lambda: analyze_stored(store, "bench", runtime=runtime)
        )
        full_after, reference = _seconds(
            lambda: analyze_dataset(store.conversations("bench"), runtime=runtime, dataset="bench")
        )
    assert same_stats.aggregate_reused
    assert same_stats.computed == 0
    assert grown_stats.computed == len(extra)
    return {
        "full_s": full,
        "cold_s": cold,
        "unchanged_s": same,
        "after_add_s": grown,
        "full_after_add_s": full_after,
        "computed_after_add": grown_stats.computed,
        "equal": grown_result == reference,
    }


def main() -> None:
    base, extra = _data()
    turns = sum(len(c.turns) for c in base)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = _run(f"sqlite:///{folder}/bench.db", base, extra)
    with scratch_postgres() as url:
        if url is not None:
            Store.connect(url).upgrade()
            results["PostgreSQL"] = _run(url, base, extra)
    headers = (
        "store",
        "peer: full recompute",
        "analyze_stored cold",
        "nothing changed",
        f"+{ADDED} conversations",
        "peer: full after +20",
        "speed-up vs peer",
        "equal",
    )
    rows = [
        (
            name,
            f"{r['full_s']:.2f} s",
            f"{r['cold_s']:.2f} s",
            f"{r['unchanged_s']:.2f} s",
            f"{r['after_add_s']:.2f} s ({r['computed_after_add']} computed)",
            f"{r['full_after_add_s']:.2f} s",
            f"{r['full_after_add_s'] / r['after_add_s']:.1f}x",
            "yes" if r["equal"] else "NO",
        )
        for name, r in results.items()
    ]
    table = markdown_table(headers, rows)
    print(table)
    body = (
        f"{len(base):,} conversations ({turns:,} turns: Twitter support threads + SGD dev), "
        f"default options (VADER). Single runs on a shared machine.\n\n{table}"
    )
    write_section(
        "analytics_storage",
        "Stored analyses: incremental against full recomputation",
        "python -m benchmarks.analytics_storage",
        body,
        {"conversations": len(base), "turns": turns, "added": len(extra), "stores": results},
    )


if __name__ == "__main__":
    main()
