"""The three heads on real TF-IDF features of BANKING77 rows, the MLP's safe round-trip, and
the plain-array heads a model directory serves with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.errors import ArtifactError
from colloquy.features.embeddings import TfidfEmbedder
from colloquy.models.heads import HEADS, HeadName, MLPHead, PlainHead, make_head

INTENTS = ("card_arrival", "lost_or_stolen_card", "exchange_rate", "top_up_failed")


@pytest.fixture(scope="module")
def data(datasets_dir: Path) -> tuple[object, np.ndarray, object, np.ndarray]:
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    train = train[train["category"].isin(INTENTS)].groupby("category").head(60)
    test = test[test["category"].isin(INTENTS)]
    features = TfidfEmbedder().fit(train["text"].tolist())
    return (
        features.transform(train["text"].tolist()),
        train["category"].to_numpy(),
        features.transform(test["text"].tolist()),
        test["category"].to_numpy(),
    )


@pytest.mark.parametrize("name", HEADS)
def test_every_head_learns(
    name: HeadName, data: tuple[object, np.ndarray, object, np.ndarray]
) -> None:
    x_train, y_train, x_test, y_test = data
    head = make_head(name, C=10.0, seed=0).fit(x_train, y_train)
    proba = head.predict_proba(x_test)
    assert proba.shape == (len(y_test), len(INTENTS))
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert float(np.mean(head.predict(x_test) == y_test)) > 0.8


def test_mlp_is_seeded_and_round_trips(
    data: tuple[object, np.ndarray, object, np.ndarray], tmp_path: Path
) -> None:
    x_train, y_train, x_test, _ = data
    first = MLPHead(seed=3, epochs=5).fit(x_train, y_train)
    second = MLPHead(seed=3, epochs=5).fit(x_train, y_train)
    assert np.allclose(first.predict_proba(x_test), second.predict_proba(x_test))
    first.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.json", "mlp.safetensors"]
    loaded = MLPHead.load(tmp_path)
    assert np.allclose(loaded.predict_proba(x_test), first.predict_proba(x_test))
    assert list(loaded.classes_) == list(first.classes_)


@pytest.mark.parametrize("name", HEADS)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_plain_heads_predict_what_the_fitted_heads_predict(
    name: HeadName, n_classes: int, data: tuple[object, np.ndarray, object, np.ndarray]
) -> None:
    x_train, y_train, x_test, _ = data
    keep = np.isin(y_train, INTENTS[:n_classes])
    rows = np.flatnonzero(keep)
    head = make_head(name, C=10.0, seed=0)
    if isinstance(head, MLPHead):
        head.epochs = 5
    head.fit(x_train[rows], y_train[rows])  # type: ignore[index]
    plain = PlainHead.from_estimator(head)
    assert list(plain.classes_) == list(head.classes_)
    np.testing.assert_allclose(plain.predict_proba(x_test), head.predict_proba(x_test), atol=1e-5)
    dense = x_test.toarray()  # type: ignore[attr-defined]
    np.testing.assert_allclose(plain.predict_proba(dense), head.predict_proba(x_test), atol=1e-5)
    again = PlainHead.from_arrays(
        plain.kind, list(plain.classes_), plain.arrays, n_features=plain.n_features, where=Path("h")
    )
    np.testing.assert_array_equal(again.predict_proba(dense), plain.predict_proba(dense))


def test_plain_head_arrays_of_the_wrong_shape_are_refused(
    data: tuple[object, np.ndarray, object, np.ndarray],
) -> None:
    x_train, y_train, _, _ = data
    plain = PlainHead.from_estimator(make_head("svm").fit(x_train, y_train))
    arrays = dict(plain.arrays)
    with pytest.raises(ArtifactError, match=r"member0\.weights' has shape"):
        PlainHead.from_arrays(
            "svm", list(plain.classes_), arrays, n_features=plain.n_features + 1, where=Path("h")
        )
    arrays["member0.classes"] = np.zeros_like(arrays["member0.classes"])
    with pytest.raises(ArtifactError, match="does not name distinct classes"):
        PlainHead.from_arrays(
            "svm", list(plain.classes_), arrays, n_features=plain.n_features, where=Path("h")
        )
    with pytest.raises(ArtifactError, match="unknown head kind 'forest'"):
        PlainHead.from_arrays("forest", ["a", "b"], {}, n_features=1, where=Path("h"))
