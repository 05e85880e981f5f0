"""Sentence encoders on BANKING77: accuracy against latency and size, CPU only.

For each bundled encoder (all-MiniLM-L6-v2, bge-small-en-v1.5, all-mpnet-base-v2), frozen
vectors feed a logistic-regression head. Protocol: the validation set is a stratified 20 %
of the official training split; the head's C is chosen on it from a small grid; the head is
then refitted with that C on the whole training split and the official 3,080-row test split
is scored once. Vectors come through the persistent embedding cache, so a re-run embeds
nothing. Latency is measured on the raw encoder (no cache): the median ms per text over
single-text calls (batch 1) and over batches of 64, torch backend, on this machine's CPUs.
An encoder whose files are not available is reported as such, not skipped silently.

    python -m benchmarks.encoders [--c-grid 2 8 32 128]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks._report import datasets_dir, markdown_table, write_section
from colloquy.config import load_settings
from colloquy.errors import ColloquyError
from colloquy.features.embeddings import CachedEmbedder, EmbeddingCache, default_cache_path
from colloquy.features.embeddings.bundled import BGE_SMALL, MINILM, MPNET
from colloquy.features.embeddings.sentence import SentenceEmbedder

ENCODERS = (MINILM, BGE_SMALL, MPNET)
BATCH = 64
ROUNDS = 5
SINGLES = 16
CHUNK = 1024


def load_banking77() -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = datasets_dir() / "banking77"
    return pd.read_csv(folder / "train.csv"), pd.read_csv(folder / "test.csv")


def weights_mb(folder: Path) -> float:
    """The size of the model's weights file(s): safetensors, else PyTorch ``.bin``."""
    files = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("pytorch_model*.bin"))
    return sum(f.stat().st_size for f in files) / 1e6


def embed_all(cached: CachedEmbedder, texts: list[str]) -> np.ndarray:
    """Embed through the cache in chunks, so an interrupted run keeps what it computed."""
    parts = []
    for offset in range(0, len(texts), CHUNK):
        parts.append(cached.encode(texts[offset : offset + CHUNK], batch_size=BATCH))
        print(
            f"  {cached.model_id}: {min(offset + CHUNK, len(texts)):,}/{len(texts):,}", flush=True
        )
    return np.concatenate(parts)


def latencies(embedders: dict[str, SentenceEmbedder], texts: list[str]) -> dict[str, Any]:
    """Median ms per text, one text per call and batches of :data:`BATCH`, measured in
    :data:`ROUNDS` interleaved rounds so every encoder sees the same machine load."""
    singles: dict[str, list[float]] = {name: [] for name in embedders}
    batches: dict[str, list[float]] = {name: [] for name in embedders}
    for embedder in embedders.values():
        embedder.encode(texts[:8])  # warm-up
    loads = [os.getloadavg()[0]]
    for round_ in range(ROUNDS):
        for name, embedder in embedders.items():
            for text in texts[round_ * SINGLES : (round_ + 1) * SINGLES]:
                start = time.perf_counter()
                embedder.encode([text], batch_size=1)
                singles[name].append((time.perf_counter() - start) * 1000)
            chunk = texts[round_ * BATCH : (round_ + 1) * BATCH]
            start = time.perf_counter()
            embedder.encode(chunk, batch_size=BATCH)
            batches[name].append((time.perf_counter() - start) * 1000 / len(chunk))
        loads.append(os.getloadavg()[0])
    return {
        name: {
            "ms_per_text_batch1": round(statistics.median(singles[name]), 2),
            "ms_per_text_batch64": round(statistics.median(batches[name]), 2),
            "load_average_1m": round(max(loads), 1),
        }
        for name in embedders
    }


def head_scores(
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    c_grid: list[float],
) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    fit_x, val_x, fit_y, val_y = train_test_split(
        train_x, train_y, test_size=0.2, stratify=train_y, random_state=0
    )
    validation: dict[float, float] = {}
    for c in c_grid:
        head = LogisticRegression(C=c, max_iter=2000)
        head.fit(fit_x, fit_y)
        validation[c] = float(head.score(val_x, val_y))
    best_c = max(c_grid, key=lambda c: (validation[c], -c))
    final = LogisticRegression(C=best_c, max_iter=2000).fit(train_x, train_y)
    return {
        "validation_by_C": {str(c): v for c, v in validation.items()},
        "C": best_c,
        "validation_accuracy": validation[best_c],
        "test_accuracy": float(final.score(test_x, test_y)),
    }


def measure(
    name: str, train: pd.DataFrame, test: pd.DataFrame, c_grid: list[float]
) -> tuple[dict[str, Any], SentenceEmbedder | None]:
    try:
        embedder = SentenceEmbedder(name)
    except ColloquyError as exc:
        print(f"{name}: unavailable — {exc.one_line()}")
        return {"name": name, "available": False, "reason": exc.one_line()}, None
    assert embedder.model_dir is not None
    cache = EmbeddingCache(default_cache_path(load_settings().resolved_home))
    cached = CachedEmbedder(embedder, cache)
    start = time.perf_counter()
    train_x = embed_all(cached, train["text"].tolist())
    test_x = embed_all(cached, test["text"].tolist())
    embed_seconds = time.perf_counter() - start
    scores = head_scores(
        train_x, train["category"].to_numpy(), test_x, test["category"].to_numpy(), c_grid
    )
    result = {
        "name": name,
        "available": True,
        "model_id": embedder.model_id,
        "dimension": embedder.dimension,
        "weights_mb": round(weights_mb(embedder.model_dir), 1),
        "embed_seconds_this_run": round(embed_seconds, 1),
        **scores,
    }
    print(result)
    return result, embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c-grid", type=float, nargs="+", default=[2.0, 8.0, 32.0, 128.0])
    args = parser.parse_args()
    train, test = load_banking77()
    measured = [measure(name, train, test, args.c_grid) for name in ENCODERS]
    results = [result for result, _ in measured]
    loaded = {r["name"]: e for r, e in measured if e is not None}
    timings = latencies(loaded, test["text"].tolist())
    for result in results:
        result.update(timings.get(result["name"], {}))
    rows: list[list[object]] = []
    for r in results:
        if not r["available"]:
            rows.append([r["name"], "—", "—", "—", "—", "—", "—", "not available: see below"])
            continue
        rows.append(
            [
                r["name"],
                r["dimension"],
                f"{r['weights_mb']:.0f}",
                f"{r['C']:g}",
                f"{r['validation_accuracy']:.2%}",
                f"{r['test_accuracy']:.2%}",
                f"{r['ms_per_text_batch1']:.1f}",
                f"{r['ms_per_text_batch64']:.2f}",
            ]
        )
    missing = [r for r in results if not r["available"]]
    notes = "".join(f"\n\n*{r['name']}*: {r['reason']}" for r in missing)
    loads = [r["load_average_1m"] for r in results if r["available"]]
    cores = os.cpu_count()
    body = (
        f"Frozen sentence vectors + logistic regression on BANKING77 ({len(train):,} training "
        f"rows, {len(test):,} test rows). C chosen from {args.c_grid} on a stratified 20 % "
        "validation slice of the training split; the head is refitted on the whole training "
        "split with that C and the official test split scored once. Latency: median ms per "
        "text on the torch backend, CPU, one text per call (batch 1) and batches of 64 "
        f"(test texts, {ROUNDS} rounds alternating the encoders), measured while the "
        f"{cores}-core machine was shared "
        f"(1-minute load average up to {max(loads, default=0):.1f}), so compare the rows "
        "with each other rather than with other machines. MB: the weights file.\n\n"
        + markdown_table(
            [
                "encoder",
                "dim",
                "MB",
                "C",
                "validation acc",
                "test acc",
                "ms/text b1",
                "ms/text b64",
            ],
            rows,
        )
        + notes
    )
    write_section(
        "encoders",
        "Sentence encoders (BANKING77)",
        "python -m benchmarks.encoders",
        body,
        {"c_grid": args.c_grid, "encoders": results},
    )
    print(body)


if __name__ == "__main__":
    main()
