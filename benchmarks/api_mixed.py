"""Mixed load on one colloquy API server: predictions, analyses, concurrent dataset
uploads and a training job at once, against the same server under predictions alone.

A TF-IDF intent model is trained on BANKING77 (``colloquy train intent``) and served by
``colloquy serve --intent-model DIR`` (one uvicorn worker, SQLite store, rate limit and
response cache off). A load generator in a separate process (asyncio + httpx; it stops
itself) runs two phases:

1. *predict alone* (the peer): ``--predict-clients`` clients send one BANKING77 test
   text per ``POST /v1/intents/predict``, back to back;
2. *mixed*: the same prediction clients, plus ``--analyze-clients`` clients sending
   ``POST /v1/conversations/analyze``, ``--upload-clients`` clients each uploading a CSV of
   ``--upload-conversations`` new conversations (``POST /v1/datasets``) into one dataset
   as soon as its previous upload's ingest job ended, and one training job (an inline
   TF-IDF pipeline) started at the beginning.

Then every accepted upload's job must have succeeded and the store must hold exactly the
conversations uploaded (none lost, none doubled), and no response may be a 5xx.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks._report import ROOT, datasets_dir, markdown_table, write_section

PIPELINE = """\
name: mixed-load
task: intent
seed: 0
data: {path: train.csv, label_column: category}
stages:
  ingest: {}
  split: {params: {validation_fraction: 0.2}}
  train: {params: {method: tfidf}}
  evaluate: {}
tracking: {enabled: false}
"""

TURNS = (
    ("customer", "My card {n} has not arrived yet and I am getting worried."),
    ("agent", "Sorry to hear that! I have ordered a replacement card for you today."),
    ("customer", "Thanks - that is great service."),
)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _csv(prefix: str, count: int) -> bytes:
    lines = ["chat,role,message"]
    for n in range(count):
        lines += [f"{prefix}-{n},{role},{text.format(n=n)}" for role, text in TURNS]
    return ("\n".join(lines) + "\n").encode()


class Tally:
    """Latencies and status codes of one kind of request."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()

    def add(self, started: float, status: int) -> None:
        self.latencies.append(time.perf_counter() - started)
        self.statuses[status] += 1

    def summary(self, seconds: float) -> dict[str, Any]:
        return {
            "requests": len(self.latencies),
            "throughput": len(self.latencies) / seconds if seconds else 0.0,
            "p50_ms": _percentile(self.latencies, 0.5) * 1000,
            "p95_ms": _percentile(self.latencies, 0.95) * 1000,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": sum(v for k, v in self.statuses.items() if k >= 500),
            "transport_errors": self.statuses.get(0, 0),
        }


async def _phase(args: argparse.Namespace, texts: list[str], mixed: bool) -> dict[str, Any]:
    import httpx

    tallies = {
        kind: Tally() for kind in ("predict", "analyze", "upload", "ingest poll", "training")
    }
    uploaded: dict[str, int] = {}
    training: dict[str, Any] = {}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=args.load, timeout=60.0, limits=limits) as client:
        deadline = time.perf_counter() + args.duration

        async def call(kind: str, method: str, path: str, **kw: Any) -> httpx.Response | None:
            started = time.perf_counter()
            try:
                answer = await client.request(method, path, **kw)
            except httpx.HTTPError:
                tallies[kind].add(started, 0)
                return None
            tallies[kind].add(started, answer.status_code)
            return answer

        async def predictor(index: int) -> None:
            step = index
            while time.perf_counter() < deadline:
                text = texts[step % len(texts)]
                step += args.predict_clients
                await call("predict", "POST", "/v1/intents/predict", json={"text": text})

        async def analyst(index: int) -> None:
            step = index
            while time.perf_counter() < deadline:
                turns = [{"speaker": role, "text": text.format(n=step)} for role, text in TURNS] + [
                    {"speaker": "customer", "text": texts[step % len(texts)]}
                ]
                step += args.analyze_clients
                await call("analyze", "POST", "/v1/conversations/analyze", json={"turns": turns})

        async def uploader(index: int) -> None:
            batch = 0
            while time.perf_counter() < deadline:
                prefix = f"u{index}-b{batch}"
                batch += 1
                answer = await call(
                    "upload",
                    "POST",
                    "/v1/datasets",
                    data={
                        "dataset": "mixed",
                        "source": "csv",
                        "mapping": ["conversation_id=chat", "speaker=role", "text=message"],
                    },
                    files={"file": (f"{prefix}.csv", _csv(prefix, args.upload_conversations))},
                )
                if answer is None or answer.status_code != 202:
                    continue
                job = answer.json()["id"]
                uploaded[job] = args.upload_conversations
                while True:
                    polled = await call("ingest poll", "GET", f"/v1/ingest-jobs/{job}")
                    if (
                        polled is not None
                        and polled.status_code == 200
                        and polled.json()["state"] not in ("queued", "running")
                    ):
                        break
                    await asyncio.sleep(0.2)

        async def trainer() -> None:
            answer = await call(
                "training", "POST", "/v1/training-jobs", json={"pipeline_yaml": PIPELINE}
            )
            if answer is None or answer.status_code != 202:
                training["submitted"] = answer.status_code if answer is not None else 0
                return
            job = answer.json()["id"]
            started = time.perf_counter()
            while True:
                polled = await call("training", "GET", f"/v1/training-jobs/{job}")
                if polled is not None and polled.status_code == 200:
                    body = polled.json()
                    if body["state"] not in ("queued", "running"):
                        training.update(
                            state=body["state"],
                            seconds=round(time.perf_counter() - started, 1),
                            accuracy=body["metrics"].get("evaluate.test_accuracy"),
                            error=body["error"],
                        )
                        return
                await asyncio.sleep(0.5)

        for text in texts[:20]:
            await client.post("/v1/intents/predict", json={"text": text})
        users = [predictor(i) for i in range(args.predict_clients)]
        if mixed:
            users += [analyst(i) for i in range(args.analyze_clients)]
            users += [uploader(i) for i in range(args.upload_clients)]
            users.append(trainer())
        began = time.perf_counter()
        await asyncio.gather(*users)
        seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "kinds": {k: t.summary(args.duration) for k, t in tallies.items() if t.latencies},
        "uploads": len(uploaded),
        "uploaded_conversations": sum(uploaded.values()),
        "upload_jobs": list(uploaded),
        "training": training,
    }


def load_main(args: argparse.Namespace) -> None:
    texts = json.loads(Path(args.texts).read_text())
    result = asyncio.run(_phase(args, texts, mixed=args.phase == "mixed"))
    print(json.dumps(result))


def _run_phase(url: str, phase: str, texts_file: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "benchmarks.api_mixed", "--load", url, "--phase", phase,
        "--texts", str(texts_file),
        "--duration", str(args.duration if phase == "mixed" else args.alone),
        "--predict-clients", str(args.predict_clients),
        "--analyze-clients", str(args.analyze_clients),
        "--upload-clients", str(args.upload_clients),
        "--upload-conversations", str(args.upload_conversations),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=args.duration + 600, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _wait(url: str, timeout: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API at {url} did not start in {timeout} s")


def _finished_jobs(url: str, jobs: list[str], timeout: float = 600) -> Counter[str]:
    """Each ingest job's final state (the first failure's error is printed)."""
    import httpx

    states: Counter[str] = Counter()
    shown = False
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=30) as client:
        for job in jobs:
            while True:
                body = client.get(f"/v1/ingest-jobs/{job}").json()
                state = body["state"]
                if state not in ("queued", "running") or time.monotonic() > deadline:
                    states[state] += 1
                    if state != "succeeded" and not shown:
                        print(f"ingest job {job} {state}: {body['error']}", file=sys.stderr)
                        shown = True
                    break
                time.sleep(0.2)
    return states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="mixed phase, seconds")
    parser.add_argument("--alone", type=float, default=20.0, help="predict-only phase, seconds")
    parser.add_argument("--predict-clients", type=int, default=4)
    parser.add_argument("--analyze-clients", type=int, default=2)
    parser.add_argument("--upload-clients", type=int, default=2)
    parser.add_argument("--upload-conversations", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--texts", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_main(args)
        return
    import httpx
    import pandas as pd

    from colloquy.storage import Store

    banking = datasets_dir() / "banking77"
    train = pd.read_csv(banking / "train.csv")
    test = pd.read_csv(banking / "test.csv")
    with tempfile.TemporaryDirectory(prefix="colloquy-mixed-") as folder:
        work = Path(folder)
        data_dir = work / "data"
        data_dir.mkdir()
        train.groupby("category").head(40).to_csv(work / "intent.csv", index=False)
        train.groupby("category").head(8).to_csv(data_dir / "train.csv", index=False)
        texts_file = work / "texts.json"
        texts_file.write_text(json.dumps(test["text"].tolist()))
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "COLLOQUY_HOME": str(work / "home"),
            "COLLOQUY_API_STORE_URL": f"sqlite:///{work / 'store.db'}",
            "COLLOQUY_API_DATA_DIR": str(data_dir),
            "COLLOQUY_API_CACHE_ENTRIES": "0",
            "COLLOQUY_API_RATE_LIMIT_ENABLED": "false",
            "COLLOQUY_API_MAX_UPLOAD_BYTES": str(64 * 1024 * 1024),
        }
        colloquy = [sys.executable, "-m", "colloquy"]
        subprocess.run(
            [*colloquy, "train", "intent", "--data", str(work / "intent.csv"),
             "--text-column", "text", "--label-column", "category", "--method", "tfidf",
             "--output", str(work / "model")],
            env=env, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with (work / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [*colloquy, "serve", "--port", str(port), "--intent-model", str(work / "model")],
                env=env, stdout=log, stderr=log,
            )  # fmt: skip
        try:
            _wait(url)
            alone = _run_phase(url, "alone", texts_file, args)
            mixed = _run_phase(url, "mixed", texts_file, args)
            states = _finished_jobs(url, mixed["upload_jobs"])
            listed = httpx.get(f"{url}/v1/datasets", timeout=30).json()["datasets"]
            api_count = sum(d["conversations"] for d in listed if d["name"] == "mixed")
        finally:
            server.terminate()
            server.wait(timeout=60)
        with Store.open(env["COLLOQUY_API_STORE_URL"]) as store:
            in_store = sum(d.conversations for d in store.datasets() if d.name == "mixed")
        log_tail = (work / "server.log").read_text(errors="replace")[-3000:]
        if not mixed["uploads"]:
            print(log_tail)
        shutil.rmtree(work / "home", ignore_errors=True)
    report(args, alone, mixed, states, api_count, in_store)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def report(
    args: argparse.Namespace,
    alone: dict[str, Any],
    mixed: dict[str, Any],
    states: Counter[str],
    api_count: int,
    store_count: int,
) -> None:
    rows = []
    for phase, result in (("predict alone", alone), ("mixed", mixed)):
        for kind, s in result["kinds"].items():
            rows.append(
                (
                    phase,
                    kind,
                    s["requests"],
                    f"{s['throughput']:.1f}",
                    f"{s['p50_ms']:.0f}",
                    f"{s['p95_ms']:.0f}",
                    s["server_errors"],
                    s["transport_errors"],
                )
            )
    table = markdown_table(
        ["phase", "request", "n", "req/s", "p50 ms", "p95 ms", "5xx", "transport errors"], rows
    )
    server_errors = sum(s["server_errors"] for r in (alone, mixed) for s in r["kinds"].values())
    expected = mixed["uploaded_conversations"]
    lost = expected - store_count
    kept_all = lost == 0 and states.get("succeeded", 0) == mixed["uploads"]
    training = mixed["training"]
    slow_down = (
        mixed["kinds"]["predict"]["p95_ms"] / alone["kinds"]["predict"]["p95_ms"]
        if alone["kinds"].get("predict") and mixed["kinds"].get("predict")
        else float("nan")
    )
    lines = [
        f"- uploads accepted: {mixed['uploads']} ({expected} conversations); ingest jobs: "
        + ", ".join(f"{k} {v}" for k, v in sorted(states.items())),
        f"- conversations in the store afterwards: {store_count} (API says {api_count}); "
        f"lost: {lost} — goal 0: {'met' if kept_all else 'NOT met'}",
        f"- 5xx responses: {server_errors} — goal 0: {'met' if server_errors == 0 else 'NOT met'}",
        f"- training job during the load: {training.get('state')} in {training.get('seconds')} s"
        f" (test accuracy {_fmt(training.get('accuracy'))})",
        f"- prediction p95 under mixed load / alone: {slow_down:.2f}x",
        "- machine load average when the run ended: "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg())
        + f" on {os.cpu_count()} cores (other work shares the machine)",
    ]
    body = table + "\n\n" + "\n".join(lines)
    print(body)
    command = f"python -m benchmarks.api_mixed --duration {args.duration:g} --alone {args.alone:g}"
    result = {
        "alone": alone,
        "mixed": {k: v for k, v in mixed.items() if k != "upload_jobs"},
        "ingest_states": dict(states),
        "stored_conversations": store_count,
        "lost_conversations": lost,
        "server_errors": server_errors,
    }
    if not args.no_write:
        write_section("api_mixed", "API under mixed load (issue 18)", command, body, result)


if __name__ == "__main__":
    main()
