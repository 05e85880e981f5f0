"""Cross-validation folds through the execution backend: local is the plain loop, bit for
bit, and real local Ray and Dask clusters give the same fold scores."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from colloquy.analytics.sentiment.evaluation import score_predictions
from colloquy.analytics.sentiment.trained import C_GRID, SentimentChoice, _cross_validate
from colloquy.execution import ExecutionBackend, ExecutionSettings, LocalBackend, open_backend
from colloquy.execution.folds import Fold, FoldData, FoldFit, run_folds
from colloquy.models.conversion_blocks import MetadataBlock
from colloquy.models.conversion_inner_cv import SettingChoice, choose_setting, roc_auc


def _binary(seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.int_], list[Fold]]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=160)
    features = rng.normal(size=(160, 6)) + labels[:, None] * np.linspace(0.1, 0.8, 6)
    folds = list(StratifiedKFold(4, shuffle=True, random_state=seed).split(features, labels))
    return features, labels, folds


def _three_classes(seed: int = 1) -> tuple[NDArray[np.float64], NDArray[np.object_]]:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 3, size=120)
    features = rng.normal(size=(120, 5)) + codes[:, None] * 0.6
    return features, np.array(["negative", "neutral", "positive"], dtype=object)[codes]


def _loop_choice(
    features: NDArray[np.float64], labels: NDArray[np.int_], folds: list[Fold]
) -> SettingChoice:
    """The inner-CV loop as it was written before it went through a backend."""
    block = MetadataBlock()
    best: SettingChoice | None = None
    for setting in block.candidates("auto"):
        oof = np.zeros(len(labels), dtype=np.float64)
        for train, test in folds:
            model = block.estimator(setting, "auto", 0)
            model.fit(features[train], labels[train])
            oof[test] = model.predict_proba(features[test])[:, 1]
        auc = roc_auc(labels, oof)
        if best is None or auc > best.auc + 1e-9:
            best = SettingChoice(setting, oof, auc)
    assert best is not None
    return best


def _loop_sentiment(
    features: NDArray[np.float64], labels: NDArray[np.object_]
) -> list[SentimentChoice]:
    """The sentiment cross-validation as it was written before it went through a backend."""
    choices = []
    for c in C_GRID:
        for balanced in (False, True):
            predicted = np.empty(len(labels), dtype=object)
            splitter = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
            for train, test in splitter.split(features, labels):
                estimator = LogisticRegression(
                    C=c,
                    class_weight="balanced" if balanced else None,
                    max_iter=3000,
                    random_state=0,
                ).fit(features[train], labels[train])
                predicted[test] = estimator.predict(features[test])
            recall = score_predictions(list(labels), list(predicted), model="cv").macro_recall
            choices.append(SentimentChoice(False, c, balanced, recall))
    return choices


def _sentiment(execution: ExecutionBackend | None) -> list[SentimentChoice]:
    features, labels = _three_classes()
    return _cross_validate(features, labels, vader=False, folds=3, seed=0, execution=execution)


@pytest.mark.parametrize("execution", [None, LocalBackend(ExecutionSettings())])
def test_local_inner_cv_is_the_plain_loop_bit_for_bit(execution: ExecutionBackend | None) -> None:
    features, labels, folds = _binary()
    chosen = choose_setting(
        MetadataBlock(), features, labels, folds, head="auto", seed=0, execution=execution
    )
    expected = _loop_choice(features, labels, folds)
    assert chosen.setting == expected.setting
    assert chosen.auc == expected.auc
    assert np.array_equal(chosen.out_of_fold, expected.out_of_fold)
    assert _sentiment(execution) == _loop_sentiment(*_three_classes())


def test_run_folds_keeps_job_order_and_outputs() -> None:
    features, labels, folds = _binary()
    jobs = [FoldFit(LogisticRegression(C=c), fold) for c in (0.1, 1.0) for fold in range(4)]
    jobs.append(FoldFit(LogisticRegression(), 2, output="label"))
    scores = run_folds(FoldData(features, labels, folds), jobs)
    assert [len(score) for score in scores] == [len(folds[job.fold][1]) for job in jobs]
    assert scores[0].dtype == np.float64
    assert set(np.unique(scores[-1]).tolist()) <= {0, 1}


@pytest.fixture(scope="module", params=["ray", "dask"])
def cluster(request: pytest.FixtureRequest) -> Iterator[ExecutionBackend]:
    """A real local Ray or Dask cluster of two worker processes."""
    pytest.importorskip(request.param)
    with open_backend(backend=request.param, workers=2) as backend:
        yield backend


@pytest.mark.slow
def test_ray_and_dask_give_the_local_fold_scores(cluster: ExecutionBackend) -> None:
    features, labels, folds = _binary()
    local = choose_setting(MetadataBlock(), features, labels, folds, head="auto", seed=0)
    remote = choose_setting(
        MetadataBlock(), features, labels, folds, head="auto", seed=0, execution=cluster
    )
    assert remote.setting == local.setting
    assert remote.auc == local.auc
    assert np.array_equal(remote.out_of_fold, local.out_of_fold)
    assert _sentiment(cluster) == _sentiment(None)


@pytest.mark.slow
def test_map_shared_hands_every_item_the_shared_data_in_order(cluster: ExecutionBackend) -> None:
    shared = np.arange(1000)
    assert cluster.map_shared(_offset_sum, shared, [3, 1, 2]) == [
        int(shared.sum()) + 3000,
        int(shared.sum()) + 1000,
        int(shared.sum()) + 2000,
    ]


def _offset_sum(shared: NDArray[np.int_], offset: int) -> int:
    return int((shared + offset).sum())


SENTIMENT_ROWS = [
    ("I love this, thank you so much", "positive"),
    ("Great service, very happy", "positive"),
    ("Wonderful, it works perfectly", "positive"),
    ("The parcel arrived on Tuesday", "neutral"),
    ("My account number is on the form", "neutral"),
    ("I called about the invoice", "neutral"),
    ("This is terrible, I am furious", "negative"),
    ("Awful experience, never again", "negative"),
    ("It broke again and nobody helps", "negative"),
]


def test_train_sentiment_cli_takes_the_execution_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from colloquy.services.cli.main import main

    data = tmp_path / "sentiment.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(SENTIMENT_ROWS)
    common = ["train", "sentiment", "--data", str(data), "--text-column", "text"]
    common += ["--label-column", "label", "--format", "json"]
    assert main([*common, "--output", str(tmp_path / "a"), "--execution", "spark"]) != 0
    assert "unknown --execution 'spark'" in capsys.readouterr().err
    assert main([*common, "--output", str(tmp_path / "b"), "--execution", "local"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["training_rows"] == len(SENTIMENT_ROWS)
    assert 0.0 <= summary["cv_macro_recall"] <= 1.0
