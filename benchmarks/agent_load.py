"""Ten agent sessions at once through the HTTP API for a minute: latency per stage, lost events.

``colloquy serve`` (one uvicorn worker, a seeded SQLite desk, rate limits off, identity
checks allowed 100,000 times an hour since the same seeded callers verify again and again)
serves ``--sessions`` client threads. Each thread opens a session, plays one conversation
— a claim inquiry by one of the twelve seeded callers, a coverage question, or a new claim
— ends it, and starts the next, until ``--seconds`` pass. Afterwards every session's audit
log is read back over the API and counted: each message sent and each reply received must
be there exactly once, numbered without gaps.

Per stage, P50/P95/P99 come from the server's own timings of each turn (the ``timings``
object of every answer); ``client`` is the round trip the caller saw.

    nice python -m benchmarks.agent_load [--sessions 10] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from benchmarks._report import markdown_table, write_section
from colloquy.desk import seed_desk
from colloquy.desk.seed_data import CLAIMS, CUSTOMERS
from colloquy.storage import Store

STAGES = ("activation", "slots", "tools", "guidelines", "respond", "validate", "total")


def conversations() -> list[tuple[str, ...]]:
    """Claim inquiries by every seeded caller, plus a coverage question and a new claim."""
    claims = {policy: number for number, policy, *_ in CLAIMS}
    out: list[tuple[str, ...]] = [
        ("What's the status of my claim?", f"{phone[2:]}, born {born}", claims[policy])
        for policy, _, phone, _, born, *_ in CUSTOMERS
    ]
    out.append(("Is flood damage covered by home insurance?", "What is a deductible?"))
    out.append(
        (
            "I need to file a claim.",
            "555 0101, born 1979-11-02",
            "It happened yesterday.",
            "home",
            "$850",
            "A storm blew tiles off the roof and rain came into the attic.",
            "yes, submit it",
        )
    )
    return out


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    client_ms: list[float] = field(default_factory=list)
    sessions: dict[str, int] = field(default_factory=dict)
    """session id → customer messages sent."""
    errors: list[str] = field(default_factory=list)


def client_loop(url: str, deadline: float, offset: int, tally: Tally) -> None:
    scripts = conversations()
    index = offset
    with httpx.Client(base_url=url, timeout=60) as http:
        while time.monotonic() < deadline:
            script = scripts[index % len(scripts)]
            index += 1
            opened = http.post("/v1/agent/sessions", json={"channel": "api"})
            if opened.status_code != 201:
                tally.errors.append(f"open {opened.status_code}")
                continue
            sid = opened.json()["session_id"]
            sent = 0
            for text in script:
                began = time.perf_counter()
                answer = http.post(f"/v1/agent/sessions/{sid}/messages", json={"text": text})
                elapsed = (time.perf_counter() - began) * 1e3
                sent += 1
                if answer.status_code != 200:
                    tally.errors.append(f"message {answer.status_code}")
                    continue
                timings = answer.json()["timings"]
                with tally.lock:
                    tally.client_ms.append(elapsed)
                    for stage in STAGES:
                        tally.stages[stage].append(timings[f"{stage}_ms"])
            http.delete(f"/v1/agent/sessions/{sid}")
            with tally.lock:
                tally.sessions[sid] = sent


def count_events(url: str, sessions: dict[str, int]) -> tuple[int, int, int]:
    """(expected, found, sessions with a gap or duplicate) of MESSAGE and REPLY events."""
    expected = found = broken = 0
    with httpx.Client(base_url=url, timeout=60) as http:
        for sid, sent in sessions.items():
            events = http.get(f"/v1/agent/sessions/{sid}/events").json()
            seqs = [e["seq"] for e in events]
            if seqs != list(range(1, len(seqs) + 1)):
                broken += 1
            kinds = [e["kind"] for e in events]
            expected += sent + (sent + 1)
            found += kinds.count("message") + kinds.count("reply")
    return expected, found, broken


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"the API at {url} did not start in {timeout} s")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        store_url = f"sqlite:///{work / 'store.db'}"
        with Store.open(store_url) as store:
            seed_desk(store)
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "COLLOQUY_HOME": str(work / "home"),
            "COLLOQUY_API_STORE_URL": store_url,
            "COLLOQUY_API_RATE_LIMIT_ENABLED": "false",
            "COLLOQUY_AGENT__VERIFY_ATTEMPTS_PER_HOUR": "100000",
        }
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with (work / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "colloquy", "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=log,
            )
        try:
            _wait(url)
            with httpx.Client(base_url=url, timeout=120) as http:
                warm = http.post("/v1/agent/sessions").json()["session_id"]
                http.delete(f"/v1/agent/sessions/{warm}")
            tally = Tally()
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=client_loop, args=(url, deadline, i, tally))
                for i in range(args.sessions)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.monotonic() - started
            expected, found, broken = count_events(url, tally.sessions)
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(args, tally, wall, expected, found, broken)


def report(
    args: argparse.Namespace, tally: Tally, wall: float, expected: int, found: int, broken: int
) -> None:
    def row(name: str, values: list[float]) -> list[object]:
        p50, p95, p99 = np.percentile(np.asarray(values), [50, 95, 99])
        return [name, f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}"]

    rows = [row(stage, tally.stages[stage]) for stage in STAGES]
    rows.append(row("client round trip", tally.client_ms))
    turns = len(tally.client_ms)
    body = (
        markdown_table(["stage", "P50 ms", "P95 ms", "P99 ms"], rows)
        + f"\n\n{args.sessions} concurrent sessions for {wall:.0f} s: {len(tally.sessions)} "
        f"conversations, {turns} turns ({turns / wall:.1f} turns/s), {len(tally.errors)} "
        f"failed requests. Audit log read back: {found} of {expected} message and reply "
        f"events present ({expected - found} lost), {broken} sessions with a gap or duplicate "
        f"in their numbering. One uvicorn worker, SQLite store, offline template replies."
    )
    print(body)
    write_section(
        "agent_load",
        "Agent under load through the API",
        "nice python -m benchmarks.agent_load "
        f"--sessions {args.sessions} --seconds {args.seconds:g}",
        body,
        {
            "sessions": args.sessions,
            "seconds": wall,
            "conversations": len(tally.sessions),
            "turns": turns,
            "failed_requests": len(tally.errors),
            "events_expected": expected,
            "events_found": found,
            "sessions_broken": broken,
            "stages": {r[0]: {"p50": r[1], "p95": r[2], "p99": r[3]} for r in rows},
        },
    )
    print(json.dumps({"errors": tally.errors[:5]}))


if __name__ == "__main__":
    main()
