"""The whole agent turn, stage by stage, over the shipped scenarios replayed many times.

One engine (the offline desk: template replies, the deterministic validator) plays every
shipped scenario except the fault-injection one ``--rounds`` times, as new sessions, on a
fresh seeded SQLite desk. It reports P50/P95/P99 per stage from each turn's own timings —
activation, slot filling, tool steps, guideline matching, reply, validation — and the
cache hit rates over those runs: journey activation (L1 + the store's L3), guideline
matches, and the tool-result cache (tools that may be cached: claim status, claim lists,
customer info, knowledge search; verification and submission never are). Identity checks
are allowed 1,000 times per hour here, since the same callers verify every round.

    nice python -m benchmarks.agent_replay [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch

from benchmarks._report import markdown_table, write_section
from colloquy.agent.engine import AgentOptions, build_agent
from colloquy.agent.journeys import LayeredCache, MemoryCache, StoreCache
from colloquy.agent.scenarios import bundled_scenarios
from colloquy.agent.tools.cache import MemoryToolCache
from colloquy.agent.turn import TurnResult
from colloquy.desk import seed_desk
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.storage import Store

STAGES = ("activation", "slots", "tools", "guidelines", "respond", "validate", "total")
GOALS = {"activation": "≤ 30", "guidelines": "≤ 60", "validate": "≤ 30"}


class CountingToolCache(MemoryToolCache):
    """The in-process tool cache, counting lookups and hits for the hit rate."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0
        self.hits = 0

    def get(self, key: str) -> bytes | None:
        value = super().get(key)
        self.lookups += 1
        self.hits += value is not None
        return value


def percentile_row(name: str, values: Sequence[float]) -> list[object]:
    p50, p95, p99 = np.percentile(np.asarray(values), [50, 95, 99])
    return [name, f"{p50:.2f}", f"{p95:.2f}", f"{p99:.2f}", len(values), GOALS.get(name, "")]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    scenarios = [s for s in bundled_scenarios() if not s.faults]
    embedder = SentenceEmbedder()
    embedder.encode(["warm up"])
    with (
        tempfile.TemporaryDirectory() as scratch,
        Store.open(f"sqlite:///{Path(scratch) / 'desk.db'}") as store,
    ):
        seed_desk(store)
        activation = LayeredCache([MemoryCache(), StoreCache(store)])
        tools = CountingToolCache()
        engine = build_agent(
            store,
            embedder,
            AgentOptions(
                verify_attempts_per_hour=1000,
                activation_cache=activation,
                tool_cache=tools,
            ),
        )
        results: list[TurnResult] = []
        fixed = 0
        try:
            for _ in range(args.rounds):
                for scenario in scenarios:
                    sid = engine.start(channel="text").session_id
                    for turn in scenario.turns:
                        result = engine.turn(sid, turn.say)
                        results.append(result)
                        fixed += bool(result.validation and result.validation.fixed)
                    engine.end(sid)
        finally:
            engine.parts.tools.close()
        matcher = engine.parts.matcher
    timings = {stage: [getattr(r.timings, stage) for r in results] for stage in STAGES}
    rows = [percentile_row(stage, timings[stage]) for stage in STAGES]
    rates = {
        "journey activation": activation.stats.hit_rate,
        "guideline matching": matcher.cache_hits / max(1, matcher.cache_lookups),
        "tool results (cacheable tools)": tools.hits / max(1, tools.lookups),
    }
    goals = {"journey activation": 0.95, "guideline matching": 0.80}
    goals["tool results (cacheable tools)"] = 0.80
    rate_rows = [
        [name, f"{rate:.1%}", f"> {goals[name]:.0%}", "met" if rate > goals[name] else "not met"]
        for name, rate in rates.items()
    ]
    body = (
        markdown_table(["stage", "P50 ms", "P95 ms", "P99 ms", "turns", "goal P95 ms"], rows)
        + "\n\n"
        + markdown_table(["cache", "hit rate", "goal", ""], rate_rows)
        + f"\n\n{len(scenarios)} shipped scenarios (all but the tool-timeout one) × "
        f"{args.rounds} rounds = {len(results)} turns in {len(scenarios) * args.rounds} "
        f"sessions; replies by the offline templates, so `respond` has no LLM in it; the "
        f"validator fixed {fixed} replies. MiniLM on torch, {args.threads} intra-op thread."
    )
    print(body)
    write_section(
        "agent_replay",
        "Agent turns over the shipped scenarios: stages and cache hit rates",
        f"nice python -m benchmarks.agent_replay --rounds {args.rounds}",
        body,
        {
            "turns": len(results),
            "stages": {
                stage: dict(
                    zip(
                        ("p50", "p95", "p99"),
                        np.percentile(timings[stage], [50, 95, 99]).tolist(),
                        strict=True,
                    )
                )
                for stage in STAGES
            },
            "hit_rates": rates,
            "validator_fixed": fixed,
        },
    )


if __name__ == "__main__":
    main()
