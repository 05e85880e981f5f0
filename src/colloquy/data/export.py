"""Writing conversations out: colloquy JSONL (lossless) or a turn-level Parquet table.

JSONL keeps every field and reads back with the ``conversations`` loader. Parquet is for
analysis tools (pandas, DuckDB, Spark): one row per turn, with the conversation's fields
repeated and its metadata, labels and the turn's acts and extra as JSON text. Both write
in batches, so memory stays bounded by one batch, and both write to a temporary file that
replaces the target only when complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from colloquy.progress import ProgressCallback, emit
from colloquy.schema import Conversation

ExportFormat = Literal["jsonl", "parquet"]

TURN_SCHEMA = pa.schema(
    [
        ("conversation_id", pa.string()),
        ("source", pa.string()),
        ("channel", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("turn_index", pa.int32()),
        ("speaker", pa.string()),
        ("speaker_id", pa.string()),
        ("text", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("intent", pa.string()),
        ("dialogue_acts", pa.string()),
        ("extra", pa.string()),
        ("metadata", pa.string()),
        ("labels", pa.string()),
        ("outcome_converted", pa.bool_()),
        ("outcome_value", pa.float64()),
    ]
)


def export_conversations(
    conversations: Iterable[Conversation],
    path: Path | str,
    *,
    fmt: ExportFormat,
    batch_size: int = 5000,
    progress: ProgressCallback | None = None,
) -> tuple[int, int]:
    """Write ``conversations`` to ``path``; returns (conversations, turns) written."""
    conversations = _counted(conversations, progress)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        if fmt == "jsonl":
            counts = _write_jsonl(conversations, partial)
        else:
            counts = _write_parquet(conversations, partial, batch_size)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _write_jsonl(conversations: Iterable[Conversation], path: Path) -> tuple[int, int]:
    n_conversations = n_turns = 0
    with path.open("w", encoding="utf-8") as handle:
        for conversation in conversations:
            handle.write(conversation.to_json())
            handle.write("\n")
            n_conversations += 1
            n_turns += len(conversation.turns)
    return n_conversations, n_turns


def _write_parquet(
    conversations: Iterable[Conversation], path: Path, batch_size: int
) -> tuple[int, int]:
    n_conversations = n_turns = 0
    rows: list[dict[str, Any]] = []
    with pq.ParquetWriter(path, TURN_SCHEMA) as writer:
        for conversation in conversations:
            n_conversations += 1
            rows.extend(_turn_rows(conversation))
            if len(rows) >= batch_size:
                writer.write_table(pa.Table.from_pylist(rows, schema=TURN_SCHEMA))
                n_turns += len(rows)
                rows = []
        if rows or n_turns == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=TURN_SCHEMA))
            n_turns += len(rows)
    return n_conversations, n_turns


def _turn_rows(conversation: Conversation) -> list[dict[str, Any]]:
    outcome = conversation.outcome
    shared = {
        "conversation_id": conversation.id,
        "source": conversation.source,
        "channel": conversation.channel,
        "started_at": conversation.started_at,
        "metadata": orjson.dumps(conversation.metadata).decode(),
        "labels": orjson.dumps(conversation.labels).decode(),
        "outcome_converted": outcome.converted if outcome else None,
        "outcome_value": outcome.value if outcome else None,
    }
    return [
        {
            **shared,
            "turn_index": turn.index,
            "speaker": turn.speaker.value,
            "speaker_id": turn.speaker_id,
            "text": turn.text,
            "timestamp": turn.timestamp,
            "intent": turn.intent,
            "dialogue_acts": orjson.dumps(
                [
                    {"act": a.act, "slot": a.slot, "values": list(a.values)}
                    for a in turn.dialogue_acts
                ]
            ).decode(),
            "extra": orjson.dumps(turn.extra).decode(),
        }
        for turn in conversation.turns
    ]


def _counted(
    conversations: Iterable[Conversation], progress: ProgressCallback | None, every: int = 1000
) -> Iterator[Conversation]:
    """``conversations`` unchanged, reporting the running count every ``every`` of them."""
    done = 0
    for done, conversation in enumerate(conversations, 1):
        yield conversation
        if done % every == 0:
            emit(progress, "export", done, None, unit="conversations")
    emit(progress, "export", done, done, unit="conversations")
