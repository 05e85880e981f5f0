"""LLM few-shot intent classification vs the trained 10-shot recipe, and the hybrid of both.

BANKING77, 10 examples per intent, the seeds and split code of ``benchmarks/augmentation.py``
(20 % of the official train set carved out as validation, 10 shots per intent from the rest).
Per seed:

* the trained recipe (``--recipe contrastive``: the few-shot recipe of ``benchmarks/intent.py``;
  ``frozen``: MiniLM + logistic regression with intent names and TF-IDF 0.2) is fitted on
  the 770 shots and scored on the full test set and on a fixed subsample of it;
* the local LLM few-shot classifier (``--model``) is scored on that subsample only: on a
  2-core CPU it takes seconds per text. The subsample is stratified and seeded
  (``--per-intent`` texts of every intent) and reported with its size and a Wilson 95 % CI;
* the hybrid (recipe when confident, LLM below a threshold chosen on a validation subsample
  of the same size, or --validation-texts) is scored on the same subsample;
* with ``--synthetic N``, the LLM writes up to N new examples per intent (filtered by the
  recipe's agreement); augmented vs not is decided on validation only, then tested.

LLM answers go through a SQLite response cache, so the hybrid re-uses the LLM's answers
and its latency is computed from the recipe's per-text time plus the LLM's measured time
on the routed texts. With ``COLLOQUY_BENCH_LLM_URL`` (and ``COLLOQUY_BENCH_LLM_MODEL``) an
OpenAI-compatible endpoint is scored as well.

    nice python -m benchmarks.fewshot --model smollm2-135m-instruct --seeds 0 --recipe frozen
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._report import RESULTS, markdown_table, write_section
from benchmarks.augmentation import SeedData, default_data_dir, seed_data
from benchmarks.intent import FEW_SHOT, classifier_from
from colloquy.data.loaders.banking77 import Banking77Loader
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.llm import OpenAICompatibleClient, SQLiteResponseCache
from colloquy.llm.client import LLMClient
from colloquy.llm.examples import ExampleStore
from colloquy.llm.fewshot import LLMIntentClassifier
from colloquy.llm.llama_local import LlamaCppClient
from colloquy.llm.records import CallOptions, ChatMessage
from colloquy.llm.synthetic import SyntheticGenerator
from colloquy.llm.weights import resolve_local_model
from colloquy.models.intent import IntentClassifier
from colloquy.models.intent_hybrid import HybridIntentClassifier

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "colloquy-fewshot-llm.sqlite"
MODELS = Path.home() / ".colloquy" / "models" / "llm"


def wilson(correct: int, n: int) -> tuple[float, float]:
    if n == 0:
        return 0.0, 0.0
    z, p = 1.96, correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def stratified(texts: Sequence[str], labels: Sequence[str], per: int, seed: int) -> list[int]:
    """``per`` row indices of every label, seeded: the same subsample for every contender."""
    rows: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        rows[label].append(i)
    rng = random.Random(seed)
    return sorted(i for label in sorted(rows) for i in rng.sample(rows[label], per))


def recipe(kind: str, seed: int, work: Path) -> IntentClassifier:
    if kind == "contrastive":
        contrastive = FEW_SHOT.contrastive
        return classifier_from(
            FEW_SHOT,
            work / f"recipe-{seed}",
            seed=seed,
            contrastive=contrastive.model_copy(update={"seed": seed}) if contrastive else None,
        )
    return classifier_from(FEW_SHOT, work / f"recipe-{seed}", method="frozen", seed=seed)


def score(pred: Sequence[str], truth: Sequence[str], seconds: float) -> dict[str, Any]:
    correct = int(np.sum(np.asarray(pred, dtype=object) == np.asarray(truth, dtype=object)))
    low, high = wilson(correct, len(truth))
    return {
        "n": len(truth),
        "accuracy": correct / len(truth),
        "ci95": [low, high],
        "ms_per_text": 1000 * seconds / len(truth),
    }


def llm_clients(model: str, cache: SQLiteResponseCache | None) -> dict[str, LLMClient]:
    clients: dict[str, LLMClient] = {
        f"local {model}": LlamaCppClient(
            resolve_local_model(model, models_dir=MODELS),
            model=model,
            n_threads=1,
            n_ctx=2048,
            cache=cache,
        )
    }
    url = os.environ.get("COLLOQUY_BENCH_LLM_URL")
    if url:
        name = os.environ.get("COLLOQUY_BENCH_LLM_MODEL", "default")
        clients[f"endpoint {name}"] = OpenAICompatibleClient(
            url, model=name, api_key=os.environ.get("COLLOQUY_BENCH_LLM_KEY"), cache=cache
        )
    return clients


def speed_probe(client: LLMClient) -> dict[str, Any]:
    """Time to first token and generation speed of one uncached, unconstrained answer."""
    result = client.chat(
        [ChatMessage.user("Explain in three sentences what a bank transfer is.")],
        options=CallOptions(temperature=0.0, max_tokens=64, seed=1),
    )
    usage = result.usage
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "time_to_first_token_s": usage.time_to_first_token_s,
        "tokens_per_second": usage.tokens_per_second,
    }


def run_seed(
    data: SeedData, seed: int, args: argparse.Namespace, embedder: SentenceEmbedder, work: Path
) -> dict[str, Any]:
    (train_x, train_y), (val_x, val_y), (test_x, test_y) = data.train, data.validation, data.test
    out: dict[str, Any] = {}
    base = recipe(args.recipe, seed, work)
    start = time.perf_counter()
    base.fit(train_x, train_y)
    out["recipe_fit_s"] = time.perf_counter() - start
    start = time.perf_counter()
    full = list(base.predict(test_x))
    out["recipe full test"] = score(full, test_y, time.perf_counter() - start)
    sub = stratified(test_x, test_y, args.per_intent, seed)
    val = stratified(val_x, val_y, args.per_intent, seed)
    if args.validation_texts:
        val = sorted(random.Random(seed).sample(val, min(args.validation_texts, len(val))))
    sub_x, sub_y = [test_x[i] for i in sub], [test_y[i] for i in sub]
    val_x_, val_y_ = [val_x[i] for i in val], [val_y[i] for i in val]
    start = time.perf_counter()
    proba = base.predict_proba(sub_x)
    recipe_s = time.perf_counter() - start
    out["validation_subsample"] = val
    out["recipe subsample"] = score(list(base.decide(proba)), sub_y, recipe_s)
    print(f"seed {seed} recipe: {out['recipe full test']} / {out['recipe subsample']}", flush=True)
    cache = SQLiteResponseCache(CACHE)
    for name, client in llm_clients(args.model, cache).items():
        llm = LLMIntentClassifier(client, embedder).fit(train_x, train_y)
        start = time.perf_counter()
        answers = llm.classify(sub_x)
        wall = time.perf_counter() - start
        # Latency per text from uncached calls only: cache hits from an earlier run cost ~0.
        fresh = [a.latency_s for a in answers if not a.cached]
        per_text = statistics.mean(fresh) if fresh else wall / len(answers)
        out[f"{name} few-shot"] = score([a.label for a in answers], sub_y, per_text * len(answers))
        out[f"{name} few-shot"]["uncached_calls"] = len(fresh)
        out[f"{name} few-shot"]["abstained"] = sum(a.abstained for a in answers)
        print(f"seed {seed} {name}: {out[f'{name} few-shot']}", flush=True)
        hybrid = HybridIntentClassifier(base, llm).tune(val_x_, val_y_)
        labels, routed = hybrid.route(sub_x)
        llm_s = per_text * int(routed.sum())
        out[f"{name} hybrid"] = score(list(labels), sub_y, recipe_s + llm_s)
        out[f"{name} hybrid"]["threshold"] = hybrid.threshold_
        out[f"{name} hybrid"]["llm_share"] = float(np.mean(routed))
        out[f"{name} hybrid"]["validation"] = hybrid.choice_.accuracy if hybrid.choice_ else None
        print(f"seed {seed} {name} hybrid: {out[f'{name} hybrid']}", flush=True)
        usage = client.usage_total
        out[f"{name} speed"] = {
            "calls": usage.calls,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "seconds": usage.latency_s,
        }
    if args.synthetic:
        out["synthetic"] = synthetic(data, seed, args, embedder, base, work, cache)
    return out


def synthetic(
    data: SeedData,
    seed: int,
    args: argparse.Namespace,
    embedder: SentenceEmbedder,
    base: IntentClassifier,
    work: Path,
    cache: SQLiteResponseCache,
) -> dict[str, Any]:
    client = next(iter(llm_clients(args.model, cache).values()))
    generator = SyntheticGenerator(
        client, ExampleStore(embedder), agree=base.predict, per_call=args.synthetic, seed=seed
    )
    start = time.perf_counter()
    texts, labels, reports = generator.augment(
        *data.train, target=len(data.train[0]) // len(set(data.train[1])) + args.synthetic
    )
    seconds = time.perf_counter() - start
    augmented = recipe(args.recipe, seed, work / "augmented").fit(texts, labels)
    (val_x, val_y), (test_x, test_y) = data.validation, data.test
    plain_val = float(np.mean(base.predict(val_x) == np.asarray(val_y, dtype=object)))
    aug_val = float(np.mean(augmented.predict(val_x) == np.asarray(val_y, dtype=object)))
    chosen = augmented if aug_val > plain_val else base
    result = {
        "added": len(texts) - len(data.train[0]),
        "generated": sum(r.generated for r in reports),
        "duplicates": sum(r.duplicates for r in reports),
        "disagreed": sum(r.disagreed for r in reports),
        "invalid": sum(r.invalid for r in reports),
        "generation_s": seconds,
        "validation_plain": plain_val,
        "validation_augmented": aug_val,
        "chosen": "augmented" if chosen is augmented else "plain",
        "test_augmented": float(np.mean(augmented.predict(test_x) == np.asarray(test_y))),
    }
    print(f"seed {seed} synthetic: {result}", flush=True)
    return result


def markdown(results: dict[str, Any]) -> str:
    seeds = results["per_seed"]
    names = [k for k in seeds[0] if isinstance(seeds[0][k], dict) and "accuracy" in seeds[0][k]]
    rows = []
    for name in names:
        runs = [s[name] for s in seeds]
        acc = [r["accuracy"] for r in runs]
        ci = runs[0]["ci95"]
        extra = ""
        if "threshold" in runs[0]:
            extra = (
                f"threshold {runs[0]['threshold']:.2f}, LLM on {100 * runs[0]['llm_share']:.0f} %"
            )
        if "abstained" in runs[0]:
            extra = f"abstained {runs[0]['abstained']}"
        rows.append(
            (
                name,
                runs[0]["n"],
                f"{100 * statistics.mean(acc):.1f} %"
                + (f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]" if len(seeds) == 1 else ""),
                f"{statistics.mean(r['ms_per_text'] for r in runs):.0f}",
                extra,
            )
        )
    table = markdown_table(
        ["contender", "texts", "accuracy [Wilson 95 % CI]", "ms / text", "notes"], rows
    )
    speed = [
        f"- {k}: {v['calls']} calls, {v['prompt_tokens']} prompt + {v['completion_tokens']} "
        f"completion tokens in {v['seconds']:.0f} s "
        f"({v['completion_tokens'] / max(v['seconds'], 1e-9):.1f} completion tokens/s overall)"
        for k, v in seeds[0].items()
        if k.endswith("speed")
    ]
    speed += [
        f"- {name}, one uncached 64-token answer: time to first token "
        f"{v['time_to_first_token_s'] or 0:.2f} s, {v['tokens_per_second'] or 0:.1f} tokens/s"
        for name, v in results.get("speed_probe", {}).items()
    ]
    synth = [f"- synthetic, seed {r['seed']}: {r['synthetic']}" for r in seeds if "synthetic" in r]
    return "\n".join(
        [
            f"BANKING77 10-shot, seeds {results['seeds']}, recipe `{results['recipe']}`, "
            f"LLM `{results['model']}`. The LLM and hybrid rows use a stratified, seeded "
            f"subsample of the test split ({results['per_intent']} per intent); the recipe "
            "is scored on that subsample and on the full test split. Hybrid threshold chosen "
            "on a validation subsample of "
            f"{results['validation_texts']} texts.",
            "",
            table,
            "",
            *speed,
            *synth,
        ]
    )


def earlier_seeds(args: argparse.Namespace, fresh: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The previous results' seeds this run did not measure, if they were measured alike."""
    path = RESULTS / "fewshot.json"
    if not path.exists():
        return []
    previous = json.loads(path.read_text(encoding="utf-8"))
    alike = {
        "model": args.model,
        "recipe": args.recipe,
        "per_intent": args.per_intent,
        "validation_texts": len(fresh[0]["validation_subsample"]),
    }
    differing = {k: previous.get(k) for k, v in alike.items() if previous.get(k) != v}
    if differing:
        raise SystemExit(f"--add-to-previous: {path} was measured with {differing}, not {alike}")
    done = {s["seed"] for s in fresh}
    kept = [s for s in previous["per_seed"] if s["seed"] not in done]
    print(f"kept seeds {[s['seed'] for s in kept]} from {path} ({previous['at']})")
    return kept


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--recipe", choices=("contrastive", "frozen"), default="contrastive")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--per-intent", type=int, default=1)
    parser.add_argument(
        "--validation-texts", type=int, default=0, help="cap the hybrid's validation subsample"
    )
    parser.add_argument("--synthetic", type=int, default=0, help="new examples per intent")
    parser.add_argument(
        "--add-to-previous",
        action="store_true",
        help="keep the seeds of the last results file (same model, recipe and subsamples) "
        "that this run does not repeat, so seeds can be measured in several sessions",
    )
    args = parser.parse_args(argv)
    conversations = list(Banking77Loader().load(default_data_dir()))
    embedder = SentenceEmbedder()
    work = Path(tempfile.mkdtemp(prefix="colloquy-fewshot-"))
    probe = {
        name: speed_probe(client)
        for name, client in llm_clients(args.model, None).items()
        if client.backend == "local"
    }
    print(f"speed: {probe}", flush=True)
    per_seed = []
    for seed in args.seeds:
        result = run_seed(seed_data(conversations, seed), seed, args, embedder, work)
        per_seed.append({"seed": seed, **result})
    if args.add_to_previous:
        per_seed = earlier_seeds(args, per_seed) + per_seed
    results = {
        "model": args.model,
        "recipe": args.recipe,
        "seeds": [s["seed"] for s in per_seed],
        "per_intent": args.per_intent,
        "validation_texts": len(per_seed[0]["validation_subsample"]),
        "per_seed": per_seed,
        "speed_probe": probe,
    }
    body = markdown(results)
    print(body)
    command = "nice python -m benchmarks.fewshot " + " ".join(argv or sys.argv[1:])
    write_section("fewshot", "LLM few-shot intent classification", command, body, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
