"""Shared by every benchmark: timing, database fixtures and writing BENCHMARKS.md sections.

Each benchmark owns one section of ``BENCHMARKS.md`` between markers, so running one
benchmark rewrites its own table and leaves the others alone.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from colloquy.storage.scratch import scratch_postgres_database

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def datasets_dir() -> Path:
    configured = os.environ.get("COLLOQUY_DATA_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "datasets"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def timed(
    fn: Callable[[], object], repeat: int = 3, setup: Callable[[], object] | None = None
) -> float:
    """Median wall time of ``repeat`` runs of ``fn``; ``setup`` runs before each, untimed."""
    samples = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


@contextmanager
def scratch_postgres() -> Iterator[str | None]:
    """A throw-away PostgreSQL database, or None when no server answers."""
    server = os.environ.get("COLLOQUY_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_postgres_database(server, prefix="colloquy_bench"))
        except OperationalError as exc:
            print(f"PostgreSQL not available ({type(exc).__name__}); skipping it")
            url = None
        yield url


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_section(name: str, title: str, command: str, body: str, result: dict[str, Any]) -> None:
    """Replace (or append) this benchmark's section in BENCHMARKS.md and save its JSON."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    payload = {"benchmark": name, "at": stamp, "machine": machine(), **result}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    header = f"## {title}\n\nCommand: `{command}` — {stamp}, {machine()}.\n\n{body.strip()}"
    default = (
        "# Benchmarks\n\nEvery table below is written by the script named in its command "
        "line; timings compare colloquy with a peer measured in the same run on the same "
        "machine.\n"
    )
    _replace_between(BENCHMARKS_MD, start, end, header, default=default)
    readme = ROOT / "README.md"
    if start in readme.read_text(encoding="utf-8"):
        _replace_between(readme, start, end, f"**{title}** (`{command}`)\n\n{body.strip()}")
    print(f"wrote section {name!r} to {BENCHMARKS_MD}")


def _replace_between(path: Path, start: str, end: str, content: str, default: str = "") -> None:
    current = path.read_text(encoding="utf-8") if path.exists() else default
    block = f"{start}\n{content}\n{end}"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        updated = before + block + rest.split(end, 1)[1]
    else:
        updated = current.rstrip() + "\n\n" + block + "\n"
    path.write_text(updated, encoding="utf-8")
