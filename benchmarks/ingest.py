"""Parse + store throughput (turns/s) and peak memory of ``colloquy`` ingest against pandas.

For SGD and Twitter, into SQLite and PostgreSQL, each contender runs in its own process
(so its peak resident memory can be read) on the original files and on the same files
replicated 10x (copies with shifted ids, so nothing is a duplicate):

* **colloquy** — the ingest job: the streaming loader (threads rebuilt for Twitter, frames
  and acts kept for SGD), cleaning, PII masking, then ``Store.ingest`` in one transaction.
* **peer** — ``pandas.read_csv`` / ``json.load`` + ``DataFrame`` + ``to_sql``, producing the
  same two tables (a row per conversation, a row per turn; Twitter threads rebuilt with
  vectorised parent-following, SGD intents and acts extracted); no cleaning, no masking.
* **peer, same GC setting** — the peer inside the same :func:`fewer_gc_passes` block that
  colloquy's ingest job uses, so the table shows what that setting alone is worth.

Every contender runs ``--repeat`` times (default 3), interleaved so a slow spell of the
machine hits all of them alike; the table gives the median time and the range.

    python -m benchmarks.ingest [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks._report import datasets_dir, markdown_table, scratch_postgres, write_section
from colloquy.config import IngestSettings
from colloquy.data.loaders import get_loader
from colloquy.logging import configure_logging
from colloquy.pipelines.bulk_gc import fewer_gc_passes
from colloquy.pipelines.ingest import ingest
from colloquy.storage import Store, create_store_engine

REPLICAS = 10
CONTENDERS = ("colloquy", "colloquy-full", "peer", "peer-gc")
LABELS = {
    "colloquy": "colloquy: parse + store",
    "colloquy-full": "colloquy: parse + clean + mask PII + store",
    "peer": "pandas: parse + to_sql",
    "peer-gc": "pandas: parse + to_sql, colloquy's GC setting",
}


def replicate_sgd(target: Path, copies: int) -> Path:
    """The SGD train/dev/test folders with each dialogues file copied ``copies`` times."""
    source = datasets_dir() / "sgd"
    for split in ("train", "dev", "test"):
        out = target / split
        out.mkdir(parents=True)
        shutil.copy(source / split / "schema.json", out / "schema.json")
        for file in sorted((source / split).glob("dialogues_*.json")):
            dialogues = json.loads(file.read_text(encoding="utf-8"))
            originals = [dialogue["dialogue_id"] for dialogue in dialogues]
            for copy in range(copies):
                if copies > 1:
                    for dialogue, original in zip(dialogues, originals, strict=True):
                        dialogue["dialogue_id"] = f"{original}-r{copy:02d}"
                name = f"{file.stem}_r{copy:02d}.json" if copies > 1 else file.name
                (out / name).write_text(json.dumps(dialogues), encoding="utf-8")
    return target


def replicate_twitter(target: Path, copies: int) -> Path:
    """The Twitter CSV copied ``copies`` times into one folder, tweet ids shifted per copy."""
    source = datasets_dir() / "twitter_support" / "twcs_first5000.csv"
    target.mkdir(parents=True)
    frame = pd.read_csv(source, lineterminator="\n", index_col=0, dtype=str)
    for copy in range(copies):
        shifted = frame.copy()
        offset = copy * 10_000_000
        shifted["tweet_id"] = (shifted["tweet_id"].astype(int) + offset).astype(str)
        shifted["in_response_to_tweet_id"] = shifted["in_response_to_tweet_id"].map(
            lambda v, o=offset: "" if pd.isna(v) else str(int(float(v)) + o)
        )
        shifted["response_tweet_id"] = shifted["response_tweet_id"].map(
            lambda v, o=offset: (
                "" if pd.isna(v) else ",".join(str(int(x) + o) for x in str(v).split(","))
            )
        )
        shifted.to_csv(target / f"twcs_r{copy:02d}.csv", lineterminator="\n")
    return target


def run_colloquy(dataset: str, path: Path, url: str, *, full: bool) -> int:
    settings = IngestSettings(clean=full, mask_pii=full)
    with Store.connect(url, batch_size=2000) as store:
        result = ingest(store, get_loader(dataset), path, dataset=dataset, settings=settings)
    return result.stored.turns


def run_peer(dataset: str, path: Path, url: str) -> int:
    """pandas producing the same two tables: one row per conversation, one per turn."""
    engine = create_store_engine(url)
    turns = 0
    with engine.begin() as conn:
        files = sorted(path.glob("*.csv" if dataset == "twitter_support" else "*/dialogues_*.json"))
        for file in files:
            frames = peer_twitter(file) if dataset == "twitter_support" else peer_sgd(file)
            for name, frame in zip(("peer_conversations", "peer_turns"), frames, strict=True):
                frame.to_sql(name, conn, index=False, if_exists="append", chunksize=2000)
            turns += len(frames[1])
    engine.dispose()
    return turns


def peer_sgd(file: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dialogues and turns (intent, acts, frames as JSON) from one SGD file."""
    dialogues = json.loads(file.read_text(encoding="utf-8"))
    conversations = pd.DataFrame(
        {
            "dialogue_id": [d["dialogue_id"] for d in dialogues],
            "services": [json.dumps(d["services"]) for d in dialogues],
            "n_turns": [len(d["turns"]) for d in dialogues],
        }
    )
    turns = pd.DataFrame(
        [
            {
                "dialogue_id": d["dialogue_id"],
                "idx": i,
                "speaker": t["speaker"],
                "text": t["utterance"],
                "intent": next(
                    (
                        f["state"]["active_intent"]
                        for f in t["frames"]
                        if f.get("state", {}).get("active_intent", "NONE") != "NONE"
                    ),
                    None,
                ),
                "acts": json.dumps([a for f in t["frames"] for a in f["actions"]]),
                "frames": json.dumps(t["frames"]),
            }
            for d in dialogues
            for i, t in enumerate(d["turns"])
        ]
    )
    return conversations, turns


def peer_twitter(file: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Threads rebuilt the pandas way: follow parent links, vectorised, until every tweet
    points at its root; then order each thread by time."""
    tweets = pd.read_csv(file, lineterminator="\n", index_col=0)
    tweets["created_at"] = pd.to_datetime(tweets["created_at"], format="%a %b %d %H:%M:%S %z %Y")
    parent = tweets["in_response_to_tweet_id"].astype("Int64")
    known = parent.isin(tweets["tweet_id"])
    root = tweets["tweet_id"].where(~known, parent).astype("Int64")
    parent_of = pd.Series(parent.where(known).to_numpy(), index=tweets["tweet_id"])
    while True:
        step = root.map(parent_of)
        moved = step.notna()
        if not moved.any():
            break
        root = root.where(~moved, step).astype("Int64")
    tweets["conversation_id"] = root
    tweets = tweets.sort_values(["conversation_id", "created_at", "tweet_id"])
    tweets["idx"] = tweets.groupby("conversation_id").cumcount()
    tweets["speaker"] = tweets["inbound"].map({True: "customer", False: "agent"})
    conversations = tweets.groupby("conversation_id").agg(
        started_at=("created_at", "min"), n_turns=("tweet_id", "size")
    )
    turns = tweets[["conversation_id", "idx", "speaker", "author_id", "text", "created_at"]]
    return conversations.reset_index(), turns


def worker(args: argparse.Namespace) -> None:
    configure_logging("warning")
    with Store.connect(args.url) as store:
        store.upgrade()
    path = Path(args.input)
    start = time.perf_counter()
    if args.worker == "peer":
        turns = run_peer(args.dataset, path, args.url)
    elif args.worker == "peer-gc":
        with fewer_gc_passes():
            turns = run_peer(args.dataset, path, args.url)
    else:
        turns = run_colloquy(args.dataset, path, args.url, full=args.worker == "colloquy-full")
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"turns": turns, "seconds": seconds, "peak_mib": peak_kib / 1024}))


def measure(contender: str, dataset: str, path: Path, url: str) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.ingest",
        "--worker",
        contender,
        "--dataset",
        dataset,
        "--input",
        str(path),
        "--url",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{contender} on {dataset} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", choices=CONTENDERS)
    parser.add_argument("--dataset")
    parser.add_argument("--input")
    parser.add_argument("--url")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (median kept)")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    rows: list[tuple[str, ...]] = []
    measured: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp_name, scratch_postgres() as pg_url:
        tmp = Path(tmp_name)
        inputs = {
            ("sgd", 1): replicate_sgd(tmp / "sgd1", 1),
            ("sgd", REPLICAS): replicate_sgd(tmp / "sgd10", REPLICAS),
            ("twitter_support", 1): replicate_twitter(tmp / "tw1", 1),
            ("twitter_support", REPLICAS): replicate_twitter(tmp / "tw10", REPLICAS),
        }
        backends: dict[str, Callable[[int], str]] = {
            "SQLite": lambda run: f"sqlite:///{tmp / f'{run}.db'}"
        }
        if pg_url is not None:
            postgres: str = pg_url
            backends["PostgreSQL"] = lambda _run: postgres
        run_id = 0
        for (dataset, copies), path in inputs.items():
            for backend, url_for in backends.items():
                runs: dict[str, list[dict[str, Any]]] = {c: [] for c in CONTENDERS}
                for _ in range(args.repeat):
                    for contender in CONTENDERS:
                        run_id += 1
                        url = url_for(run_id)
                        if backend == "PostgreSQL":
                            _reset_postgres(url)
                        runs[contender].append(measure(contender, dataset, path, url))
                for contender in CONTENDERS:
                    record = _summary(runs[contender])
                    measured.append(
                        {
                            "dataset": dataset,
                            "copies": copies,
                            "backend": backend,
                            "contender": contender,
                            **record,
                        }
                    )
                    rows.append(
                        (
                            dataset,
                            f"{copies}×",
                            backend,
                            LABELS[contender],
                            f"{record['turns']:,}",
                            _seconds(record),
                            f"{record['turns_per_s']:,.0f}",
                            f"{record['turns_per_s'] / _peer_speed(runs):.2f}×",
                            f"{record['peak_mib']:.0f}",
                        )
                    )
                    print(rows[-1], flush=True)

    body = (
        "Each run is one process; the clock starts after imports and schema creation. Every "
        f"contender ran {args.repeat} times, interleaved; *seconds* is the median with the "
        "range, *vs peer* the median speed over the plain pandas peer's. *parse + store* is "
        "the same work as the peer (read the files, build records, write them), but colloquy "
        "also validates every record, rebuilds Twitter threads, keeps SGD frames and acts, "
        "hashes for de-duplication and commits all or nothing. The *clean + mask PII* row "
        "adds the default text cleaning and PII masking. The peer is pandas (`read_csv` / "
        "`json.load` + `DataFrame.to_sql`) writing the same two tables, threads rebuilt with "
        "vectorised parent-following. colloquy's ingest job raises Python's young-generation "
        "GC threshold while it runs (`colloquy.pipelines.bulk_gc`); the last pandas row "
        "gives the peer the same setting, to show how much of the difference that setting "
        "is. Peak memory is the process's maximum resident set size (largest of the runs); "
        "the 10× input is the same files copied with shifted ids.\n\n"
        + markdown_table(
            [
                "dataset",
                "input",
                "backend",
                "contender",
                "turns",
                "seconds",
                "turns/s",
                "vs peer",
                "peak MiB",
            ],
            rows,
        )
    )
    write_section(
        "ingest",
        "Ingest: parse + store, and memory at 10× input",
        f"python -m benchmarks.ingest --repeat {args.repeat}",
        body,
        {"rows": measured},
    )


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median seconds (with range), turns/s at the median, and the largest peak memory."""
    seconds = [run["seconds"] for run in runs]
    median = statistics.median(seconds)
    turns = runs[0]["turns"]
    return {
        "turns": turns,
        "seconds": median,
        "min_s": min(seconds),
        "max_s": max(seconds),
        "turns_per_s": turns / median,
        "peak_mib": max(run["peak_mib"] for run in runs),
        "runs": runs,
    }


def _seconds(record: dict[str, Any]) -> str:
    return f"{record['seconds']:.2f} ({record['min_s']:.2f}–{record['max_s']:.2f})"


def _peer_speed(runs: dict[str, list[dict[str, Any]]]) -> float:
    return float(_summary(runs["peer"])["turns_per_s"])


def _reset_postgres(url: str) -> None:
    engine = create_store_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "DROP TABLE IF EXISTS splits, turns, peer_turns, peer_conversations, conversations, "
            "datasets, "
            "alembic_version CASCADE"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
