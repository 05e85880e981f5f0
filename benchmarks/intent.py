"""BANKING77 intent classification: accuracy, few-shot accuracy and serving speed.

Three measurements, all scored on the official 3,080-row test split, which is used for
nothing else (every choice — the TF-IDF blend weight, early stopping — is made on a
validation slice carved from the training data inside ``IntentClassifier.fit``):

1. **Full data** — the default method trained on the 10,003 official training rows,
   against TF-IDF + logistic regression and frozen MiniLM + logistic regression trained
   in the same run; accuracy and macro-F1 with bootstrap 95 % CIs, McNemar p-values and
   training time.
2. **10-shot** — 10 training examples per intent, five seeds; mean and spread.
3. **Serving** — the default model loaded once with the int8 ONNX encoder: single-text
   ``predict`` latency (p50/p95 over 300 calls after warm-up) and batch throughput on the
   test texts, against the peer: plain sentence-transformers PyTorch ``encode`` +
   scikit-learn logistic regression on the same machine in the same run.

    python -m benchmarks.intent [--skip-fewshot] [--skip-full]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks._report import datasets_dir, markdown_table, write_section
from colloquy.evaluation import classification_metrics, mcnemar
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.models.intent import IntentClassifier
from colloquy.pipelines.intent import IntentTrainingConfig

SEEDS = (0, 1, 2, 3, 4)
SHOTS = 10


def load_banking77() -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = datasets_dir() / "banking77"
    return pd.read_csv(folder / "train.csv"), pd.read_csv(folder / "test.csv")


def classifier_from(config: IntentTrainingConfig, work: Path, **overrides: Any) -> IntentClassifier:
    params: dict[str, Any] = {
        "method": config.method,
        "head": config.head,
        "model": config.model,
        "C": config.C,
        "tfidf_weight": "auto" if config.tfidf_weight is None else config.tfidf_weight,
        "contrastive": config.contrastive,
        "label_examples": config.label_examples,
        "seed": config.seed,
        "work_dir": work,
    }
    params.update(overrides)
    return IntentClassifier(**params)


def fit_timed(classifier: IntentClassifier, texts: list[str], labels: list[str]) -> float:
    start = time.perf_counter()
    classifier.fit(texts, labels)
    return time.perf_counter() - start


def full_data(train: pd.DataFrame, test: pd.DataFrame, work: Path) -> tuple[str, dict[str, Any]]:
    default = IntentTrainingConfig()
    contenders: dict[str, IntentClassifier] = {
        f"colloquy default ({default.method}, TF-IDF blend chosen on validation)": classifier_from(
            default, work / "default"
        ),
        "TF-IDF + logistic regression": classifier_from(default, work / "tfidf", method="tfidf"),
        "frozen MiniLM + logistic regression (C=10)": classifier_from(
            default, work / "frozen", method="frozen", tfidf_weight=0.0
        ),
    }
    texts, labels = train["text"].tolist(), train["category"].tolist()
    truth = test["category"].tolist()
    results: dict[str, Any] = {}
    predictions: dict[str, list[str]] = {}
    for name, classifier in contenders.items():
        seconds = fit_timed(classifier, texts, labels)
        predicted = list(classifier.predict(test["text"].tolist()))
        metrics = classification_metrics(truth, predicted)
        predictions[name] = predicted
        results[name] = {
            "accuracy": metrics.accuracy,
            "accuracy_ci95": [metrics.accuracy_ci.low, metrics.accuracy_ci.high]
            if metrics.accuracy_ci
            else [metrics.accuracy, metrics.accuracy],
            "macro_f1": metrics.macro_f1,
            "train_seconds": seconds,
            "fit_report": classifier.fit_report_,
        }
        print(name, results[name], flush=True)
        if name.startswith("colloquy default"):
            classifier.save(work / "default-model")
    default_name = next(iter(contenders))
    rows = []
    for name, result in results.items():
        test_ = (
            "—"
            if name == default_name
            else _p(mcnemar(truth, predictions[default_name], predictions[name]).p_value)
        )
        low, high = result["accuracy_ci95"]
        rows.append(
            (
                name,
                f"{100 * result['accuracy']:.2f} % [{100 * low:.2f}, {100 * high:.2f}]",
                f"{100 * result['macro_f1']:.2f} %",
                f"{result['train_seconds'] / 60:.1f} min",
                test_,
            )
        )
    table = markdown_table(
        ["model", "accuracy [95 % CI]", "macro-F1", "training (2 cores)", "McNemar p vs default"],
        rows,
    )
    return table, results


FEW_SHOT = IntentTrainingConfig(
    method="contrastive",
    tfidf_weight=0.2,
    label_examples=True,
    contrastive=ContrastiveConfig(epochs=3, learning_rate=5e-5),
)
"""The few-shot recipe, chosen on validation (seed 100, scored on 3,000 other training
rows): contrastive fine-tuning for 3 epochs without early stopping, the intent names as
extra examples, and a fixed 0.2 TF-IDF blend (too few rows to choose one per run)."""


def few_shot(train: pd.DataFrame, test: pd.DataFrame, work: Path) -> tuple[str, dict[str, Any]]:
    truth = test["category"].tolist()
    variants: dict[str, Callable[[int], IntentClassifier]] = {
        "colloquy few-shot recipe (contrastive 3 epochs + intent names + TF-IDF 0.2)": (
            lambda seed: classifier_from(
                FEW_SHOT,
                work / f"fs-default-{seed}",
                seed=seed,
                contrastive=FEW_SHOT.contrastive.model_copy(update={"seed": seed}),
            )
        ),
        "frozen MiniLM + logistic regression": lambda seed: classifier_from(
            FEW_SHOT,
            work / f"fs-frozen-{seed}",
            method="frozen",
            tfidf_weight=0.0,
            label_examples=False,
            seed=seed,
        ),
    }
    scores: dict[str, list[float]] = {name: [] for name in variants}
    for seed in SEEDS:
        sample = (
            train.groupby("category", group_keys=False)
            .sample(n=SHOTS, random_state=seed)
            .reset_index(drop=True)
        )
        for name, make in variants.items():
            classifier = make(seed)
            classifier.fit(sample["text"].tolist(), sample["category"].tolist())
            accuracy = float(np.mean(classifier.predict(test["text"].tolist()) == np.array(truth)))
            scores[name].append(accuracy)
            print(f"10-shot seed {seed} {name}: {accuracy:.4f}", flush=True)
    rows = [
        (
            name,
            f"{100 * statistics.mean(values):.2f} %",
            f"{100 * statistics.stdev(values):.2f}",
            ", ".join(f"{100 * v:.1f}" for v in values),
        )
        for name, values in scores.items()
    ]
    table = markdown_table(["model", "mean accuracy", "std (points)", "per seed"], rows)
    return table, scores


def serving(train: pd.DataFrame, test: pd.DataFrame, model_dir: Path) -> tuple[str, dict[str, Any]]:
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression

    from colloquy.features.embeddings import resolve_model_path

    texts = test["text"].tolist()
    truth = np.asarray(test["category"].tolist())
    results: dict[str, Any] = {}

    peer_model = SentenceTransformer(str(resolve_model_path("all-MiniLM-L6-v2")), device="cpu")
    peer_head = LogisticRegression(C=10.0, max_iter=3000).fit(
        peer_model.encode(train["text"].tolist(), batch_size=64, normalize_embeddings=True),
        train["category"],
    )

    def peer_predict(batch: list[str]) -> np.ndarray:
        vectors = peer_model.encode(batch, batch_size=64, normalize_embeddings=True)
        return np.asarray(peer_head.predict(vectors))

    contenders: dict[str, Callable[[list[str]], np.ndarray]] = {
        "peer: sentence-transformers (PyTorch) + LogisticRegression": peer_predict
    }
    for backend in ("torch", "onnx-int8"):
        loaded = IntentClassifier.load(model_dir, backend=backend)
        contenders[f"colloquy default model, {backend} encoder"] = loaded.predict

    rows = []
    for name, predict in contenders.items():
        for text in texts[:20]:
            predict([text])
        latencies = []
        for text in texts[:300]:
            start = time.perf_counter()
            predict([text])
            latencies.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        predicted = predict(texts)
        seconds = time.perf_counter() - start
        accuracy = float(np.mean(predicted == truth))
        results[name] = {
            "p50_ms": float(np.percentile(latencies, 50)),
            "p95_ms": float(np.percentile(latencies, 95)),
            "texts_per_s": len(texts) / seconds,
            "accuracy": accuracy,
        }
        print(name, results[name], flush=True)
    peer = results["peer: sentence-transformers (PyTorch) + LogisticRegression"]["texts_per_s"]
    for name, result in results.items():
        rows.append(
            (
                name,
                f"{result['p50_ms']:.1f}",
                f"{result['p95_ms']:.1f}",
                f"{result['texts_per_s']:,.0f}",
                f"{result['texts_per_s'] / peer:.2f}×",
                f"{100 * result['accuracy']:.2f} %",
            )
        )
    table = markdown_table(
        ["pipeline", "p50 ms (1 text)", "p95 ms", "texts/s (batch)", "vs peer", "accuracy"], rows
    )
    return table, results


def _p(value: float) -> str:
    return f"{value:.2g}" if value >= 1e-4 else "< 1e-4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-fewshot", action="store_true")
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--model-dir", type=Path, help="reuse a trained default model")
    args = parser.parse_args()
    train, test = load_banking77()
    sections: list[str] = []
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir = args.model_dir or work / "default-model"
        if not args.skip_full:
            table, result["full"] = full_data(train, test, work)
            sections.append("### Full training data (10,003 rows), official test split\n\n" + table)
        if not args.skip_fewshot:
            table, result["few_shot"] = few_shot(train, test, work)
            sections.append(f"### {SHOTS}-shot (seeds {', '.join(map(str, SEEDS))})\n\n" + table)
        if model_dir.exists():
            table, result["serving"] = serving(train, test, model_dir)
            sections.append("### Serving, default model (in-process, 2 cores)\n\n" + table)
    write_section(
        "intent",
        "Intent classification: BANKING77",
        "python -m benchmarks.intent",
        "\n\n".join(sections),
        result,
    )


if __name__ == "__main__":
    main()
