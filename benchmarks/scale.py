"""Scale-out: batch scoring on one process vs Ray vs Dask, and a Ray Tune study vs Optuna.

Part 1 scores ``--rows`` texts (BANKING77 and Twitter support texts, replicated) with an
intent model trained on BANKING77: locally in this process, on a local Ray with 2
workers (Ray Data over an actor pool) and on a local Dask cluster with 2 worker processes,
all on loopback. The outputs must be equal row for row. Throughput excludes the engines'
start-up, which is reported on its own; peak memory is the driver's and the largest other
process's resident set (sampled every 0.2 s), plus the peak sum over all of them.

Part 2 runs a ``--trials``-trial study of the intent model's C on BANKING77 (train split
85/15 into train and validation) twice: the local Optuna study (``run_study``) and Ray
Tune driving Optuna's sampler (``run_ray_study``, 2 concurrent trials), and compares the
best validation accuracy with its binomial standard error.

    nice .venv/bin/python -m benchmarks.scale             # writes the BENCHMARKS.md section
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import psutil  # type: ignore[import-untyped]
import pyarrow.parquet as pq

from benchmarks._report import RESULTS, datasets_dir, markdown_table, write_section
from colloquy.execution import ExecutionSettings, open_backend
from colloquy.pipelines.batch import predict_batch
from colloquy.pipelines.intent import IntentTrainingConfig, train_intent

WORKERS = 2
TITLE = "Scale-out: local vs Ray vs Dask, Ray Tune vs Optuna"
CHUNK_ROWS = 10_000


class MemorySampler:
    """The peak resident set of this process's children (engine workers), sampled."""

    def __init__(self) -> None:
        self.peak_driver = 0
        self.peak_other = 0
        self.peak_sum = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.2):
            total = me.memory_info().rss
            self.peak_driver = max(self.peak_driver, total)
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.peak_other = max(self.peak_other, rss)
                total += rss
            self.peak_sum = max(self.peak_sum, total)


@dataclass
class Scoring:
    backend: str
    rows: int
    startup_s: float
    seconds: float
    driver_mib: float
    worker_mib: float
    total_mib: float
    equal: bool | None


def texts(rows: int) -> list[str]:
    data = datasets_dir()
    banking = pd.concat(
        [pd.read_csv(data / "banking77" / name)["text"] for name in ("train.csv", "test.csv")]
    )
    tweets = pd.read_csv(data / "twitter_support" / "twcs_first5000.csv")["text"]
    pool = [str(t) for t in pd.concat([banking, tweets]) if str(t).strip()]
    return [pool[i % len(pool)] for i in range(rows)]


def train_model(folder: Path, method: str) -> Path:
    output = folder / "model"
    train_intent(
        datasets_dir() / "banking77" / "train.csv",
        text_column="text",
        label_column="category",
        output=output,
        config=IntentTrainingConfig.model_validate({"method": method}),
    )
    return output


def score(backend: str, model: Path, source: Path, folder: Path) -> Scoring:
    output = folder / f"{backend}.parquet"
    started = time.perf_counter()
    settings = ExecutionSettings.model_validate({"backend": backend, "workers": WORKERS})
    with MemorySampler() as memory, open_backend(settings) as engine:
        ready = time.perf_counter()
        execution = None if backend == "local" else engine
        result = predict_batch(model, source, output, chunk_rows=CHUNK_ROWS, execution=execution)
        done = time.perf_counter()
    # Not ru_maxrss: Linux carries it over from the parent across fork and exec.
    driver = memory.peak_driver / 2**20
    reference = folder / "local.parquet"
    equal = None if backend == "local" else pq.read_table(output).equals(pq.read_table(reference))
    return Scoring(
        backend=backend if backend == "local" else f"{backend}, {WORKERS} workers",
        rows=result.rows,
        startup_s=ready - started,
        seconds=done - ready,
        driver_mib=driver,
        worker_mib=memory.peak_other / 2**20,
        total_mib=memory.peak_sum / 2**20,
        equal=equal,
    )


def score_in_process(backend: str, folder: Path) -> Scoring:
    """:func:`score` in a fresh interpreter, so its peak RSS is that run's alone."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.scale",
            "--score-only",
            backend,
            "--folder",
            str(folder),
        ],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    scoring = Scoring(**json.loads(done.stdout.strip().splitlines()[-1]))
    print(scoring, flush=True)
    return scoring


def study(folder: Path, trials: int, method: str) -> dict[str, Any]:
    from sklearn.model_selection import train_test_split

    from colloquy.pipelines.components.tune_objectives import IntentObjective
    from colloquy.pipelines.tuning import TuneConfig, run_study
    from colloquy.pipelines.tuning.ray_tune import run_ray_study

    frame = pd.read_csv(datasets_dir() / "banking77" / "train.csv")
    frame = frame.rename(columns={"category": "label"})
    train, validation = train_test_split(
        frame, test_size=0.15, stratify=frame["label"], random_state=0
    )
    splits = folder / "splits"
    splits.mkdir()
    train.to_parquet(splits / "train.parquet")
    validation.to_parquet(splits / "validation.parquet")
    objective = IntentObjective(
        splits,
        {"method": method, "head": "logreg", "tfidf_weight": 0.0},
        "accuracy",
        folder / "embeddings.db",
    )
    config = TuneConfig.model_validate(
        {
            "n_trials": trials,
            "workers": WORKERS,
            "pruner": "none",
            "space": {"C": {"type": "float", "low": 0.01, "high": 100.0, "log": True}},
        }
    )
    started = time.perf_counter()
    local = run_study(objective, config, f"sqlite:///{folder / 'optuna.db'}", "scale-bench")
    local_s = time.perf_counter() - started
    started = time.perf_counter()
    with open_backend(ExecutionSettings(backend="ray", workers=WORKERS)):
        distributed = run_ray_study(
            objective, config, storage_path=folder / "ray", study_name="scale-bench"
        )
    ray_s = time.perf_counter() - started
    n = len(validation)
    best = local.best_value or 0.0
    return {
        "validation_rows": n,
        "trials": trials,
        "method": method,
        "local_best": local.best_value,
        "local_best_C": local.best_params.get("C"),
        "local_seconds": local_s,
        "local_complete": local.n_complete,
        "ray_best": distributed.best_value,
        "ray_best_C": distributed.best_params.get("C"),
        "ray_seconds": ray_s,
        "ray_complete": distributed.n_complete,
        "standard_error": (best * (1 - best) / n) ** 0.5,
    }


def report(scorings: list[Scoring], tuning: dict[str, Any] | None, method: str) -> str:
    base = next(s for s in scorings if s.backend == "local")
    rows = [
        (
            s.backend,
            f"{s.rows:,}",
            f"{s.startup_s:.1f}",
            f"{s.seconds:.1f}",
            f"{s.rows / s.seconds:,.0f}",
            f"{base.seconds / s.seconds:.2f}x",
            f"{s.driver_mib:,.0f}",
            f"{s.worker_mib:,.0f}" if s.worker_mib else "-",
            f"{s.total_mib:,.0f}",
            "reference" if s.equal is None else ("yes" if s.equal else "NO"),
        )
        for s in scorings
    ]
    body = (
        f"Batch scoring with an intent model ({method}, trained on BANKING77 train) of "
        f"BANKING77 + Twitter support texts replicated, chunks of {CHUNK_ROWS:,} rows as "
        f"Parquet partitions, on {os.cpu_count()} cores shared with other work. Start-up "
        "(starting the engine) is not in the throughput. Memory: the driver's peak RSS, "
        "the largest other process's peak (an engine worker, raylet or nanny), and the "
        "peak of their sum. The machine was shared (load average about 10 on 2 cores): "
        "there, three processes (driver and two workers) get a larger share of the cores "
        "than one, so the ratio over local is not a parallel speed-up; on an idle 2-core "
        "machine expect at most 2x, less the engine's overhead (start-up, writing and "
        "reading the partitions, one model load per worker; Ray also runs its raylet, GCS "
        "and object store, hence its larger memory total).\n\n"
        + markdown_table(
            [
                "backend",
                "texts",
                "start-up s",
                "scoring s",
                "texts/s",
                "vs local",
                "driver MiB",
                "largest worker MiB",
                "all processes MiB",
                "same output",
            ],
            rows,
        )
    )
    if tuning is not None:
        body += (
            f"\n\nTuning the intent model's C ({tuning['method']}, logistic regression; log range "
            f"0.01–100) for {tuning['trials']} trials, best accuracy on "
            f"{tuning['validation_rows']:,} validation rows (standard error "
            f"±{tuning['standard_error']:.4f}):\n\n"
            + markdown_table(
                ["study", "trials complete", "best accuracy", "best C", "wall s"],
                [
                    (
                        "Optuna, local (run_study)",
                        tuning["local_complete"],
                        f"{tuning['local_best']:.4f}",
                        f"{tuning['local_best_C']:.3g}",
                        f"{tuning['local_seconds']:.0f}",
                    ),
                    (
                        f"Ray Tune + OptunaSearch, {WORKERS} concurrent",
                        tuning["ray_complete"],
                        f"{tuning['ray_best']:.4f}",
                        f"{tuning['ray_best_C']:.3g}",
                        f"{tuning['ray_seconds']:.0f}",
                    ),
                ],
            )
        )
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--method", default="tfidf", help="intent model method (tfidf, frozen)")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument(
        "--study-method", default="frozen", help="intent method tuned (tfidf, frozen)"
    )
    parser.add_argument("--skip-study", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    parser.add_argument(
        "--rewrite", action="store_true", help="rewrite the section from the saved JSON"
    )
    parser.add_argument("--score-only", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rewrite:
        saved = json.loads((RESULTS / "scale.json").read_text(encoding="utf-8"))
        scorings = [Scoring(**item) for item in saved["scoring"]]
        write_section(
            "scale",
            TITLE,
            saved["command"],
            report(scorings, saved["tuning"], saved["method"]),
            {key: saved[key] for key in ("command", "method", "scoring", "tuning")},
        )
        return
    if args.score_only:
        folder = args.folder
        scoring = score(args.score_only, folder / "model", folder / "input.csv", folder)
        print(json.dumps(scoring.__dict__))
        return
    with tempfile.TemporaryDirectory(prefix="colloquy-scale-") as scratch:
        folder = Path(scratch)
        train_model(folder, args.method)
        source = folder / "input.csv"
        pd.DataFrame({"text": texts(args.rows)}).to_csv(source, index=False)
        scorings = [score_in_process(backend, folder) for backend in ("local", "ray", "dask")]
        tuning = None if args.skip_study else study(folder, args.trials, args.study_method)
        print(tuning, flush=True)
    body = report(scorings, tuning, args.method)
    print(body)
    if not args.no_write:
        command = (
            "nice .venv/bin/python -m benchmarks.scale"
            + (f" --rows {args.rows}" if args.rows != 200_000 else "")
            + (f" --method {args.method}" if args.method != "tfidf" else "")
        )
        write_section(
            "scale",
            TITLE,
            command,
            body,
            {
                "command": command,
                "method": args.method,
                "scoring": [s.__dict__ for s in scorings],
                "tuning": tuning,
            },
        )


if __name__ == "__main__":
    main()
