"""Do LLM-written examples help the 10-shot intent recipe? Measured on BANKING77, 5 seeds.

Per seed (the split code of ``benchmarks/augmentation.py``: 20 % of the official train set
is validation, 10 shots per intent are drawn from the rest):

1. **generate**: the local LLM sees every shot of one intent and writes ``--per-call``
   new messages for it, one call per intent. Raw answers are appended to a JSONL file
   under ``~/.cache/colloquy/synthetic/`` (per model, seed and prompt hash), so a rerun or
   a resumed run calls the model only for intents it has not answered yet;
2. **screen**: blanks, over-long texts, copies and near copies (MiniLM cosine ≥ 0.92) of
   the seed's shots or of each other are dropped (:meth:`SyntheticGenerator.screen`);
3. **filter and choose on validation**: an embedding classifier (frozen MiniLM + logistic
   regression, fitted on the shots only) scores every survivor; settings = agreement
   filter (none / its top label / top label with probability ≥ 0.5) × at most 5 or 10
   new texts per intent. Each setting's augmented training set is fitted with the frozen
   recipe (seconds) and scored on validation; the best one is the seed's augmentation;
4. **test once**: the final recipe (``--recipe``; ``contrastive`` is the 87.5 % few-shot
   recipe) is fitted with and without that augmentation and both are scored on
   validation and, once, on the official test split.

    nice python -m benchmarks.synthetic --seeds 0 1 2 3 4 --generate-only   # slow part
    nice python -m benchmarks.synthetic --recipe contrastive                # the table

Each seed's result is kept beside the generations; ``--seeds 3 --cached-only`` in one
process and ``--seeds 4 --cached-only`` in another, then ``--seeds 3 4 --assemble``,
spreads the work over processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._report import markdown_table, write_section
from benchmarks.augmentation import SeedData, default_data_dir, seed_data
from benchmarks.intent import FEW_SHOT, classifier_from
from colloquy.data.loaders.banking77 import Banking77Loader
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.llm.examples import ExampleStore, from_pairs
from colloquy.llm.llama_local import LlamaCppClient
from colloquy.llm.synthetic import PROMPT_REF, SyntheticGenerator
from colloquy.llm.weights import resolve_local_model
from colloquy.models.intent import IntentClassifier

MODELS = Path.home() / ".colloquy" / "models" / "llm"
FILTERS = {"none": float("-inf"), "agree": 0.0, "agree p>=0.5": 0.5}
"""Filter name → the least agreement score (see :func:`agreement`) a kept text needs."""
CAPS = (5, 10)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "colloquy" / "synthetic"


def raw_path(model: str, seed: int, per_call: int) -> Path:
    return cache_dir() / f"{model}-seed{seed}-n{per_call}-{PROMPT_REF.content_hash}.jsonl"


def result_path(args: argparse.Namespace, seed: int) -> Path:
    """One seed's finished result, so seeds can run as separate processes and a report
    run assembles them (see ``--assemble``)."""
    name = f"result-{args.model}-seed{seed}-n{args.per_call}-{args.recipe}.json"
    return cache_dir() / name


def shots_by_label(data: SeedData) -> dict[str, list[str]]:
    shots: dict[str, list[str]] = defaultdict(list)
    for text, label in zip(*data.train, strict=True):
        shots[label].append(text)
    return dict(shots)


def read_raw(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {str(row["label"]): row for row in rows}


def local_client(model: str) -> LlamaCppClient:
    """The local model, loaded on its first call (screening alone never loads it)."""
    return LlamaCppClient(resolve_local_model(model, models_dir=MODELS), model=model, n_threads=1)


def generate(
    data: SeedData, seed: int, args: argparse.Namespace, embedder: SentenceEmbedder
) -> dict[str, dict[str, Any]]:
    """Every intent's raw LLM candidates for this seed, from the file or the model."""
    path = raw_path(args.model, seed, args.per_call)
    done = read_raw(path)
    shots = shots_by_label(data)
    todo = [label for label in sorted(shots) if label not in done]
    if not todo or args.cached_only:
        return done
    client = local_client(args.model)
    generator = SyntheticGenerator(
        client,
        ExampleStore(embedder),
        per_call=args.per_call,
        shown=10,
        max_tokens=20 * args.per_call + 40,
        max_repairs=0,
        seed=seed,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for i, label in enumerate(todo):
            start = time.perf_counter()
            texts = generator.propose(label, shots[label])
            row = {
                "label": label,
                "texts": texts or [],
                "parsed": texts is not None,
                "seconds": time.perf_counter() - start,
            }
            out.write(json.dumps(row) + "\n")
            out.flush()
            done[label] = row
            print(f"seed {seed} {i + 1}/{len(todo)} {label}: {len(texts or [])} texts", flush=True)
    usage = client.usage_total
    print(f"seed {seed}: {usage.completion_tokens} tokens in {usage.latency_s:.0f} s", flush=True)
    return done


def screened(
    data: SeedData, raw: dict[str, dict[str, Any]], embedder: SentenceEmbedder, model: str
) -> dict[str, Any]:
    """Survivors of the blank / copy / near-copy checks, per intent, and the counts."""
    store = ExampleStore(embedder)
    store.add(from_pairs(*data.train, source="real"))
    generator = SyntheticGenerator(local_client(model), store)
    shots = shots_by_label(data)
    kept: dict[str, list[str]] = {}
    counts = {"intents": 0, "generated": 0, "unparsed_calls": 0, "invalid": 0, "duplicates": 0}
    counts["intents"] = len([label for label in shots if label in raw])
    for label in sorted(shots):
        row = raw.get(label, {"texts": [], "parsed": True})
        counts["generated"] += len(row["texts"])
        counts["unparsed_calls"] += int(not row["parsed"])
        result = generator.screen(label, row["texts"], shots[label])
        counts["invalid"] += result.invalid
        counts["duplicates"] += result.duplicates
        kept[label] = list(result.kept)
    return {"kept": kept, "counts": counts}


def accuracy(model: IntentClassifier, texts: Sequence[str], labels: Sequence[str]) -> float:
    return float(np.mean(np.asarray(model.predict(texts), dtype=object) == np.asarray(labels)))


def frozen(seed: int, work: Path) -> IntentClassifier:
    return classifier_from(
        FEW_SHOT, work, method="frozen", seed=seed, cache_path=work.parent / "embeddings.sqlite"
    )


def final_recipe(kind: str, seed: int, work: Path) -> IntentClassifier:
    if kind == "frozen":
        return frozen(seed, work)
    contrastive = FEW_SHOT.contrastive
    return classifier_from(
        FEW_SHOT,
        work,
        seed=seed,
        contrastive=contrastive.model_copy(update={"seed": seed}) if contrastive else None,
    )


def augmentation(
    kept: dict[str, list[str]], proba: dict[str, list[float]], rule: str, cap: int
) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for label in sorted(kept):
        chosen = [t for t, p in zip(kept[label], proba[label], strict=True) if p >= FILTERS[rule]]
        texts += chosen[:cap]
        labels += [label] * len(chosen[:cap])
    return texts, labels


def agreement(classifier: IntentClassifier, kept: dict[str, list[str]]) -> dict[str, list[float]]:
    """Per candidate: the classifier's probability for its intent, or -1 when it prefers
    another intent (so ``agree`` keeps p ≥ 0 and ``agree p>=0.5`` keeps p ≥ 0.5)."""
    classes = [str(c) for c in classifier.classes_]
    out: dict[str, list[float]] = {}
    for label, texts in kept.items():
        if not texts:
            out[label] = []
            continue
        proba = classifier.predict_proba(texts)
        column = classes.index(label)
        out[label] = [
            float(row[column]) if int(np.argmax(row)) == column else -1.0 for row in proba
        ]
    return out


def run_seed(
    data: SeedData, seed: int, args: argparse.Namespace, embedder: SentenceEmbedder, work: Path
) -> dict[str, Any]:
    raw = generate(data, seed, args, embedder)
    survivors = screened(data, raw, embedder, args.model)
    kept: dict[str, list[str]] = survivors["kept"]
    (train_x, train_y), (val_x, val_y), (test_x, test_y) = data.train, data.validation, data.test
    judge = frozen(seed, work / f"judge-{seed}").fit(train_x, train_y)
    proba = agreement(judge, kept)
    grid: dict[str, float] = {"none (real shots only)": accuracy(judge, val_x, val_y)}
    sizes: dict[str, int] = {"none (real shots only)": 0}
    settings: dict[str, tuple[str, int]] = {}
    models: dict[str, IntentClassifier] = {"none (real shots only)": judge}
    for rule, cap in product(FILTERS, CAPS):
        extra_x, extra_y = augmentation(kept, proba, rule, cap)
        name = f"{rule}, ≤{cap}/intent"
        settings[name] = (rule, cap)
        sizes[name] = len(extra_x)
        model = frozen(seed, work / f"grid-{seed}-{len(settings)}").fit(
            [*train_x, *extra_x], [*train_y, *extra_y]
        )
        grid[name] = accuracy(model, val_x, val_y)
        models[name] = model
        print(f"seed {seed} {name}: +{len(extra_x)} texts, validation {grid[name]:.4f}", flush=True)
    augmented_names = [n for n in settings if sizes[n] > 0]
    best = max(augmented_names, key=lambda n: grid[n]) if augmented_names else None
    out: dict[str, Any] = {
        "raw_seconds": sum(float(r["seconds"]) for r in raw.values()),
        **survivors["counts"],
        "after_screen": sum(len(v) for v in kept.values()),
        "validation_frozen": grid,
        "added": sizes,
        "best_augmentation": best,
    }
    # The frozen recipe is the one the grid fitted: its models are reused, not refitted.
    reuse = args.recipe == "frozen"
    plain = (
        judge
        if reuse
        else final_recipe(args.recipe, seed, work / f"plain-{seed}").fit(train_x, train_y)
    )
    out["plain"] = {
        "validation": accuracy(plain, val_x, val_y),
        "test": accuracy(plain, test_x, test_y),
    }
    if best is not None:
        extra_x, extra_y = augmentation(kept, proba, *settings[best])
        model = (
            models[best]
            if reuse
            else final_recipe(args.recipe, seed, work / f"aug-{seed}").fit(
                [*train_x, *extra_x], [*train_y, *extra_y]
            )
        )
        out["augmented"] = {
            "validation": accuracy(model, val_x, val_y),
            "test": accuracy(model, test_x, test_y),
        }
    print(f"seed {seed}: {json.dumps({k: out[k] for k in ('plain', 'augmented') if k in out})}")
    return out


def markdown(results: dict[str, Any]) -> str:
    seeds = results["per_seed"]
    grid_names = list(seeds[0]["validation_frozen"])
    grid_rows = [
        (
            name,
            f"{statistics.mean(s['added'][name] for s in seeds):.0f}",
            f"{100 * statistics.mean(s['validation_frozen'][name] for s in seeds):.2f}",
            f"{100 * statistics.pstdev(s['validation_frozen'][name] for s in seeds):.2f}",
        )
        for name in grid_names
    ]
    arms = [s for s in seeds if "augmented" in s]
    deltas = [100 * (s["augmented"]["test"] - s["plain"]["test"]) for s in arms]
    final_rows = [
        (
            f"seed {s['seed']}",
            s["intents"],
            s["best_augmentation"] or "-",
            f"{100 * s['plain']['validation']:.2f} / {100 * s['plain']['test']:.2f}",
            (
                f"{100 * s['augmented']['validation']:.2f} / {100 * s['augmented']['test']:.2f}"
                if "augmented" in s
                else "-"
            ),
        )
        for s in seeds
    ]
    mean_plain = statistics.mean(100 * s["plain"]["test"] for s in seeds)
    summary = f"Test, mean over seeds: plain {mean_plain:.2f} %"
    if deltas:
        mean_aug = statistics.mean(100 * s["augmented"]["test"] for s in arms)
        better = sum(d > 0 for d in deltas)
        verdict = (
            "helps" if statistics.mean(deltas) > 0 and better == len(deltas) else "does not help"
        )
        summary += (
            f", augmented {mean_aug:.2f} %; augmented − plain {statistics.mean(deltas):+.2f} "
            f"± {statistics.pstdev(deltas):.2f} points, better on {better}/{len(deltas)} "
            f"seeds — {verdict}."
        )
    counts = ", ".join(
        f"{k} {sum(s[k] for s in seeds)}"
        for k in ("generated", "unparsed_calls", "invalid", "duplicates", "after_screen")
    )
    return "\n".join(
        [
            f"BANKING77, 10 shots per intent, seeds {results['seeds']}; LLM `{results['model']}` "
            f"(local, one call per intent and seed asking for {results['per_call']} messages, "
            f"{results['raw_seconds']:.0f} s of generation in all). Screening over all seeds: "
            f"{counts}. Settings compared on validation with the frozen recipe "
            "(mean ± std over seeds):",
            "",
            markdown_table(["augmentation", "texts added", "validation %", "std"], grid_rows),
            "",
            f"The best augmented setting per seed, then the `{results['recipe']}` recipe "
            "with and without it (validation / test %, test scored once):",
            "",
            markdown_table(
                ["seed", "intents with LLM texts (of 77)", "chosen", "plain", "augmented"],
                final_rows,
            ),
            "",
            summary,
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--recipe", choices=("contrastive", "frozen"), default="contrastive")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--per-call", type=int, default=6, help="messages asked per intent")
    parser.add_argument("--generate-only", action="store_true", help="fill the cache and stop")
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="no generation: intents the cache has no answer for get no synthetic examples",
    )
    parser.add_argument(
        "--assemble",
        action="store_true",
        help="write the table from the seeds' finished results (run each seed first)",
    )
    args = parser.parse_args(argv)
    conversations = list(Banking77Loader().load(default_data_dir()))
    embedder = SentenceEmbedder()
    work = Path(tempfile.mkdtemp(prefix="colloquy-synthetic-"))
    if args.generate_only:
        for seed in args.seeds:
            generate(seed_data(conversations, seed), seed, args, embedder)
        return 0
    per_seed = []
    for seed in args.seeds:
        path = result_path(args, seed)
        if args.assemble:
            if not path.exists():
                print(f"seed {seed} has no finished result at {path}; run it first")
                return 1
            result = json.loads(path.read_text(encoding="utf-8"))
        else:
            result = run_seed(seed_data(conversations, seed), seed, args, embedder, work)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result, indent=1), encoding="utf-8")
        per_seed.append({"seed": seed, **result})
    results = {
        "model": args.model,
        "recipe": args.recipe,
        "seeds": args.seeds,
        "per_call": args.per_call,
        "raw_seconds": sum(s["raw_seconds"] for s in per_seed),
        "per_seed": per_seed,
    }
    body = markdown(results)
    print(body)
    command = "nice python -m benchmarks.synthetic " + " ".join(argv or sys.argv[1:])
    write_section(
        "synthetic", "Synthetic examples for 10-shot intent training", command, body, results
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
