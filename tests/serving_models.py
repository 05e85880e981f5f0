"""Small real models for the serving and API tests, trained in seconds on real data.

Intent models are TF-IDF models on a few BANKING77 intents (no encoder: seconds to train
and milliseconds to load); the conversion model is a TF-IDF + metadata model on 150
CraigslistBargain negotiations. ``register`` logs a model directory into a real MLflow
SQLite store and registers it, as a pipeline's register stage does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from colloquy.models.conversion import ConversionPredictor
from colloquy.pipelines.conversion import load_labelled
from colloquy.pipelines.intent import IntentTrainingConfig, train_intent

FIRST_INTENTS = ("card_arrival", "exchange_rate", "pin_blocked")
SECOND_INTENTS = ("lost_or_stolen_card", "top_up_failed", "transfer_timing")


def train_intents(
    datasets_dir: Path, output: Path, intents: tuple[str, ...], *, oos: bool = False
) -> Path:
    """A TF-IDF intent model over ``intents`` (30 rows each), optionally with an oos label."""
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    rows = train[train["category"].isin(intents)].groupby("category").head(30)
    if oos:
        extra = ["book a flight to Oslo", "who won the match", "play some jazz", "hi"]
        rows = pd.concat([rows, pd.DataFrame({"text": extra * 4, "category": "oos"})])
    data = output.parent / f"{output.name}.csv"
    rows.to_csv(data, index=False)
    train_intent(
        data,
        text_column="text",
        label_column="category",
        output=output,
        config=IntentTrainingConfig(method="tfidf"),
        oos_label="oos" if oos else None,
    )
    return output


def train_conversion(datasets_dir: Path, output: Path) -> Path:
    """A TF-IDF + metadata conversion model on 150 negotiations (seconds, no encoder)."""
    labelled = load_labelled("craigslist_bargain", datasets_dir / "craigslist_bargain")
    labels = np.asarray(labelled.labels[:150], dtype=int)
    model = ConversionPredictor(
        blocks=("tfidf", "metadata"), price_reference="listing_price", inner_folds=3
    ).fit(list(labelled.conversations[:150]), labels)
    model.save(output)
    return output


def register(tracking_uri: str, artifact_root: Path, model_dir: Path, kind: str, name: str) -> int:
    """Log ``model_dir`` in a run and register it as the next version of ``name``."""
    from colloquy.tracking import MlflowRegistry, MlflowTracker

    tracker = MlflowTracker(tracking_uri, "serving-tests", artifact_root=artifact_root)
    with tracker.start_run(name) as run:
        logged = run.log_model(model_dir, kind)  # type: ignore[arg-type]
    registry = MlflowRegistry(tracking_uri)
    record = registry.register(logged.model_uri, name)
    return record.version
