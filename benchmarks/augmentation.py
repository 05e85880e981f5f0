"""Does EDA-style text augmentation help few-shot intent classification? Measure it.

Augmentation is often assumed to help small datasets. This benchmark checks that claim for
colloquy's :func:`colloquy.data.labeling.augment` on BANKING77 with 10 examples per intent
(770 training texts), over 5 seeds:

1. per seed, 20 % of the *official training set* is carved out (stratified) as validation;
   10 examples per intent are drawn from the rest;
2. TF-IDF (word 1-2-grams) + logistic regression (scikit-learn, C tuned on validation) and
   a numpy TF-IDF nearest-centroid classifier are trained with and without augmentation;
3. every augmentation setting (and C) is compared on validation only; the best setting per
   model is then scored once on the official test set against the unaugmented baseline.

Run ``python benchmarks/augmentation.py [BANKING77_DIR]``; it prints a table and writes
``benchmarks/results/augmentation.json``. Without scikit-learn only the numpy classifier
runs, and the output says so.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from colloquy.data.labeling import augment
from colloquy.data.loaders.banking77 import Banking77Loader
from colloquy.data.splits import split_conversations
from colloquy.schema import Conversation

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "augmentation.json"
SEEDS = (0, 1, 2, 3, 4)
SHOTS = 10
VALIDATION_FRACTION = 0.2
C_GRID = (1.0, 10.0, 100.0)
ALL_METHODS = ("random_swap", "random_deletion", "random_insertion", "keyboard_typo")
EDA_METHODS = ("random_swap", "random_deletion", "random_insertion")

AUGMENTATIONS: dict[str, tuple[tuple[str, ...], int]] = {
    "none": ((), 0),
    "swap x4": (("random_swap",), 4),
    "deletion x4": (("random_deletion",), 4),
    "insertion x4": (("random_insertion",), 4),
    "typo x4": (("keyboard_typo",), 4),
    "eda x4": (EDA_METHODS, 4),
    "all x2": (ALL_METHODS, 2),
    "all x4": (ALL_METHODS, 4),
    "all x8": (ALL_METHODS, 8),
}
"""Setting name → (methods, variants per example). ``eda`` = swap + deletion + insertion."""

Texts = list[str]
Labels = list[str]


@dataclass(frozen=True, slots=True)
class SeedData:
    """One seed's few-shot training set, validation set and the official test set."""

    train: tuple[Texts, Labels]
    validation: tuple[Texts, Labels]
    test: tuple[Texts, Labels]


class Classifier(Protocol):
    def fit(self, texts: Texts, labels: Labels) -> None: ...

    def predict(self, texts: Texts) -> Labels: ...


# --------------------------------------------------------------------------- data


def _text(conversation: Conversation) -> str:
    return conversation.turns[0].text


def _pairs(conversations: Sequence[Conversation]) -> tuple[Texts, Labels]:
    return [_text(c) for c in conversations], [str(c.labels["intent"]) for c in conversations]


def seed_data(conversations: Sequence[Conversation], seed: int) -> SeedData:
    """Carve validation from the official train set, then draw SHOTS per intent."""
    split = split_conversations(
        conversations,
        fractions={"train": 1 - VALIDATION_FRACTION, "validation": VALIDATION_FRACTION},
        official_key="split",
        seed=seed,
    )
    by_id = {c.id: c for c in conversations}
    pool: dict[str, list[Conversation]] = defaultdict(list)
    for cid in split.ids("train"):
        pool[str(by_id[cid].labels["intent"])].append(by_id[cid])
    rng = random.Random(seed)
    few = [c for intent in sorted(pool) for c in rng.sample(pool[intent], SHOTS)]
    return SeedData(
        train=_pairs(few),
        validation=_pairs([by_id[cid] for cid in split.ids("validation")]),
        test=_pairs([by_id[cid] for cid in split.ids("test")]),
    )


# --------------------------------------------------------------------------- models

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def _terms(text: str) -> list[str]:
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in pairwise(words)]


class NumpyCentroid:
    """TF-IDF (1-2-grams, sublinear tf, l2) and cosine nearest class centroid, numpy only."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.idf: npt.NDArray[np.float64] = np.zeros(0)
        self.centroids: npt.NDArray[np.float64] = np.zeros((0, 0))
        self.classes: Labels = []

    def fit(self, texts: Texts, labels: Labels) -> None:
        docs = [Counter(_terms(t)) for t in texts]
        df: Counter[str] = Counter(term for doc in docs for term in doc)
        self.vocab = {term: i for i, term in enumerate(sorted(df))}
        counts = np.array([df[t] for t in sorted(df)], dtype=np.float64)
        self.idf = np.log((1 + len(docs)) / (1 + counts)) + 1
        self.classes = sorted(set(labels))
        index = {c: i for i, c in enumerate(self.classes)}
        sums = np.zeros((len(self.classes), len(self.vocab)))
        for row, label in zip(self._matrix(texts), labels, strict=True):
            sums[index[label]] += row
        self.centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)

    def _matrix(self, texts: Texts) -> npt.NDArray[np.float64]:
        matrix = np.zeros((len(texts), len(self.vocab)))
        for r, text in enumerate(texts):
            for term, n in Counter(_terms(text)).items():
                column = self.vocab.get(term)
                if column is not None:
                    matrix[r, column] = (1 + math.log(n)) * self.idf[column]
        norms: npt.NDArray[np.float64] = np.linalg.norm(matrix, axis=1, keepdims=True)
        normalised: npt.NDArray[np.float64] = matrix / np.maximum(norms, 1e-12)
        return normalised

    def predict(self, texts: Texts) -> Labels:
        out: Labels = []
        for start in range(0, len(texts), 512):
            scores = self._matrix(texts[start : start + 512]) @ self.centroids.T
            out.extend(self.classes[i] for i in scores.argmax(axis=1))
        return out


class SklearnLogReg:
    """scikit-learn TF-IDF (1-2-grams, sublinear tf) + multinomial logistic regression."""

    def __init__(self, c: float) -> None:
        text = importlib.import_module("sklearn.feature_extraction.text")
        linear = importlib.import_module("sklearn.linear_model")
        self.vectorizer: Any = text.TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self.model: Any = linear.LogisticRegression(C=c, max_iter=2000)

    def fit(self, texts: Texts, labels: Labels) -> None:
        self.model.fit(self.vectorizer.fit_transform(texts), labels)

    def predict(self, texts: Texts) -> Labels:
        return [str(p) for p in self.model.predict(self.vectorizer.transform(texts))]


def have_sklearn() -> bool:
    try:
        importlib.import_module("sklearn.linear_model")
    except ImportError:
        return False
    return True


ModelFactory = Callable[[], Classifier]


def model_grid(sklearn: bool) -> dict[str, dict[str, ModelFactory]]:
    """Model family → hyper-parameter setting → factory."""
    grid: dict[str, dict[str, ModelFactory]] = {"tfidf+centroid (numpy)": {"-": NumpyCentroid}}
    if sklearn:
        grid["tfidf+logreg (sklearn)"] = {f"C={c:g}": _logreg(c) for c in C_GRID}
    return grid


def _logreg(c: float) -> ModelFactory:
    return lambda: SklearnLogReg(c)


# --------------------------------------------------------------------------- scoring


def scores(gold: Labels, predicted: Labels) -> dict[str, float]:
    """Accuracy and macro-F1 over the gold classes."""
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    f1s = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        n_pred, n_gold = predicted.count(label), gold.count(label)
        f1s.append(2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0)
    return {"accuracy": accuracy, "macro_f1": statistics.fmean(f1s)}


def evaluate(
    factory: ModelFactory, data: SeedData, setting: str, seed: int, on: str
) -> dict[str, float]:
    methods, n = AUGMENTATIONS[setting]
    texts, labels = data.train
    if n:
        texts, labels = augment(texts, labels, methods=methods, n_per_example=n, seed=seed)
    model = factory()
    model.fit(texts, labels)
    gold_texts, gold = data.validation if on == "validation" else data.test
    return scores(gold, model.predict(gold_texts))


def summary(runs: Sequence[dict[str, float]]) -> dict[str, Any]:
    out: dict[str, Any] = {"per_seed": list(runs)}
    for metric in ("accuracy", "macro_f1"):
        values = [r[metric] for r in runs]
        out[f"{metric}_mean"] = statistics.fmean(values)
        out[f"{metric}_std"] = statistics.stdev(values) if len(values) > 1 else 0.0
    return out


def paired(base: Sequence[dict[str, float]], other: Sequence[dict[str, float]]) -> dict[str, Any]:
    """Paired (same seed, same few-shot sample) accuracy difference, other minus base."""
    diffs = [o["accuracy"] - b["accuracy"] for b, o in zip(base, other, strict=True)]
    mean = statistics.fmean(diffs)
    se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
    if mean > 2 * se and mean > 0:
        verdict = "helps"
    elif mean < -2 * se and mean < 0:
        verdict = "hurts"
    else:
        verdict = "no clear effect"
    return {
        "accuracy_diff_mean": mean,
        "accuracy_diff_se": se,
        "seeds_better": sum(d > 0 for d in diffs),
        "seeds": len(diffs),
        "verdict": verdict,
    }


# --------------------------------------------------------------------------- the run


def run_family(
    name: str, grid: dict[str, ModelFactory], data: dict[int, SeedData]
) -> dict[str, Any]:
    """Tune on validation (setting × hyper-parameter), then test baseline vs best once."""
    validation: dict[str, dict[str, Any]] = {}
    for setting in AUGMENTATIONS:
        best: dict[str, Any] | None = None
        for hyper, factory in grid.items():
            t0 = time.perf_counter()
            runs = [evaluate(factory, data[s], setting, s, "validation") for s in SEEDS]
            result = {"hyper": hyper, **summary(runs)}
            print(
                f"  [{name}] {setting:<13} {hyper:<6} val acc "
                f"{result['accuracy_mean']:.4f} ({time.perf_counter() - t0:.0f}s)",
                file=sys.stderr,
            )
            if best is None or result["accuracy_mean"] > best["accuracy_mean"]:
                best = result
        assert best is not None
        validation[setting] = best
    return {"validation": validation, **_test(grid, data, validation)}


def _test(
    grid: dict[str, ModelFactory], data: dict[int, SeedData], validation: dict[str, Any]
) -> dict[str, Any]:
    augmented = [s for s in AUGMENTATIONS if s != "none"]
    selected = max(augmented, key=lambda s: validation[s]["accuracy_mean"])
    test: dict[str, Any] = {}
    for setting in ("none", selected):
        factory = grid[validation[setting]["hyper"]]
        runs = [evaluate(factory, data[s], setting, s, "test") for s in SEEDS]
        test[setting] = {"hyper": validation[setting]["hyper"], **summary(runs)}
    val_runs = (validation["none"]["per_seed"], validation[selected]["per_seed"])
    return {
        "selected_on_validation": selected,
        "validation_vs_baseline": paired(*val_runs),
        "test": test,
        "test_vs_baseline": paired(test["none"]["per_seed"], test[selected]["per_seed"]),
    }


def print_table(results: dict[str, Any]) -> None:
    for family, result in results["models"].items():
        print(f"\n{family}  (validation: mean ± std over {len(SEEDS)} seeds)")
        print(f"  {'augmentation':<14}{'hyper':<8}{'accuracy':>18}{'macro-F1':>18}")
        for setting, r in result["validation"].items():
            acc = f"{r['accuracy_mean']:.4f} ± {r['accuracy_std']:.4f}"
            f1 = f"{r['macro_f1_mean']:.4f} ± {r['macro_f1_std']:.4f}"
            print(f"  {setting:<14}{r['hyper']:<8}{acc:>18}{f1:>18}")
        print("  official test, once:")
        for setting, r in result["test"].items():
            acc = f"{r['accuracy_mean']:.4f} ± {r['accuracy_std']:.4f}"
            f1 = f"{r['macro_f1_mean']:.4f} ± {r['macro_f1_std']:.4f}"
            print(f"  {setting:<14}{r['hyper']:<8}{acc:>18}{f1:>18}")
        d = result["test_vs_baseline"]
        print(
            f"  → {result['selected_on_validation']} vs none on test: "
            f"{100 * d['accuracy_diff_mean']:+.2f} ± {100 * d['accuracy_diff_se']:.2f} pts "
            f"(better on {d['seeds_better']}/{d['seeds']} seeds): {d['verdict']}"
        )


def markdown(results: dict[str, Any]) -> str:
    """The BENCHMARKS.md section: validation per setting, then the one test score."""
    from benchmarks._report import markdown_table

    parts = [
        f"BANKING77, {results['shots_per_intent']} examples per intent, seeds "
        f"{', '.join(map(str, results['seeds']))}; settings compared on validation "
        f"({results['validation']}), the chosen one scored once on the official test split."
    ]
    for family, result in results["models"].items():
        rows = [
            (
                setting,
                r["hyper"],
                f"{100 * r['accuracy_mean']:.2f} ± {100 * r['accuracy_std']:.2f}",
            )
            for setting, r in result["validation"].items()
        ]
        d = result["test_vs_baseline"]
        test = " / ".join(
            f"{setting} {100 * r['accuracy_mean']:.2f} %" for setting, r in result["test"].items()
        )
        parts.append(
            f"**{family}** — validation accuracy (mean ± std):\n\n"
            + markdown_table(["augmentation", "hyper-parameter", "accuracy %"], rows)
            + f"\n\nOfficial test: {test}; {result['selected_on_validation']} vs none: "
            f"{100 * d['accuracy_diff_mean']:+.2f} ± {100 * d['accuracy_diff_se']:.2f} points, "
            f"better on {d['seeds_better']}/{d['seeds']} seeds — {d['verdict']}."
        )
    return "\n\n".join(parts)


def default_data_dir() -> Path:
    configured = os.environ.get("COLLOQUY_DATA_DIR")
    base = Path(configured) if configured else ROOT.parent / "shared" / "datasets"
    return base / "banking77"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data", nargs="?", type=Path, default=default_data_dir())
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--from-results",
        action="store_true",
        help="rewrite the BENCHMARKS.md section from the saved JSON without re-running",
    )
    args = parser.parse_args(argv)
    if args.from_results:
        _write_section(json.loads(args.output.read_text(encoding="utf-8")))
        return 0
    sklearn = have_sklearn()
    if not sklearn:
        print("scikit-learn is not installed: running the numpy nearest-centroid model only")
    conversations = list(Banking77Loader().load(args.data))
    data = {seed: seed_data(conversations, seed) for seed in SEEDS}
    models = {name: run_family(name, grid, data) for name, grid in model_grid(sklearn).items()}
    results = {
        "dataset": "banking77",
        "shots_per_intent": SHOTS,
        "seeds": list(SEEDS),
        "validation": f"{VALIDATION_FRACTION:.0%} of the official train set, stratified, per seed",
        "augmentations": {
            k: {"methods": list(m), "n_per_example": n} for k, (m, n) in AUGMENTATIONS.items()
        },
        "sklearn_available": sklearn,
        "models": models,
    }
    print_table(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output}")
    _write_section(results)
    return 0


def _write_section(results: dict[str, Any]) -> None:
    from benchmarks._report import BENCHMARKS_MD, _replace_between

    start, end = "<!-- bench:augmentation:start -->", "<!-- bench:augmentation:end -->"
    body = (
        "## Augmentation for few-shot intent classification\n\n"
        "Command: `python -m benchmarks.augmentation` (results in "
        "`benchmarks/results/augmentation.json`).\n\n" + markdown(results)
    )
    _replace_between(BENCHMARKS_MD, start, end, body)


if __name__ == "__main__":
    raise SystemExit(main())
