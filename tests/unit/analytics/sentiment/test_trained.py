"""The trained sentiment model: fit on a small TweetEval subset, save, load, predict."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from colloquy.analytics.sentiment import LABELS, SentimentLabel, TrainedSentiment
from colloquy.errors import ArtifactError
from colloquy.features.embeddings import DEFAULT_MODEL, SentenceEmbedder


def _subset(datasets_dir: Path, per_class: int) -> tuple[list[str], list[SentimentLabel]]:
    folder = datasets_dir / "tweeteval_sentiment"
    texts = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
    codes = (folder / "val_labels.txt").read_text(encoding="utf-8").splitlines()
    taken: dict[str, int] = dict.fromkeys(LABELS, 0)
    out_texts: list[str] = []
    out_labels: list[SentimentLabel] = []
    for text, code in zip(texts, codes, strict=True):
        label = LABELS[int(code)]
        if taken[label] < per_class:
            taken[label] += 1
            out_texts.append(text)
            out_labels.append(label)
    return out_texts, out_labels


@pytest.fixture(scope="module")
def fitted(datasets_dir: Path, torch_embedder: SentenceEmbedder) -> TrainedSentiment:
    texts, labels = _subset(datasets_dir, 20)
    return TrainedSentiment.fit(texts, labels, embedder=torch_embedder, model_ref=DEFAULT_MODEL)


def test_save_load_round_trip_predicts_the_same(
    fitted: TrainedSentiment, torch_embedder: SentenceEmbedder, tmp_path: Path
) -> None:
    texts = ["what a fantastic day, loving it", "this is awful and I hate it", "it is Monday"]
    before = fitted.predict(texts)
    manifest = fitted.save(tmp_path / "model")
    assert manifest["format"] == "colloquy-sentiment"
    assert manifest["training_rows"] == 60
    assert 0.0 <= manifest["cv_macro_recall"] <= 1.0
    loaded = TrainedSentiment.load(tmp_path / "model", embedder=torch_embedder)
    after = loaded.predict(texts)
    assert [s.label for s in after] == [s.label for s in before]
    np.testing.assert_allclose([s.compound for s in after], [s.compound for s in before], atol=1e-5)
    assert loaded.choice == fitted.choice
    for score in after:
        assert sum(score.scores().values()) == pytest.approx(1.0, abs=1e-5)
        assert score.compound == pytest.approx(score.positive - score.negative)
    assert before[0].label == "positive"
    assert before[1].label == "negative"


def test_an_edited_manifest_is_refused(fitted: TrainedSentiment, tmp_path: Path) -> None:
    fitted.save(tmp_path / "model")
    manifest_path = tmp_path / "model" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["vader_features"] = not manifest["vader_features"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ArtifactError):
        TrainedSentiment.load(tmp_path / "model")
