"""Conversion prediction: what each part adds, on PersuasionForGood and CraigslistBargain.

Both datasets are scored by 5-fold stratified *group* cross-validation (seed 0): every
conversation is predicted once by a model that never saw it nor any other conversation
with the same customer (PersuasionForGood: 761 persuadees in 1,017 dialogues, one took
part 12 times) or the same listing scenario (CraigslistBargain), because trees otherwise
recognise a returning person by their exact questionnaire answers. Every model choice
(each block's model and regularisation, the stacking weights) is made by inner
group-aware cross-validation on that fold's training rows only.

1. **PersuasionForGood** (1,017 dialogues, donated > $0): the ablation — metadata only,
   TF-IDF only (the floor to beat), generic MiniLM embeddings only, text only (both TF-IDF
   blocks + embeddings + insights + decision + dynamics), transcript + metadata (the
   default), the default with logistic regression only, the default without the
   customer's own blocks (the customer-words TF-IDF and the customer-text embedding pool),
   and the default without the insights block or without the decision block. Per-fold
   ROC-AUC mean with a 95 % t-interval over folds; ROC-AUC, PR-AUC, Brier, log loss and
   top-decile lift of the pooled out-of-fold predictions; DeLong tests of the default
   against the TF-IDF, metadata-only, without-customer-blocks, without-insights and
   without-decision models on the same predictions.
2. **CraigslistBargain** (643 public dev dialogues, deal reached; 32 in which the buyer
   never wrote a message are left out): models trained on whole dialogues (or also on 60 %
   prefixes) and scored on the first 20/40/60/80/100 % of each held-out dialogue's
   messages; offer/accept/reject/quit events are never features. Only the dev split is
   public here, so "dialogues the model never saw" means the held-out fold.

    python -m benchmarks.conversion [--skip-p4g] [--skip-craigslist]
    python -m benchmarks.conversion --protocol stratified --skip-craigslist
    python -m benchmarks.conversion --contrastive
    python -m benchmarks.conversion --repeats

The second command repeats the PersuasionForGood ablation with plain (ungrouped)
stratified folds, the protocol the issue's floor (TF-IDF 0.69–0.70, metadata 0.65) was
measured with, so both numbers can be compared with it; it lets the same persuadee sit in
training and test folds, which flatters models that can memorise people. The third compares
the default with the contrastively fine-tuned encoder (:func:`contrastive`). The fourth
repeats the PersuasionForGood comparison on fold partitions not used to build the model
(:func:`repeats`).
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks._report import datasets_dir, markdown_table, write_section
from colloquy.config import Settings
from colloquy.evaluation import (
    binary_metrics,
    calibration_curve_png,
    delong_test,
    mean_ci,
    metric_by_prefix_png,
    roc_pr_png,
)
from colloquy.features.embeddings import EmbeddingCache, default_cache_path, get_embedder
from colloquy.features.transcript import MEAN_POOLS
from colloquy.models.conversion import ConversionPredictor
from colloquy.models.conversion_blocks import DEFAULT_BLOCKS
from colloquy.pipelines.conversion import (
    DEFAULT_CONTRASTIVE,
    ConversionTrainingConfig,
    build_predictor,
    conversation_groups,
    load_labelled,
)
from colloquy.schema import Conversation

FOLDS = 5
RATIOS = (0.2, 0.4, 0.6, 0.8, 1.0)
PLOTS = Path(__file__).parent / "results"
Factory = Callable[[], ConversionPredictor]
DEFAULT = "**Transcript + metadata (default: stacked, head auto)**"
TFIDF = "TF-IDF + LR (transcript baseline)"
WITHOUT_CUSTOMER = "Default without the customer's own blocks (no customer TF-IDF, mean pools only)"
WITHOUT_INSIGHTS = "Default without the insights block (the customer's cue counts)"
WITHOUT_DECISION = "Default without the decision block (the customer's stated amount and refusal)"


def _folds(
    y: np.ndarray, groups: Sequence[str] | None, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified group folds, or plain stratified folds when ``groups`` is None."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if groups is None:
        plain = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
        return list(plain.split(np.zeros(len(y)), y))
    splitter = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y, groups))


def cross_validate(
    name: str,
    factory: Factory,
    conversations: Sequence[Conversation],
    y: np.ndarray,
    groups: Sequence[str] | None,
    ratios: Sequence[float | None] = (None,),
    seed: int = 0,
) -> dict[float | None, dict[str, Any]]:
    """Out-of-fold probabilities and per-fold ROC-AUC at each prefix ratio."""
    from sklearn.metrics import roc_auc_score

    oof = {r: np.zeros(len(y)) for r in ratios}
    fold_auc: dict[float | None, list[float]] = {r: [] for r in ratios}
    started = time.perf_counter()
    for number, (train, test) in enumerate(_folds(y, groups, seed), start=1):
        fold_groups = None if groups is None else [groups[i] for i in train]
        model = factory().fit([conversations[i] for i in train], y[train], groups=fold_groups)
        held_out = [conversations[i] for i in test]
        for ratio in ratios:
            p = model.prefix_proba(held_out, ratio=ratio)
            oof[ratio][test] = p
            fold_auc[ratio].append(float(roc_auc_score(y[test], p)))
        print(f"  {name}: fold {number}/{FOLDS} {[round(a[-1], 3) for a in fold_auc.values()]}")
    seconds = (time.perf_counter() - started) / FOLDS
    return {
        r: {"oof": oof[r], "fold_auc": fold_auc[r], "seconds_per_fold": seconds} for r in ratios
    }


def _summary(y: np.ndarray, run: dict[str, Any]) -> dict[str, Any]:
    pooled = binary_metrics(y, run["oof"], n_bootstrap=0)
    interval = mean_ci(run["fold_auc"])
    return {
        "fold_auc_mean": interval.mean,
        "fold_auc_ci": [interval.low, interval.high],
        "fold_auc": run["fold_auc"],
        **{k: v for k, v in pooled.to_dict().items() if not k.startswith("roc_auc_ci")},
        "seconds_per_fold": run["seconds_per_fold"],
    }


def _f(value: float) -> str:
    return f"{value:.3f}"


def persuasion(embedder: Any, grouped: bool) -> tuple[str, dict[str, Any]]:
    labelled = load_labelled("persuasion4good", datasets_dir() / "persuasion4good")
    conversations, y = labelled.conversations, np.asarray(labelled.labels, dtype=int)
    groups = conversation_groups(conversations, "persuasion4good") if grouped else None
    base = ConversionTrainingConfig()

    def make(**changes: Any) -> Factory:
        config = base.model_copy(update=changes)
        return lambda: build_predictor(config, "persuasion4good", embedder=embedder)

    suffix = "" if grouped else "_stratified"

    contenders: dict[str, Factory] = {
        "Metadata only (one-hot + scaled, LR)": make(blocks=["metadata"], head="logreg"),
        TFIDF: make(blocks=["tfidf"]),
        "Generic embeddings (MiniLM: means per speaker + customer text, LR)": make(
            blocks=["embedding"]
        ),
        "Text only (both TF-IDF blocks + embeddings + insights + decision + dynamics)": make(
            blocks=["tfidf", "tfidf_customer", "embedding", "insights", "decision", "dynamics"]
        ),
        DEFAULT: make(),
        "Transcript + metadata, logistic regression only": make(head="logreg"),
        WITHOUT_CUSTOMER: make(
            blocks=["tfidf", "embedding", "insights", "decision", "metadata", "dynamics"],
            embedding_pools=list(MEAN_POOLS),
        ),
        WITHOUT_INSIGHTS: make(blocks=[b for b in DEFAULT_BLOCKS if b != "insights"]),
        WITHOUT_DECISION: make(blocks=[b for b in DEFAULT_BLOCKS if b != "decision"]),
    }
    runs = {}
    for name, factory in contenders.items():
        runs[name] = cross_validate(name, factory, conversations, y, groups)[None]
    summaries = {name: _summary(y, run) for name, run in runs.items()}
    default = DEFAULT
    tests = {
        other: delong_test(y, runs[default]["oof"], runs[other]["oof"]).to_dict()
        for other in (
            TFIDF,
            "Metadata only (one-hot + scaled, LR)",
            WITHOUT_CUSTOMER,
            WITHOUT_INSIGHTS,
            WITHOUT_DECISION,
        )
    }
    rows = [
        [
            name,
            f"{_f(s['fold_auc_mean'])} ({_f(s['fold_auc_ci'][0])}–{_f(s['fold_auc_ci'][1])})",
            _f(s["roc_auc"]),
            _f(s["pr_auc"]),
            _f(s["brier"]),
            _f(s["log_loss"]),
            f"{s['lift_top_decile']:.2f}",
            f"{s['seconds_per_fold']:.0f}",
        ]
        for name, s in summaries.items()
    ]
    table = markdown_table(
        [
            "model",
            "ROC-AUC, fold mean (95 % CI)",
            "pooled ROC-AUC",
            "PR-AUC",
            "Brier",
            "log loss",
            "lift@10 %",
            "s/fold",
        ],
        rows,
    )
    lines = [
        f"- default vs {other}: ΔAUC {t['difference']:+.3f}, DeLong z = {t['z']:.2f}, "
        f"p = {t['p_value']:.2g}"
        for other, t in tests.items()
    ]
    PLOTS.mkdir(parents=True, exist_ok=True)
    calibration_curve_png(
        y, runs[default]["oof"], PLOTS / f"conversion_p4g{suffix}_calibration.png"
    )
    roc_pr_png(
        y,
        {name.strip("*"): run["oof"] for name, run in runs.items()},
        PLOTS / f"conversion_p4g{suffix}_roc_pr.png",
    )
    body = (
        f"{len(y):,} dialogues, {int(y.sum())} donors; {FOLDS}-fold stratified CV"
        + (" grouped by persuadee" if grouped else " (not grouped: a persuadee can be in both)")
        + ".\n\n"
        + table
        + "\n\nPaired tests on the same out-of-fold predictions:\n\n"
        + "\n".join(lines)
        + f"\n\nPlots: `benchmarks/results/conversion_p4g{suffix}_calibration.png`, "
        f"`benchmarks/results/conversion_p4g{suffix}_roc_pr.png`."
    )
    return body, {"summaries": summaries, "delong": tests}


def craigslist(embedder: Any) -> tuple[str, dict[str, Any]]:
    labelled = load_labelled("craigslist_bargain", datasets_dir() / "craigslist_bargain")
    conversations, y = labelled.conversations, np.asarray(labelled.labels, dtype=int)
    groups = conversation_groups(conversations, "craigslist_bargain") or []
    base = ConversionTrainingConfig()

    def make(**changes: Any) -> Factory:
        config = base.model_copy(update=changes)
        return lambda: build_predictor(config, "craigslist_bargain", embedder=embedder)

    contenders: dict[str, Factory] = {
        "TF-IDF + LR (transcript baseline)": make(blocks=["tfidf"]),
        "Default, logistic regression only": make(head="logreg"),
        "**Default (all blocks + prices, head auto)**": make(),
        "Default, also trained on 60 % prefixes": make(train_prefix_ratios=[0.6, 1.0]),
    }
    results: dict[str, dict[str, Any]] = {}
    for name, factory in contenders.items():
        runs = cross_validate(name, factory, conversations, y, groups, ratios=RATIOS)
        results[name] = {str(r): _summary(y, run) for r, run in runs.items()}
    header = ["model", *[f"{int(r * 100)} %" for r in RATIOS]]
    rows = []
    for name, by_ratio in results.items():
        cells = []
        for r in RATIOS:
            s = by_ratio[str(r)]
            cells.append(
                f"{_f(s['fold_auc_mean'])} ({_f(s['fold_auc_ci'][0])}–{_f(s['fold_auc_ci'][1])})"
            )
        rows.append([name, *cells])
    metric_by_prefix_png(
        RATIOS,
        {name: [results[name][str(r)]["fold_auc_mean"] for r in RATIOS] for name in results},
        PLOTS / "conversion_craigslist_by_prefix.png",
    )
    body = (
        f"{len(y)} dialogues ({int(y.sum())} deals; the 32 where the buyer never wrote are "
        "left out); ROC-AUC (fold mean, 95 % CI) on held-out dialogues (grouped by scenario) "
        "scored from the first N % of their messages.\n\n"
        + markdown_table(header, rows)
        + "\n\nPlot: `benchmarks/results/conversion_craigslist_by_prefix.png`."
    )
    return body, results


def contrastive(embedder: Any) -> tuple[str, dict[str, Any]]:
    """PersuasionForGood, group CV: the default with and without the fine-tuned encoder.

    The contrastive contender is fitted with ``contrastive_min_gain=-1`` so that every fold
    keeps its tuned encoder and the table shows what fine-tuning does on held-out dialogues.
    Each fold also records the cross-fitted inner comparison the predictor's own rule uses
    (kept when the tuned embedding block gains 0.005 inner-CV ROC-AUC), so the "as shipped"
    row takes the tuned model's predictions in the folds where the rule keeps it and the
    default's elsewhere (where the shipped model is the default model).
    """
    labelled = load_labelled("persuasion4good", datasets_dir() / "persuasion4good")
    conversations, y = labelled.conversations, np.asarray(labelled.labels, dtype=int)
    groups = conversation_groups(conversations, "persuasion4good")
    default = ConversionTrainingConfig()
    rule = default.contrastive_min_gain
    forced = ConversionTrainingConfig(contrastive=DEFAULT_CONTRASTIVE, contrastive_min_gain=-1.0)
    fitted: list[ConversionPredictor] = []

    def tuned_factory() -> ConversionPredictor:
        fitted.append(build_predictor(forced, "persuasion4good", embedder=embedder))
        return fitted[-1]

    default_name = "Default (generic MiniLM encoder)"
    tuned_name = "Default + contrastive encoder, always kept"
    shipped_name = f"Default + contrastive encoder, kept when inner gain ≥ {rule}"
    runs: dict[str, dict[str, Any]] = {
        default_name: cross_validate(
            default_name,
            lambda: build_predictor(default, "persuasion4good", embedder=embedder),
            conversations,
            y,
            groups,
        )[None],
        tuned_name: cross_validate(tuned_name, tuned_factory, conversations, y, groups)[None],
    }
    choices = [model.encoder_choice_ or {} for model in fitted]
    kept = [c["tuned_auc"] >= c["generic_auc"] + rule for c in choices]
    shipped_oof = runs[default_name]["oof"].copy()
    shipped_auc = []
    for keep, (_, test), default_auc, tuned_auc in zip(
        kept,
        _folds(y, groups),
        runs[default_name]["fold_auc"],
        runs[tuned_name]["fold_auc"],
        strict=True,
    ):
        if keep:
            shipped_oof[test] = runs[tuned_name]["oof"][test]
        shipped_auc.append(tuned_auc if keep else default_auc)
    runs[shipped_name] = {
        "oof": shipped_oof,
        "fold_auc": shipped_auc,
        "seconds_per_fold": runs[tuned_name]["seconds_per_fold"],
    }
    summaries = {name: _summary(y, run) for name, run in runs.items()}
    paired = delong_test(y, runs[tuned_name]["oof"], runs[default_name]["oof"]).to_dict()
    rows = [
        [
            name,
            f"{_f(s['fold_auc_mean'])} ({_f(s['fold_auc_ci'][0])}–{_f(s['fold_auc_ci'][1])})",
            _f(s["roc_auc"]),
            _f(s["brier"]),
            f"{s['seconds_per_fold']:.0f}",
        ]
        for name, s in summaries.items()
    ]
    table = markdown_table(
        ["model", "ROC-AUC, fold mean (95 % CI)", "pooled ROC-AUC", "Brier", "s/fold"], rows
    )
    fold_rows = [
        [
            str(number),
            _f(choice["generic_auc"]),
            _f(choice["tuned_auc"]),
            "yes" if keep else "no",
            _f(default_auc),
            _f(tuned_auc),
            f"{choice['seconds']:.0f}",
        ]
        for number, (choice, keep, default_auc, tuned_auc) in enumerate(
            zip(
                choices,
                kept,
                runs[default_name]["fold_auc"],
                runs[tuned_name]["fold_auc"],
                strict=True,
            ),
            start=1,
        )
    ]
    per_fold = markdown_table(
        [
            "outer fold",
            "embedding block, inner CV: generic",
            "cross-fitted tuned",
            "kept by the rule",
            "held-out ROC-AUC: default",
            "tuned",
            "fine-tuning s",
        ],
        fold_rows,
    )
    body = (
        f"{len(y):,} dialogues; 5-fold stratified CV grouped by persuadee (the folds of the "
        f"ablation above). Fine-tuning: {DEFAULT_CONTRASTIVE.epochs} epoch of supervised "
        f"contrastive loss over at most {DEFAULT_CONTRASTIVE.max_examples_per_class:,} customer "
        f"turns per outcome ({DEFAULT_CONTRASTIVE.max_seq_length} tokens), cross-fitted over "
        f"{forced.contrastive_folds} parts, then once on all training dialogues.\n\n"
        + table
        + f"\n\nAlways-kept vs default, DeLong on the same out-of-fold predictions: "
        f"ΔAUC {paired['difference']:+.3f}, z = {paired['z']:.2f}, "
        f"p = {paired['p_value']:.2g}.\n\n" + per_fold
    )
    return body, {"summaries": summaries, "delong": paired, "encoder_choices": choices}


REPEAT_SEEDS = (6, 7, 8, 9, 10)


def repeats(embedder: Any) -> tuple[str, dict[str, Any]]:
    """PersuasionForGood, group CV on fold partitions never used to choose the model.

    The default's blocks were chosen while looking at fold partitions: the seed-0 folds of
    the ablation, and seeds 1–5 for the insights and decision blocks (which columns and
    rules to keep). Its numbers there carry some selection optimism. These partitions were
    only used to confirm a block once it was chosen (seeds 6–8 for both blocks, 9–10 for
    the decision block); a gain that holds on them is not an accident of one partition.
    The dialogues are still the same ones, and the decision block's phrases were written
    after reading PersuasionForGood chats, so this is no substitute for a new dataset.
    """
    labelled = load_labelled("persuasion4good", datasets_dir() / "persuasion4good")
    conversations, y = labelled.conversations, np.asarray(labelled.labels, dtype=int)
    groups = conversation_groups(conversations, "persuasion4good")
    base = ConversionTrainingConfig()
    configs = {
        TFIDF: base.model_copy(update={"blocks": ["tfidf"]}),
        WITHOUT_DECISION: base.model_copy(
            update={"blocks": [b for b in DEFAULT_BLOCKS if b != "decision"]}
        ),
        DEFAULT: base,
    }
    means: dict[str, list[float]] = {name: [] for name in configs}
    tests: list[dict[str, Any]] = []
    for seed in REPEAT_SEEDS:
        runs = {
            name: cross_validate(
                f"{name} (seed {seed})",
                functools.partial(build_predictor, config, "persuasion4good", embedder=embedder),
                conversations,
                y,
                groups,
                seed=seed,
            )[None]
            for name, config in configs.items()
        }
        for name, run in runs.items():
            means[name].append(float(np.mean(run["fold_auc"])))
        tests.append(
            {
                "seed": seed,
                **delong_test(y, runs[DEFAULT]["oof"], runs[WITHOUT_DECISION]["oof"]).to_dict(),
            }
        )
    rows = [
        [name, *(_f(m) for m in values), _f(float(np.mean(values)))]
        for name, values in means.items()
    ]
    table = markdown_table(
        ["model", *(f"seed {seed}" for seed in REPEAT_SEEDS), "mean over partitions"], rows
    )
    lines = [
        f"- seed {t['seed']}: default vs without the decision block ΔAUC "
        f"{t['difference']:+.3f}, DeLong z = {t['z']:.2f}, p = {t['p_value']:.2g}"
        for t in tests
    ]
    body = (
        f"{len(y):,} dialogues; ROC-AUC, mean of the 5 folds, of 5-fold stratified CV grouped "
        f"by persuadee on {len(REPEAT_SEEDS)} fold partitions (seeds "
        f"{REPEAT_SEEDS[0]}–{REPEAT_SEEDS[-1]}) that were not used to choose the model's "
        "blocks (only to confirm the last ones).\n\n" + table + "\n\n" + "\n".join(lines)
    )
    return body, {"seeds": list(REPEAT_SEEDS), "fold_mean_auc": means, "delong": tests}


SEPARATE_SECTIONS: dict[str, tuple[Callable[[Any], tuple[str, dict[str, Any]]], str, str]] = {
    "repeats": (repeats, "conversion-repeats", "Conversion prediction: other fold partitions"),
    "contrastive": (
        contrastive,
        "conversion-contrastive",
        "Conversion prediction: contrastive fine-tuning of the encoder",
    ),
}
"""The flags that run one slow comparison on its own: section name and title for each."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-p4g", action="store_true")
    parser.add_argument("--skip-craigslist", action="store_true")
    parser.add_argument(
        "--protocol",
        choices=("group", "stratified"),
        default="group",
        help="group: a customer/scenario never spans folds (the default); stratified: plain "
        "stratified folds, the protocol the issue's floor was measured with (P4G only)",
    )
    parser.add_argument(
        "--contrastive",
        action="store_true",
        help="only the contrastive-encoder comparison on PersuasionForGood (about 40 min)",
    )
    parser.add_argument(
        "--repeats",
        action="store_true",
        help="only PersuasionForGood on five more fold partitions (about 30 min)",
    )
    args = parser.parse_args()
    for flag, (run, name, title) in SEPARATE_SECTIONS.items():
        if getattr(args, flag):
            embedder = get_embedder(
                cache=EmbeddingCache(default_cache_path(Settings().resolved_home))
            )
            body, payload = run(embedder)
            write_section(name, title, f"python -m benchmarks.conversion --{flag}", body, payload)
            return
    grouped = args.protocol == "group"
    cache = EmbeddingCache(default_cache_path(Settings().resolved_home))
    embedder = get_embedder(cache=cache)
    sections: list[str] = []
    result: dict[str, Any] = {}
    if not args.skip_p4g:
        body, result["persuasion4good"] = persuasion(embedder, grouped)
        protocol = "group CV" if grouped else "stratified CV, not grouped"
        sections.append(f"### PersuasionForGood: ablation, 5-fold {protocol}\n\n" + body)
    if not args.skip_craigslist and grouped:
        body, result["craigslist_bargain"] = craigslist(embedder)
        sections.append("### CraigslistBargain: live scoring by prefix, 5-fold group CV\n\n" + body)
    write_section(
        "conversion" if grouped else "conversion-stratified",
        "Conversion prediction" if grouped else "Conversion prediction, ungrouped folds",
        "python -m benchmarks.conversion"
        + ("" if grouped else " --protocol stratified --skip-craigslist"),
        "\n\n".join(sections),
        result,
    )


if __name__ == "__main__":
    main()
