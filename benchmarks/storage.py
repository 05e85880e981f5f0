"""Bulk-insert throughput (turns/s) of the colloquy store against ``DataFrame.to_sql``.

Both sides start from the same in-memory SGD ``Conversation`` records and write the same
rows (the ``conversations`` and ``turns`` tables, JSON columns serialised with orjson)
into a fresh database with the same engine settings (SQLite with WAL, or a scratch
PostgreSQL database). colloquy's time includes hashing every conversation for
de-duplication; the peer's includes building its two DataFrames. Schema creation is done
before the clock starts for colloquy (migrations) and is part of ``to_sql`` for the peer.
A second peer row times ``to_sql`` alone on prebuilt DataFrames, for reference.

    python benchmarks/storage.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from benchmarks._report import datasets_dir, markdown_table, scratch_postgres, timed, write_section
from colloquy.data.loaders import get_loader
from colloquy.logging import configure_logging
from colloquy.schema import Conversation
from colloquy.storage import Store, create_store_engine

Frames = tuple[pd.DataFrame, pd.DataFrame]


def load_sgd() -> list[Conversation]:
    return list(get_loader("sgd").load(datasets_dir() / "sgd"))


def peer_frames(conversations: list[Conversation]) -> Frames:
    """The rows a pandas user would build to store the same conversations."""
    conv_rows: list[dict[str, Any]] = []
    turn_rows: list[dict[str, Any]] = []
    for pk, conv in enumerate(conversations, start=1):
        conv_rows.append(
            {
                "pk": pk,
                "external_id": conv.id,
                "source": conv.source,
                "channel": conv.channel,
                "started_at": conv.started_at,
                "n_turns": len(conv.turns),
                "metadata": orjson.dumps(conv.metadata).decode(),
                "labels": orjson.dumps(conv.labels).decode(),
            }
        )
        for turn in conv.turns:
            acts = [
                {"act": a.act, "slot": a.slot, "values": list(a.values)} for a in turn.dialogue_acts
            ]
            turn_rows.append(
                {
                    "conversation_pk": pk,
                    "idx": turn.index,
                    "speaker": turn.speaker.value,
                    "speaker_id": turn.speaker_id,
                    "text": turn.text,
                    "timestamp": turn.timestamp,
                    "intent": turn.intent,
                    "dialogue_acts": orjson.dumps(acts).decode(),
                    "extra": orjson.dumps(turn.extra).decode(),
                }
            )
    return pd.DataFrame(conv_rows), pd.DataFrame(turn_rows)


def to_sql(url: str, frames: Frames) -> None:
    engine = create_store_engine(url)
    with engine.begin() as conn:
        for name, frame in zip(("conversations", "turns"), frames, strict=True):
            frame.to_sql(name, conn, index=False, if_exists="replace", chunksize=2000)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    configure_logging("warning")

    conversations = load_sgd()
    prebuilt = peer_frames(conversations)
    n_turns = sum(len(c.turns) for c in conversations)
    print(f"SGD: {len(conversations)} conversations, {n_turns} turns")
    rows: list[tuple[str, ...]] = []
    measured: list[dict[str, Any]] = []

    with tempfile.TemporaryDirectory() as tmp, scratch_postgres() as pg_url:
        counter = iter(range(10_000))
        target: dict[str, str] = {}

        def fresh_sqlite() -> None:
            target["url"] = f"sqlite:///{Path(tmp) / f'db{next(counter)}.sqlite'}"

        def fresh_postgres() -> None:
            assert pg_url is not None
            engine = create_store_engine(pg_url)
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "DROP TABLE IF EXISTS splits, turns, conversations, datasets, alembic_version "
                    "CASCADE"
                )
            engine.dispose()
            target["url"] = pg_url

        def migrated(fresh: Callable[[], None]) -> Callable[[], None]:
            def setup() -> None:
                fresh()
                with Store.connect(target["url"]) as store:
                    store.upgrade()

            return setup

        def colloquy_ingest() -> None:
            with Store.connect(target["url"], batch_size=2000) as store:
                report = store.ingest(dataset="bench", source="sgd", conversations=conversations)
            assert report.inserted == len(conversations)

        backends = [("SQLite", fresh_sqlite)]
        if pg_url is not None:
            backends.append(("PostgreSQL", fresh_postgres))
        for backend, fresh in backends:
            timings = {
                "colloquy Store.ingest": timed(colloquy_ingest, args.repeat, migrated(fresh)),
                "pandas: build DataFrames + to_sql": timed(
                    lambda: to_sql(target["url"], peer_frames(conversations)), args.repeat, fresh
                ),
                "pandas: to_sql alone (prebuilt)": timed(
                    lambda: to_sql(target["url"], prebuilt), args.repeat, fresh
                ),
            }
            peer = timings["pandas: build DataFrames + to_sql"]
            for name, seconds in timings.items():
                rows.append(
                    (
                        backend,
                        name,
                        f"{seconds:.2f}",
                        f"{n_turns / seconds:,.0f}",
                        f"{peer / seconds:.2f}×",
                    )
                )
                measured.append(
                    {
                        "backend": backend,
                        "contender": name,
                        "seconds": seconds,
                        "turns_per_s": n_turns / seconds,
                    }
                )
                print(rows[-1])

    body = (
        f"{len(conversations):,} SGD conversations, {n_turns:,} turns (JSON frames and dialogue "
        f"acts per turn); median of {args.repeat} runs, fresh database each run. The peer is "
        "pandas starting from the same records; *vs peer* is relative to its "
        "build + `to_sql` time on the same backend.\n\n"
        + markdown_table(["backend", "contender", "seconds", "turns/s", "vs peer"], rows)
    )
    result = {"conversations": len(conversations), "turns": n_turns, "rows": measured}
    write_section("storage", "Storage: bulk insert", "python -m benchmarks.storage", body, result)


if __name__ == "__main__":
    main()
