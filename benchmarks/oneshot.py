"""One-shot intent prediction: a fresh process that loads a model, predicts one text, exits.

This is what a shell script, a cron job or a serverless function pays for every call, and
it is dominated by imports and loading, not by the prediction. Three contenders, each a
fresh process per call, interleaved so that load on the machine falls on all alike:

* ``colloquy predict intent --model DIR TEXT`` with the default backend (the int8 ONNX
  encoder and plain arrays stored in the model directory);
* the same with ``--backend torch`` (the sentence-transformers encoder);
* the peer: a plain script that loads a scikit-learn ``LogisticRegression`` with joblib and
  the same MiniLM with sentence-transformers, embeds the text and predicts.

The colloquy model is ``frozen`` (MiniLM embeddings with the TF-IDF blend chosen on
validation) trained on BANKING77's training split; the peer's logistic regression is
trained once beforehand on the same embeddings. Both are built in a temporary folder
(``--work`` keeps them between runs). The last row is the warm path for comparison: the
model loaded once in this process, one text predicted per call.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._report import datasets_dir, markdown_table, write_section

TEXT = "I ordered a new card two weeks ago and it still has not arrived"

_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([done.returncode, wall, usage.ru_maxrss / 1024, done.stdout, done.stderr]))
"""
"""Runs one command in a small interpreter, so its peak RSS is the command's own."""

_PEER = """
import sys
import joblib
from sentence_transformers import SentenceTransformer

head = joblib.load(sys.argv[1])
encoder = SentenceTransformer(sys.argv[2], device="cpu")
vectors = encoder.encode(sys.argv[3:], normalize_embeddings=True)
for text, label in zip(sys.argv[3:], head.predict(vectors)):
    print(f"{label}\\t{text}")
"""


def build(work: Path) -> tuple[Path, Path]:
    """The colloquy model directory and the peer's joblib file (reused when present)."""
    from colloquy.features.embeddings import EmbeddingCache, SentenceEmbedder
    from colloquy.models.intent import IntentClassifier

    model_dir, peer_file = work / "model", work / "peer.joblib"
    if (model_dir / "manifest.json").is_file() and peer_file.is_file():
        return model_dir, peer_file
    encoder = linked_minilm(work / "all-MiniLM-L6-v2")
    train = pd.read_csv(datasets_dir() / "banking77" / "train.csv")
    cache_path = work / "embeddings.sqlite"
    started = time.perf_counter()
    classifier = IntentClassifier(method="frozen", model=encoder, cache_path=cache_path)
    classifier.fit(train["text"], train["category"])
    print(f"trained the colloquy model in {time.perf_counter() - started:.0f} s")
    classifier.save(model_dir, overwrite=True)
    import joblib  # type: ignore[import-untyped, unused-ignore]
    from sklearn.linear_model import LogisticRegression

    model_id = SentenceEmbedder(encoder).model_id
    texts = list(train["text"])
    found = EmbeddingCache(cache_path).get_many(model_id, texts)
    vectors = np.stack([found[i] for i in range(len(texts))])
    head = LogisticRegression(C=10.0, max_iter=3000).fit(vectors, train["category"])
    joblib.dump(head, peer_file)
    return model_dir, peer_file


def linked_minilm(target: Path) -> Path:
    """A folder of links to the bundled MiniLM, so its ONNX export lands here and not in
    the installed package."""
    from colloquy.features.embeddings.sentence import bundled_model_path

    source = bundled_model_path()
    for file in source.rglob("*"):
        link = target / file.relative_to(source)
        if file.is_file() and not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(file)
    return target


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident MiB and stdout of one fresh ``argv`` process."""
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv], env=env, capture_output=True, text=True
    )
    code, wall, rss, out, err = json.loads(measured.stdout)
    if code != 0:
        raise SystemExit(f"{' '.join(argv[:4])} … failed ({code}): {err.strip()[-500:]}")
    return wall, rss, out


def warm_latency(model_dir: Path, repeat: int = 50) -> float:
    """Median seconds of one single-text prediction by a model loaded once."""
    from colloquy.models.intent import IntentClassifier

    model = IntentClassifier.load(model_dir)
    model.predict([TEXT])
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        model.predict([TEXT])
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None, help="keep the trained models here")
    args = parser.parse_args()

    from colloquy.features.embeddings.sentence import bundled_model_path

    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        os.environ.update({"HF_HUB_OFFLINE": "1", "COLLOQUY_HOME": str(work / "home")})
        env = dict(os.environ)
        model_dir, peer_file = build(work)
        colloquy = [sys.executable, "-m", "colloquy", "predict", "intent", "--model"]
        contenders: list[tuple[str, list[str]]] = [
            ("colloquy predict intent (default: int8 ONNX)", [*colloquy, str(model_dir), TEXT]),
            (
                "colloquy predict intent --backend torch",
                [*colloquy, str(model_dir), "--backend", "torch", TEXT],
            ),
            (
                "peer: sentence-transformers + joblib script",
                [sys.executable, "-c", _PEER, str(peer_file), str(bundled_model_path()), TEXT],
            ),
        ]
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in contenders}
        answers: dict[str, str] = {}
        for name, argv in contenders:
            answers[name] = run_once(argv, env)[2].strip()
        for _ in range(args.repeat):
            for name, argv in contenders:
                wall, rss, _ = run_once(argv, env)
                samples[name].append((wall, rss))
        warm = warm_latency(model_dir)

    rows: list[tuple[str, ...]] = []
    measured: list[dict[str, Any]] = []
    for name, _ in contenders:
        walls = [wall for wall, _ in samples[name]]
        rss = statistics.median(peak for _, peak in samples[name])
        wall = statistics.median(walls)
        rows.append((name, f"{wall:.2f} ({min(walls):.2f}–{max(walls):.2f})", f"{rss:.0f}"))
        measured.append({"command": name, "seconds": wall, "samples": walls, "peak_mib": rss})
        print(rows[-1], answers[name][:120].replace("\n", " "))
    rows.append(("colloquy, model loaded once: one predict call", f"{warm * 1000:.1f} ms", "–"))
    body = (
        f"One text, `{TEXT}`, predicted by a fresh process per call; each contender ran "
        f"{args.repeat} times interleaved with the others after one warm-up run. *seconds* is "
        "the median wall time with the range, *peak MiB* the median peak resident set. The "
        "colloquy model is `frozen` (MiniLM + the validated TF-IDF blend) trained on "
        "BANKING77's training split; the peer is a logistic regression on the same MiniLM "
        "embeddings, loaded with joblib, encoding with sentence-transformers. Goal for the "
        "default: at most 1.5 s and 300 MiB.\n\n"
        + markdown_table(["contender", "seconds", "peak MiB"], rows)
    )
    write_section(
        "oneshot",
        "One-shot intent prediction",
        f"python -m benchmarks.oneshot --repeat {args.repeat}",
        body,
        {"repeat": args.repeat, "text": TEXT, "rows": measured, "warm_seconds": warm},
    )


if __name__ == "__main__":
    main()
