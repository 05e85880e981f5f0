"""IntentClassifier on real BANKING77 rows: fitting, OOS rejection, artifacts, serving
without PyTorch, cloning, bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from colloquy.errors import ArtifactError, DataError, NotFoundError, UsageError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.models.artifacts import manifest_digest
from colloquy.models.intent import IntentClassifier
from colloquy.models.intent_fitting import TEMPERATURE_BOUNDS, fit_temperature

INTENTS = ("card_arrival", "lost_or_stolen_card", "exchange_rate", "top_up_failed", "pin_blocked")


@pytest.fixture(scope="module")
def rows(datasets_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    keep_train = train[train["category"].isin(INTENTS)].groupby("category").head(40)
    return keep_train.reset_index(drop=True), test[test["category"].isin(INTENTS)]


def test_tfidf_learns_and_ranks(rows: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, test = rows
    model = IntentClassifier(method="tfidf").fit(train["text"], train["category"])
    assert sorted(model.classes_) == sorted(INTENTS)
    accuracy = float(np.mean(model.predict(test["text"]) == test["category"].to_numpy()))
    assert accuracy > 0.8
    proba = model.predict_proba(test["text"][:4])
    assert proba.shape == (4, len(INTENTS))
    assert np.allclose(proba.sum(axis=1), 1.0)
    [ranked] = model.top_k(["I lost my card yesterday"], k=2)
    assert ranked[0][0] == "lost_or_stolen_card"
    assert ranked[0][1] >= ranked[1][1]


@pytest.fixture(scope="module")
def frozen(
    rows: tuple[pd.DataFrame, pd.DataFrame],
    minilm_dir: Path,
    onnx_int8_embedder: SentenceEmbedder,
) -> IntentClassifier:
    """A frozen-encoder model on the session's copy of MiniLM (its int8 export exists)."""
    train, _ = rows
    return IntentClassifier(method="frozen", model=minilm_dir).fit(train["text"], train["category"])


@pytest.fixture(scope="module")
def frozen_dir(frozen: IntentClassifier, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("frozen") / "model"
    frozen.save(directory)
    return directory


def test_frozen_with_auto_blend_beats_chance_and_records_choice(
    rows: tuple[pd.DataFrame, pd.DataFrame], frozen: IntentClassifier
) -> None:
    _, test = rows
    assert frozen.fit_report_["tfidf_weight"] == frozen.tfidf_weight_
    assert set(frozen.fit_report_["tfidf_weight_validation"]) >= {"0.0", "0.5"}
    assert TEMPERATURE_BOUNDS[0] <= frozen.temperature_ <= TEMPERATURE_BOUNDS[1]
    assert frozen.fit_report_["temperature"] == frozen.temperature_
    accuracy = float(np.mean(frozen.predict(test["text"]) == test["category"].to_numpy()))
    assert accuracy > 0.9


def test_a_small_separable_validation_slice_keeps_the_temperature_at_one(
    frozen: IntentClassifier,
) -> None:
    # 200 rows leave 20 for validation, all of them right: no temperature can be fitted
    assert frozen.temperature_ == 1.0
    off_topic = frozen.predict_proba(["what's the weather like in Lisbon tomorrow"])
    assert off_topic.max() < 0.9
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=400)
    separated = np.full((400, 4), 0.1)
    separated[np.arange(400), codes] = 0.7
    assert fit_temperature(separated, codes) == 1.0
    assert fit_temperature(separated[:20], (codes[:20] + 1) % 4) == 1.0
    noisy = separated.copy()
    wrong = rng.random(400) < 0.3
    noisy[np.flatnonzero(wrong), (codes[wrong] + 1) % 4] = 0.8
    fitted = fit_temperature(noisy / noisy.sum(1, keepdims=True), codes)
    assert TEMPERATURE_BOUNDS[0] <= fitted <= TEMPERATURE_BOUNDS[1]
    assert fitted != 1.0


def test_the_served_model_needs_no_torch_scikit_learn_or_skops(
    frozen: IntentClassifier, frozen_dir: Path, rows: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = rows
    texts = list(test["text"][:40])
    files = {str(p.relative_to(frozen_dir)) for p in frozen_dir.rglob("*") if p.is_file()}
    assert files == {
        "manifest.json",
        "head.safetensors",
        "onnx/model.onnx",
        "onnx/settings.json",
        "onnx/tokenizer.json",
    }
    script = (
        "import json, sys\n"
        "from colloquy.models.intent import IntentClassifier\n"
        f"model = IntentClassifier.load({str(frozen_dir)!r})\n"
        f"proba = model.predict_proba({texts!r})\n"
        "heavy = ('torch', 'sklearn', 'skops', 'scipy', 'transformers', 'sentence_transformers')\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & set(heavy))\n"
        "print(json.dumps({'proba': proba.tolist(), 'loaded': loaded}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["loaded"] == []
    served = np.asarray(result["proba"])
    reference = frozen.predict_proba(texts)
    assert (served.argmax(1) == reference.argmax(1)).mean() >= 0.95
    assert np.abs(served - reference).max() < 0.2, "int8 vectors stay close to torch's"
    torch_loaded = IntentClassifier.load(frozen_dir, backend="torch")
    np.testing.assert_allclose(torch_loaded.predict_proba(texts), reference, atol=1e-5)


def test_out_of_scope_rows_tune_a_threshold(rows: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = rows
    unrelated = [
        "what's the weather like in Lisbon tomorrow",
        "recommend a good pizza place nearby",
        "how tall is the Eiffel tower",
        "play some jazz music",
        "who won the football match last night",
        "translate good morning into Japanese",
    ] * 4
    texts = [*train["text"], *unrelated]
    labels = [*train["category"], *(["oos"] * len(unrelated))]
    model = IntentClassifier(method="tfidf", oos_label="oos").fit(texts, labels)
    assert "oos" not in model.classes_
    assert model.threshold_ is not None
    assert 0.0 < model.threshold_ < 1.0
    assert model.predict(["set an alarm for six and tell me a joke about penguins"])[0] == "oos"
    assert model.predict(["my card still hasn't arrived"])[0] == "card_arrival"


def test_save_and_load_round_trip(rows: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    train, test = rows
    model = IntentClassifier(method="tfidf").fit(train["text"], train["category"])
    manifest = model.save(tmp_path / "model", metrics={"note": 1})
    assert manifest["format"] == "colloquy-intent"
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "manifest.json",
        "tfidf.json",
        "tfidf.safetensors",
        "tfidf_head.safetensors",
    ]
    loaded = IntentClassifier.load(tmp_path / "model")
    assert np.allclose(loaded.predict_proba(test["text"]), model.predict_proba(test["text"]))
    assert list(tmp_path.iterdir()) == [tmp_path / "model"]


@pytest.mark.parametrize("head", ["svm", "mlp"])
def test_every_head_is_served_as_plain_arrays_with_the_same_predictions(
    head: str, rows: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    train, test = rows
    model = IntentClassifier(method="tfidf", head=head).fit(train["text"], train["category"])  # type: ignore[arg-type]
    model.save(tmp_path / "model")
    loaded = IntentClassifier.load(tmp_path / "model")
    np.testing.assert_allclose(
        loaded.predict_proba(test["text"]), model.predict_proba(test["text"]), atol=1e-5
    )


def test_saving_never_destroys_what_is_not_a_model(
    rows: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    train, _ = rows
    model = IntentClassifier(method="tfidf").fit(train["text"], train["category"])
    work = tmp_path / "work"
    work.mkdir()
    (work / "train.csv").write_text("text,category\n", encoding="utf-8")
    with pytest.raises(ArtifactError, match=f"{work} is a folder that is not empty"):
        model.save(work, overwrite=True)
    assert (work / "train.csv").is_file()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    with pytest.raises(ArtifactError, match="is an existing file"):
        model.save(a_file, overwrite=True)
    assert a_file.read_text(encoding="utf-8") == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    model.save(empty)
    with pytest.raises(ArtifactError, match="already holds a colloquy model"):
        model.save(empty)
    model.save(empty, metrics={"again": True}, overwrite=True)
    assert IntentClassifier.load(empty).fit_report_ == {"again": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "notes.txt", "work"]


def test_clone_gives_an_unfitted_copy_with_the_same_parameters(
    rows: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, test = rows
    model = IntentClassifier(method="tfidf", C=3.0, seed=2).fit(train["text"], train["category"])
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not hasattr(twin, "classes_")
    twin.fit(train["text"], train["category"])
    np.testing.assert_allclose(twin.predict_proba(test["text"]), model.predict_proba(test["text"]))
    assert twin.set_params(C=1.0).C == 1.0
    with pytest.raises(UsageError, match="no parameter 'c'"):
        twin.set_params(c=1.0)


@pytest.mark.parametrize(
    ("texts", "labels", "pattern"),
    [
        (["a", "", "c", "d"], ["x", "y", "x", "y"], "empty texts"),
        (["a", "b"], ["x", "x"], "at least 2 are needed"),
        (["a", "b"], ["x"], "2 texts but 1 labels"),
    ],
)
def test_bad_training_data(texts: list[str], labels: list[str], pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        IntentClassifier(method="tfidf").fit(texts, labels)


def test_an_out_of_scope_label_absent_from_the_data_is_refused(
    rows: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, _ = rows
    with pytest.raises(DataError, match=r"'oos' is not among the training labels \('card_arr"):
        IntentClassifier(method="tfidf", oos_label="oos").fit(train["text"], train["category"])


def test_empty_texts_are_refused_at_prediction(rows: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = rows
    model = IntentClassifier(method="tfidf").fit(train["text"], train["category"])
    with pytest.raises(DataError, match=r"2 empty or whitespace-only .* position\(s\) 1, 3"):
        model.predict(["my card is lost", "", "pin blocked", " \t\n"])
    with pytest.raises(UsageError, match="one string"):
        model.predict_proba("my card is lost")


def test_incompatible_and_corrupt_directories(
    rows: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    train, _ = rows
    IntentClassifier(method="tfidf").fit(train["text"], train["category"]).save(tmp_path / "m")
    with pytest.raises(NotFoundError):
        IntentClassifier.load(tmp_path / "absent")
    future = tmp_path / "future"
    shutil.copytree(tmp_path / "m", future)
    manifest = json.loads((future / "manifest.json").read_text())
    manifest["format_version"] = 99
    manifest["sha256"] = manifest_digest(manifest)
    (future / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="format 99"):
        IntentClassifier.load(future)
    corrupt = tmp_path / "corrupt"
    shutil.copytree(tmp_path / "m", corrupt)
    (corrupt / "tfidf.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ArtifactError, match=r"tfidf\.safetensors is not the file that was saved"):
        IntentClassifier.load(corrupt)
    manifest = json.loads((corrupt / "manifest.json").read_text())
    manifest["files"]["tfidf.safetensors"] = hashlib.sha256(b"not safetensors").hexdigest()
    manifest["sha256"] = manifest_digest(manifest)
    (corrupt / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=r"tfidf\.safetensors is corrupt"):
        IntentClassifier.load(corrupt)
    (corrupt / "manifest.json").write_text("{")
    with pytest.raises(ArtifactError, match="corrupt"):
        IntentClassifier.load(corrupt)


def test_label_names_become_training_examples(rows: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = rows
    few = train.groupby("category").head(2)
    model = IntentClassifier(method="tfidf", label_examples=True).fit(few["text"], few["category"])
    assert model.predict(["exchange rate"])[0] == "exchange_rate"
    assert model.predict(["pin blocked"])[0] == "pin_blocked"
