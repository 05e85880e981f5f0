"""A response cache for LLM calls, keyed by backend, model, prompt version and input.

LLM calls are the slowest and most expensive step of any pipeline that uses them, and a
re-run over the same data (a benchmark, a resumed pipeline) asks the same questions. The
key is a SHA-256 over everything that can change an answer: backend, model, the prompt's
name, version and content hash, the messages, the tools, the schema and the sampling
options; a changed prompt file therefore misses, even under the same version. Results
are stored as JSON (never pickles), so a cache file cannot run code.

The store is a seam: :class:`SQLiteResponseCache` (a file, the default) here,
:class:`~colloquy.llm.cache_redis.RedisResponseCache` (shared by every worker, entries
expire) beside it; another backend implements :class:`ResponseCache`'s two methods with
:func:`encode_result` / :func:`decode_result`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from colloquy.errors import StorageError
from colloquy.llm.records import (
    CallOptions,
    ChatMessage,
    ChatResult,
    PromptRef,
    ToolCall,
    ToolSpec,
    Usage,
)
from colloquy.llm.wire import finish_reason

CACHE_FORMAT = 1
"""Bumped when the stored JSON changes shape; older entries then simply miss."""


class ResponseCache(ABC):
    """Answers by key; ``get`` returns ``None`` on a miss."""

    @abstractmethod
    def get(self, key: str) -> ChatResult | None: ...

    @abstractmethod
    def put(self, key: str, result: ChatResult) -> None: ...


def cache_key(
    *,
    backend: str,
    model: str,
    prompt: PromptRef | None,
    messages: Sequence[ChatMessage],
    tools: Sequence[ToolSpec],
    tool_choice: str = "auto",
    json_schema: dict[str, Any] | None,
    options: CallOptions,
) -> str:
    """The SHA-256 of everything that can change the answer."""
    material = {
        "format": CACHE_FORMAT,
        "backend": backend,
        "model": model,
        "prompt": asdict(prompt) if prompt is not None else None,
        "messages": [asdict(m) for m in messages],
        "tools": [asdict(t) for t in tools],
        "tool_choice": tool_choice if tools else None,
        "schema": json_schema,
        "options": asdict(options),
    }
    encoded = json.dumps(material, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class SQLiteResponseCache(ResponseCache):
    """Entries in one SQLite file (created on first use); safe across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS llm_responses ("
                "key TEXT PRIMARY KEY, backend TEXT NOT NULL, model TEXT NOT NULL, "
                "prompt TEXT, prompt_version TEXT, result TEXT NOT NULL, "
                "created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(
                f"cannot open the LLM response cache {path}: {exc}",
                hint="check that the folder is writable, or choose another cache path",
            ) from exc

    def get(self, key: str) -> ChatResult | None:
        with self._lock:
            row = self._db.execute(
                "SELECT result FROM llm_responses WHERE key = ?", (key,)
            ).fetchone()
        return decode_result(str(row[0])) if row is not None else None

    def put(self, key: str, result: ChatResult) -> None:
        prompt = result.prompt
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO llm_responses "
                "(key, backend, model, prompt, prompt_version, result) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    result.backend,
                    result.model,
                    prompt.name if prompt else None,
                    prompt.version if prompt else None,
                    encode_result(result),
                ),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM llm_responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def encode_result(result: ChatResult) -> str:
    return json.dumps(
        {
            "content": result.message.content,
            "tool_calls": [asdict(c) for c in result.message.tool_calls],
            "finish_reason": result.finish_reason,
            "prompt_tokens": result.usage.prompt_tokens,
            "completion_tokens": result.usage.completion_tokens,
            "backend": result.backend,
            "model": result.model,
        }
    )


def decode_result(text: str) -> ChatResult | None:
    """A stored result; an entry that does not decode is a miss, not an error."""
    try:
        data = json.loads(text)
        calls = tuple(ToolCall(**call) for call in data["tool_calls"])
        message = ChatMessage("assistant", str(data["content"]), tool_calls=calls)
        # A hit costs no tokens; the original counts stay in the entry for reference.
        usage = Usage(calls=1)
        return ChatResult(
            message, finish_reason(data["finish_reason"]), usage, data["backend"], data["model"]
        )
    except (ValueError, KeyError, TypeError):
        return None


__all__ = [
    "CACHE_FORMAT",
    "ResponseCache",
    "SQLiteResponseCache",
    "cache_key",
    "decode_result",
    "encode_result",
]
