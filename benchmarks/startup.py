"""CLI start-up: wall time and peak memory of quick commands against ``python -c pass``.

Every command runs as a fresh process, as a shell or a completion script runs it; the
contenders are interleaved so load on the machine falls on all of them alike. The store
is a SQLite file in a temporary folder, migrated and holding one small dataset, so
``data list`` and ``data show`` do the real work of a query.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._report import markdown_table, write_section

COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass (peer)", ["-c", "pass"]),
    ("colloquy --version", ["-m", "colloquy", "--version"]),
    ("colloquy --help", ["-m", "colloquy", "--help"]),
    ("colloquy config show", ["-m", "colloquy", "config", "show"]),
    ("colloquy db status", ["-m", "colloquy", "db", "status"]),
    ("colloquy data list", ["-m", "colloquy", "data", "list"]),
    ("colloquy data show", ["-m", "colloquy", "data", "show", "chats"]),
]


_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024]))
"""
"""Runs one command and reports it. A child's peak RSS counts the memory of the process it
was forked from, so a small interpreter forks the command, not this benchmark's own."""


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident MiB of one ``python ARGS`` process."""
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    code, wall, cpu, rss = json.loads(measured.stdout)
    if code != 0:
        raise SystemExit(f"python {' '.join(args)} failed ({code})")
    return wall, cpu, rss


def prepare(folder: Path) -> dict[str, str]:
    """An environment whose store is a fresh SQLite file holding one small dataset.

    Bytecode is cached, as it is for an installed package (pip compiles it), but in the
    temporary folder: with ``PYTHONDONTWRITEBYTECODE`` set, as on the development
    machines, every run would compile colloquy's modules from source, which no user pays.
    """
    env = {**os.environ, "COLLOQUY_HOME": str(folder / "home")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    env["COLLOQUY_DATABASE_URL"] = f"sqlite:///{folder / 'store.db'}"
    chats = folder / "chats.csv"
    chats.write_text(
        "conversation_id,speaker,text\n"
        + "".join(f"c{i},customer,my card number {i} was charged twice\n" for i in range(200)),
        encoding="utf-8",
    )
    ingest = [sys.executable, "-m", "colloquy", "data", "ingest", "csv", str(chats)]
    subprocess.run([*ingest, "--dataset", "chats"], env=env, check=True, capture_output=True)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    load = os.getloadavg()[0]
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in COMMANDS}
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        for _name, argv in COMMANDS:
            run_once(argv, env)
        for _ in range(args.repeat):
            for name, argv in COMMANDS:
                samples[name].append(run_once(argv, env))

    peer = statistics.median(wall for wall, _, _ in samples[COMMANDS[0][0]])
    rows: list[tuple[str, ...]] = []
    measured: list[dict[str, Any]] = []
    for name, _ in COMMANDS:
        walls = [wall for wall, _, _ in samples[name]]
        wall = statistics.median(walls)
        cpu = statistics.median(cpu for _, cpu, _ in samples[name])
        rss = max(peak for _, _, peak in samples[name])
        rows.append(
            (
                name,
                f"{wall:.3f} ({min(walls):.3f}–{max(walls):.3f})",
                f"{wall - peer:+.3f}",
                f"{cpu:.3f}",
                f"{rss:.0f}",
            )
        )
        measured.append({"command": name, "seconds": wall, "samples": walls})
        measured[-1] |= {"cpu_seconds": cpu, "peak_mib": rss}
        print(rows[-1])

    body = (
        f"Each command is a fresh process (`python -m colloquy …`), run {args.repeat} times "
        "interleaved with the others after one warm-up run; *seconds* is the median wall "
        "time with the range, *over peer* the median minus the bare interpreter's "
        "(`python -c pass`) in the same run, *CPU s* the median user + system time (less "
        "sensitive than wall time to other work on the machine), *peak MiB* the largest "
        "resident set of the runs. Bytecode is cached, as in an installed package (in a "
        "temporary `PYTHONPYCACHEPREFIX`, written by the warm-up run). "
        "The store is a migrated SQLite file holding one dataset of 200 "
        f"conversations. Load average when the run started: {load:.1f} (other work on the "
        "machine stretches wall times, CPU times much less).\n\n"
        + markdown_table(["command", "seconds", "over peer", "CPU s", "peak MiB"], rows)
    )
    write_section(
        "startup",
        "CLI start-up",
        f"python -m benchmarks.startup --repeat {args.repeat}",
        body,
        {"repeat": args.repeat, "load_average": load, "rows": measured},
    )


if __name__ == "__main__":
    main()
