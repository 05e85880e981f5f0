"""Logged colloquy models load as MLflow pyfunc models and answer as colloquy does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import Model
from mlflow.pyfunc import PyFuncModel
from mlflow.tracking._tracking_service.utils import _use_tracking_uri

from colloquy.errors import ArtifactError, DataError
from colloquy.models.tabular import (
    CustomTransform,
    FeatureSpec,
    PreprocessingConfig,
    TabularModel,
    TrainerSpec,
)
from colloquy.pipelines.conversion import LabelledConversations
from colloquy.pipelines.conversion_model import ConversionModel
from colloquy.pipelines.intent import IntentModel
from colloquy.tracking import MlflowTracker
from colloquy.tracking.mlflow_tracker import MlflowTrackedRun
from colloquy.tracking.pyfunc import COLLOQUY_ARTIFACT

TEXTS = ["my card still has not arrived", "what exchange rate do you use", "my pin is blocked"]


@pytest.fixture
def run(tracking_uri: str) -> Iterator[MlflowTrackedRun]:
    with MlflowTracker(tracking_uri, "unit").start_run() as opened:
        yield opened


def load(tracking_uri: str, model_uri: str) -> PyFuncModel:
    with _use_tracking_uri(tracking_uri):
        loaded = mlflow.pyfunc.load_model(model_uri)
    assert isinstance(loaded, PyFuncModel)
    return loaded


def frame_of(answer: object) -> pd.DataFrame:
    assert isinstance(answer, pd.DataFrame)
    return answer


def test_an_intent_model_answers_like_colloquy(
    tracking_uri: str, run: MlflowTrackedRun, intent_model_dir: Path
) -> None:
    logged = run.log_model(intent_model_dir, "intent", name="intent-model")
    assert logged.model_uri == f"models:/{logged.model_id}"
    assert (logged.run_id, logged.kind, logged.name) == (run.run_id, "intent", "intent-model")
    pyfunc = load(tracking_uri, logged.model_uri)
    answer = frame_of(pyfunc.predict(pd.DataFrame({"text": TEXTS})))
    expected = IntentModel.load(intent_model_dir).predict(TEXTS)
    assert list(answer.columns) == ["label", "confidence"]
    assert answer["label"].tolist() == [p.intent for p in expected]
    assert answer["confidence"].tolist() == [p.confidence for p in expected]

    info = pyfunc.metadata
    assert info.signature is not None
    assert info.signature.inputs.input_names() == ["text"]
    assert info.signature.outputs.input_names() == ["label", "confidence"]
    assert info.saved_input_example_info is not None
    stored = MlflowClient(tracking_uri).get_logged_model(str(logged.model_id))
    assert stored.source_run_id == run.run_id
    with pytest.raises(MlflowException, match=r"missing inputs \['text'\]"):
        pyfunc.predict(pd.DataFrame({"message": TEXTS}))
    inner = pyfunc.unwrap_python_model()  # type: ignore[no-untyped-call]
    with pytest.raises(DataError, match="no column 'text'"):
        inner.predict(None, pd.DataFrame({"message": TEXTS}))
    with pytest.raises(DataError, match="row 2: column 'text' holds int"):
        inner.predict(None, pd.DataFrame({"text": ["hello", 3]}))
    with pytest.raises(DataError, match="text 2 of 2 is empty"):
        pyfunc.predict(pd.DataFrame({"text": ["hello", "  "]}))


def test_the_logged_model_holds_the_colloquy_directory_and_no_pickle(
    tracking_uri: str,
    run: MlflowTrackedRun,
    intent_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    logged = run.log_model(intent_model_dir, "intent")
    assert list(cwd.iterdir()) == []
    client = MlflowClient(tracking_uri)
    stored = client.get_logged_model(str(logged.model_id))
    assert stored.experiment_id == client.get_run(run.run_id).info.experiment_id
    assert stored.artifact_location.startswith((tmp_path / "mlflow" / "artifacts").as_uri())
    assert str(stored.status) in ("READY", "LoggedModelStatus.READY")
    with _use_tracking_uri(tracking_uri):
        local = Path(mlflow.artifacts.download_artifacts(logged.model_uri, dst_path=str(tmp_path)))
    flavor = Model.load(str(local)).flavors["python_function"]
    inner = local / flavor["artifacts"][COLLOQUY_ARTIFACT]["path"]
    assert (inner / "manifest.json").read_bytes() == (
        intent_model_dir / "manifest.json"
    ).read_bytes()
    assert flavor["config"] == {"kind": "intent"}
    assert not list(local.rglob("*.pkl"))
    requirements = (local / "requirements.txt").read_text(encoding="utf-8")
    assert "colloquy==" in requirements


def test_a_conversion_model_answers_like_colloquy(
    tracking_uri: str,
    run: MlflowTrackedRun,
    conversion_model_dir: Path,
    craigslist: LabelledConversations,
) -> None:
    logged = run.log_model(conversion_model_dir, "conversion")
    pyfunc = load(tracking_uri, logged.model_uri)
    held_out = list(craigslist.conversations[150:160])
    frame = pd.DataFrame({"conversation": [c.model_dump_json() for c in held_out]})
    answer = frame_of(pyfunc.predict(frame))
    expected = ConversionModel.load(conversion_model_dir).probabilities(held_out)
    assert list(answer.columns) == ["probability", "label"]
    assert answer["probability"].tolist() == expected
    assert answer["label"].tolist() == [int(p >= 0.5) for p in expected]
    assert pyfunc.metadata.signature.inputs.input_names() == ["conversation"]

    broken = json.loads(held_out[0].model_dump_json())
    del broken["turns"][0]["speaker"]
    with pytest.raises(DataError, match=r"row 2: .* turns\.0\.speaker"):
        pyfunc.predict(
            pd.DataFrame({"conversation": [frame["conversation"][0], json.dumps(broken)]})
        )


def test_wrong_kinds_are_refused_before_anything_is_logged(
    tracking_uri: str, run: MlflowTrackedRun, intent_model_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match="not colloquy-conversion"):
        run.log_model(intent_model_dir, "conversion")
    with pytest.raises(ArtifactError, match="not colloquy-tabular"):
        run.log_model(intent_model_dir, "classification")
    with pytest.raises(Exception, match="does not exist"):
        run.log_model(tmp_path / "missing", "intent")
    assert (
        MlflowClient(tracking_uri).search_logged_models(
            experiment_ids=[MlflowClient(tracking_uri).get_run(run.run_id).info.experiment_id]
        )
        == []
    )


def churn_rows(n: int, seed: int) -> pd.DataFrame:
    """Customers whose churn follows their plan, tenure and complaint (with gaps)."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro", "team"], n)
    tenure = rng.integers(1, 72, n).astype(float)
    note = rng.choice(["slow support again", "happy with the service", "no comment"], n)
    risk = (plan == "basic") * 1.2 + (tenure < 12) * 1.0 + (note == "slow support again")
    frame = pd.DataFrame(
        {
            "tenure": tenure,
            "plan": plan,
            "note": note,
            "churn": (risk + rng.normal(0, 0.5, n) > 1.4).astype(int),
        }
    )
    frame.loc[frame.index % 23 == 0, "plan"] = None
    return frame


def test_a_classification_model_answers_like_colloquy(
    tracking_uri: str, run: MlflowTrackedRun, tmp_path: Path
) -> None:
    features = (
        FeatureSpec(name="tenure", kind="numeric"),
        FeatureSpec(name="plan", kind="categorical"),
        FeatureSpec(name="note", kind="text"),
    )
    # The logger trusts the functions it trained with; serving imports them.
    custom = CustomTransform(function="numpy.log1p", columns=("tenure",))
    model = TabularModel(
        features,
        preprocessing=PreprocessingConfig(custom=(custom,)),
        trainer=TrainerSpec(name="logistic_regression"),
    )
    model.fit(churn_rows(200, seed=1), "churn")
    model_dir = model.save(tmp_path / "churn-model")
    logged = run.log_model(model_dir, "classification")
    pyfunc = load(tracking_uri, logged.model_uri)
    assert pyfunc.metadata.signature.inputs.input_names() == ["tenure", "plan", "note"]
    rows = churn_rows(30, seed=2).drop(columns="churn")
    answer = frame_of(pyfunc.predict(rows))
    assert pyfunc.model_config["trusted_functions"] == ["numpy.log1p"]
    saved = TabularModel.load(model_dir, trusted_functions=["numpy.log1p"])
    proba = saved.predict_proba(rows)
    assert answer["label"].tolist() == saved.predict(rows).tolist()
    assert answer["confidence"].tolist() == proba.max(axis=1).tolist()
    assert set(answer["label"]) == {"0", "1"}
