"""``mlflow models serve`` serves registered colloquy models and answers as colloquy does.

A real intent model (MiniLM encoder, four BANKING77 intents), a real conversion model
(CraigslistBargain) and a tabular classification model are trained, logged, registered as
``champion`` in a SQLite MLflow store, and served one after the other by the ``mlflow``
command on loopback; the answers to ``/invocations`` must equal colloquy's own predictions.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.models.conversion import ConversionPredictor
from colloquy.pipelines.conversion import load_labelled
from colloquy.pipelines.conversion_model import ConversionModel
from colloquy.pipelines.intent import IntentModel, IntentTrainingConfig, train_intent
from colloquy.tracking import MlflowRegistry, MlflowTracker, register_model

pytestmark = pytest.mark.slow

INTENTS = ["card_arrival", "exchange_rate", "pin_blocked", "lost_or_stolen_card"]
STARTUP_LIMIT_S = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(model_uri: str, tracking_uri: str, log: Path) -> Iterator[str]:
    """Run ``mlflow models serve`` for ``model_uri``; yields its base URL; always stops it."""
    port = free_port()
    # mlflow starts ``uvicorn`` by name: the environment's scripts must be on PATH, as they
    # are in an activated virtual environment.
    scripts = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": tracking_uri,
        "HF_HUB_OFFLINE": "1",
        "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    command = [
        sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri,
        "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port), "-w", "1",
    ]  # fmt: skip
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(server, url, log)
        yield url
    finally:
        _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (uvicorn and its worker), SIGKILL if it lingers."""
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def _wait_until_ready(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"mlflow models serve exited {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"mlflow models serve did not start in {STARTUP_LIMIT_S} s:\n{log.read_text()}")


def invoke(url: str, records: list[dict[str, object]]) -> list[dict[str, object]]:
    request = urllib.request.Request(
        f"{url}/invocations",
        data=json.dumps({"dataframe_records": records}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        predictions: list[dict[str, object]] = json.loads(answer.read())["predictions"]
    return predictions


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("mlflow")
    return f"sqlite:///{folder / 'mlflow.db'}", folder / "artifacts"


def _register(tracking_uri: str, root: Path, model_dir: Path, kind: str, name: str) -> None:
    tracker = MlflowTracker(tracking_uri, "serve", artifact_root=root)
    with tracker.start_run(name) as run:
        logged = run.log_model(model_dir, kind)  # type: ignore[arg-type]
    _, decision = register_model(MlflowRegistry(tracking_uri), logged.model_uri, name)
    assert decision.promoted


def test_a_served_intent_model_answers_like_colloquy(
    store: tuple[str, Path], datasets_dir: Path, tmp_path: Path
) -> None:
    tracking_uri, root = store
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    train[train["category"].isin(INTENTS)].groupby("category").head(25).to_csv(
        tmp_path / "train.csv", index=False
    )
    texts = test[test["category"].isin(INTENTS)].groupby("category").head(5)["text"].tolist()
    model_dir = tmp_path / "intent"
    train_intent(
        tmp_path / "train.csv",
        text_column="text",
        label_column="category",
        output=model_dir,
        config=IntentTrainingConfig(),
    )
    _register(tracking_uri, root, model_dir, "intent", "banking-intent")
    expected = IntentModel.load(model_dir).predict(texts)

    with serving("models:/banking-intent@champion", tracking_uri, tmp_path / "serve.log") as url:
        answers = invoke(url, [{"text": text} for text in texts])
    assert [a["label"] for a in answers] == [p.intent for p in expected]
    assert [a["confidence"] for a in answers] == pytest.approx(
        [p.confidence for p in expected], rel=1e-6
    )
    assert len({a["label"] for a in answers}) > 1


def test_a_served_conversion_model_answers_like_colloquy(
    store: tuple[str, Path], datasets_dir: Path, tmp_path: Path
) -> None:
    tracking_uri, root = store
    data = load_labelled("craigslist_bargain", datasets_dir / "craigslist_bargain")
    conversations = list(data.conversations)
    labels = np.asarray(data.labels, dtype=int)
    model = ConversionPredictor(
        blocks=("tfidf", "tfidf_customer", "metadata", "dynamics", "prices"),
        price_reference="listing_price",
        metadata_ratios=[("buyer_target", "listing_price")],
        inner_folds=3,
    ).fit(conversations[:300], labels[:300])
    model_dir = tmp_path / "conversion"
    model.save(model_dir)
    _register(tracking_uri, root, model_dir, "conversion", "deal")
    held_out = conversations[300:320]
    expected = ConversionModel.load(model_dir).probabilities(held_out)

    with serving("models:/deal@champion", tracking_uri, tmp_path / "serve.log") as url:
        answers = invoke(url, [{"conversation": c.model_dump_json()} for c in held_out])
    assert [a["probability"] for a in answers] == pytest.approx(expected, rel=1e-9)
    assert [a["label"] for a in answers] == [int(p >= 0.5) for p in expected]


def test_a_served_classification_model_answers_like_colloquy(
    store: tuple[str, Path], tmp_path: Path
) -> None:
    from colloquy.models.tabular import FeatureSpec, TabularModel, TrainerSpec

    tracking_uri, root = store
    rng = np.random.default_rng(3)
    n = 240
    frame = pd.DataFrame(
        {
            "tenure": rng.integers(1, 72, n).astype(float),
            "seats": rng.integers(1, 50, n),
            "plan": rng.choice(["basic", "pro", "team"], n),
            "note": rng.choice(["slow support again", "happy with the service", "no comment"], n),
        }
    )
    risk = (frame["plan"] == "basic") * 1.2 + (frame["tenure"] < 12) * 1.0
    frame["churn"] = np.where(risk + rng.normal(0, 0.5, n) > 1.0, "churned", "stayed")
    features = (
        FeatureSpec(name="tenure", kind="numeric"),
        FeatureSpec(name="seats", kind="numeric"),
        FeatureSpec(name="plan", kind="categorical"),
        FeatureSpec(name="note", kind="text"),
    )
    model = TabularModel(features, trainer=TrainerSpec(name="random_forest"), seed=0)
    model.fit(frame.iloc[:200], "churn")
    model_dir = model.save(tmp_path / "churn")
    _register(tracking_uri, root, model_dir, "classification", "churn")
    rows = frame.iloc[200:].drop(columns="churn")
    expected = TabularModel.load(model_dir).predict_proba(rows)
    classes = TabularModel.load(model_dir).classes_

    records = json.loads(rows.to_json(orient="records"))
    with serving("models:/churn@champion", tracking_uri, tmp_path / "serve.log") as url:
        answers = invoke(url, records)
    assert [a["label"] for a in answers] == [str(classes[i]) for i in expected.argmax(axis=1)]
    assert [a["confidence"] for a in answers] == pytest.approx(
        expected.max(axis=1).tolist(), rel=1e-9
    )
