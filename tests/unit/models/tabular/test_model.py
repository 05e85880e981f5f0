"""The input schema at prediction time, custom functions and their trust, embedded text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.errors import ArtifactError, DataError
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.models.tabular import (
    CustomTransform,
    FeatureSpec,
    PreprocessingConfig,
    TabularModel,
    TextOptions,
    TrainerSpec,
)

from .conftest import CHURN_FEATURES


@pytest.fixture
def fitted(churn: pd.DataFrame) -> TabularModel:
    return TabularModel(CHURN_FEATURES).fit(churn, "churn")


def test_a_missing_column_is_refused_naming_it_and_its_kind(
    fitted: TabularModel, churn: pd.DataFrame
) -> None:
    with pytest.raises(DataError) as caught:
        fitted.predict(churn.drop(columns=["plan"]))
    message = caught.value.one_line()
    assert "column 'plan' (categorical) is missing from the input" in message
    assert "tenure (numeric), monthly (numeric), plan (categorical), note (text)" in message


def test_text_in_a_numeric_column_is_refused(fitted: TabularModel, churn: pd.DataFrame) -> None:
    rows = churn.copy()
    rows["tenure"] = rows["tenure"].astype(object)
    rows.loc[5, "tenure"] = "twelve"
    with pytest.raises(DataError, match="column 'tenure' in the input must be numeric but holds"):
        fitted.predict(rows)


def test_numbers_in_a_text_column_are_refused(fitted: TabularModel, churn: pd.DataFrame) -> None:
    rows = churn.assign(note=np.arange(len(churn)))
    with pytest.raises(DataError, match="column 'note' in the input must be text"):
        fitted.predict(rows)


def test_a_categorical_column_must_keep_the_values_training_saw(
    fitted: TabularModel, churn: pd.DataFrame
) -> None:
    rows = churn.assign(plan=np.arange(len(churn)) % 3)
    with pytest.raises(DataError, match="'plan' in the input is categorical with string values"):
        fitted.predict(rows)


def test_numbers_given_as_strings_and_unseen_categories_are_accepted(
    fitted: TabularModel, churn: pd.DataFrame
) -> None:
    rows = churn.iloc[:10].copy()
    expected = fitted.predict_proba(rows)
    as_text = rows.assign(tenure=rows["tenure"].map(str), extra="ignored")
    assert np.allclose(fitted.predict_proba(as_text), expected)
    unseen = rows.assign(plan="enterprise")
    assert fitted.predict_proba(unseen).shape == (10, 2)


def test_the_schema_records_kinds_families_and_categories(fitted: TabularModel) -> None:
    schema = {column.name: column for column in fitted.input_schema_.columns}
    assert schema["tenure"].family == "number"
    assert schema["note"].kind == "text"
    assert schema["plan"].categories == ("basic", "pro", "team")


def test_a_target_with_one_class_or_gaps_is_refused(churn: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="holds one class only"):
        TabularModel(CHURN_FEATURES).fit(churn.assign(churn=1), "churn")
    gappy = churn.astype({"churn": float})
    gappy.loc[3, "churn"] = np.nan
    with pytest.raises(DataError, match="has 1 missing values"):
        TabularModel(CHURN_FEATURES).fit(gappy, "churn")


def _custom_module(folder: Path) -> str:
    (folder / "h3_custom_steps.py").write_text(
        "def shout(values):\n    return values.str.upper() + '!'\n", encoding="utf-8"
    )
    return "h3_custom_steps.shout"


def test_custom_functions_are_saved_by_path_and_need_trust_to_load(
    churn: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    shout = _custom_module(tmp_path)
    custom = (
        CustomTransform(function="numpy.log1p", columns=("tenure",)),
        CustomTransform(function=shout, columns=("note",)),
    )
    model = TabularModel(CHURN_FEATURES, preprocessing=PreprocessingConfig(custom=custom))
    model.fit(churn, "churn")
    transformer = model.preprocessor_.transformer_
    assert transformer is not None
    vocabulary = transformer.named_transformers_["text_note"].vocabulary_
    assert "support" in vocabulary  # TF-IDF lower-cases what shout() upper-cased
    saved = model.save(tmp_path / "model")
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    assert [c["function"] for c in manifest["preprocessing"]["custom"]] == ["numpy.log1p", shout]

    with pytest.raises(ArtifactError) as caught:
        TabularModel.load(saved, trusted_functions=["numpy.log1p"])
    assert f"applies function {shout!r}, which this call does not trust" in str(caught.value)
    assert f"trusted_functions=[{shout!r}]" in str(caught.value)

    loaded = TabularModel.load(saved, trusted_functions=["numpy.log1p", shout])
    assert np.array_equal(loaded.predict_proba(churn), model.predict_proba(churn))


def test_a_failing_custom_function_names_itself_and_the_column(
    churn: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    shout = _custom_module(tmp_path)
    custom = (CustomTransform(function=shout, columns=("tenure",)),)
    model = TabularModel(CHURN_FEATURES, preprocessing=PreprocessingConfig(custom=custom))
    with pytest.raises(DataError, match=rf"custom\[0\] \({shout}\) failed on column 'tenure'"):
        model.fit(churn, "churn")


def test_an_edited_model_file_is_refused(fitted: TabularModel, tmp_path: Path) -> None:
    saved = fitted.save(tmp_path / "model")
    with (saved / "preprocessor.skops").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ArtifactError, match="SHA-256"):
        TabularModel.load(saved)


def test_text_can_be_embedded_with_a_sentence_encoder(
    churn: pd.DataFrame, torch_embedder: SentenceEmbedder, tmp_path: Path
) -> None:
    options = PreprocessingConfig(text=TextOptions(vectoriser="embedding"))
    features = [FeatureSpec(name="note", kind="text"), FeatureSpec(name="plan", kind="categorical")]
    rows = churn.iloc[:60]
    model = TabularModel(
        features, preprocessing=options, trainer=TrainerSpec(), embedder=torch_embedder
    ).fit(rows, "churn")
    assert model.n_features_ == torch_embedder.dimension + 4  # 3 plans and "missing"
    saved = model.save(tmp_path / "embedded")
    loaded = TabularModel.load(saved, embedder=torch_embedder)
    assert np.allclose(loaded.predict_proba(rows), model.predict_proba(rows))


def test_a_saved_model_cannot_name_an_encoder_to_load(
    churn: pd.DataFrame, torch_embedder: SentenceEmbedder, minilm_dir: Path, tmp_path: Path
) -> None:
    text = TextOptions(vectoriser="embedding", embedder=str(minilm_dir))
    options = PreprocessingConfig(text=text)
    rows = churn.iloc[:30]
    model = TabularModel(
        [FeatureSpec(name="note", kind="text")], preprocessing=options, embedder=torch_embedder
    ).fit(rows, "churn")
    saved = model.save(tmp_path / "local-encoder")
    with pytest.raises(ArtifactError, match=r"not a bundled encoder.*pass embedder="):
        TabularModel.load(saved)


@pytest.mark.parametrize(
    ("options", "width"),
    [
        ({"numeric": {"scaling": "minmax", "impute": "mean"}}, 2 + 4),
        ({"numeric": {"scaling": "none", "impute": "constant", "fill_value": -1}}, 2 + 4),
        ({"numeric": {"scaling": "robust"}, "categorical": {"max_categories": 2}}, 2 + 2),
        ({"categorical": {"min_frequency": 0.25, "impute": "most_frequent"}}, 2 + 3),
    ],
)
def test_preprocessing_options_shape_the_features(
    churn: pd.DataFrame, options: dict[str, object], width: int
) -> None:
    features = [f for f in CHURN_FEATURES if f.kind != "text"]
    config = PreprocessingConfig.model_validate(options)
    model = TabularModel(features, preprocessing=config).fit(churn, "churn")
    assert model.n_features_ == width
    assert np.isfinite(model.predict_proba(churn)).all()
