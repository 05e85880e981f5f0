"""A model's own reference snapshot, taken by the pipeline that trains and registers it.

When a pipeline's evaluate stage has scored a freshly trained model, the statistics of
the rows it was trained on (per feature, per text field, the label mix) and of its
held-out predictions (the prediction mix, the confidence distribution) become the
model's reference: a ``reference.json`` in the stage's folder, so a cached re-run keeps
exactly the snapshot of that model, and a row ``model:NAME`` in the store. Registering
the model adds ``model:NAME/VERSION`` from the same file, so ``NAME@champion`` finds the
reference of the version the alias points at, not of whatever was trained last.

The held-out predictions, not predictions on the training rows: a model is more
confident on what it learned from, and production data is never that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from colloquy.errors import ColloquyError, NotFoundError, UsageError
from colloquy.logging import get_logger
from colloquy.monitoring.drift.summary import summarize
from colloquy.monitoring.frames import LABEL_FIELD, TEXT_FIELD, TIME_FIELD, conversation_frame
from colloquy.monitoring.reference import (
    ReferenceSnapshot,
    build_snapshot,
    read_snapshot,
    store_snapshot,
    write_snapshot,
)

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.schema.conversation import Conversation
    from colloquy.storage.store import Store

PREFIX = "model:"
REFERENCE_FILE = "reference.json"
PREDICTION_FIELD = "prediction"
CONFIDENCE_FIELD = "confidence"
OUTCOME_FIELD = "converted"
BATCH_MARKER = "model_version"
BATCH_COLUMNS = ("row_number", "row_id", "model_name", "model_version")


@dataclass(frozen=True, slots=True)
class RecordedReference:
    """Where a model's snapshot went: always its file; the store unless it was unreachable."""

    names: tuple[str, ...]
    path: Path
    stored: bool
    error: str | None = None

    def describe(self) -> str:
        """One line for a stage's record."""
        if self.stored:
            return ", ".join(self.names)
        return f"{self.path} only (not stored: {self.error})"


def reference_name(model: str, version: int | None = None) -> str:
    """The stored name of a model's reference: ``model:NAME`` or ``model:NAME/VERSION``."""
    return f"{PREFIX}{model}" if version is None else f"{PREFIX}{model}/{version}"


def model_snapshot(
    model: str,
    training: pd.DataFrame,
    *,
    source: str,
    text_fields: tuple[str, ...] = (),
    label_field: str | None = None,
    predictions: Sequence[str] | None = None,
    confidence: Sequence[float] | None = None,
    seed: int = 0,
) -> ReferenceSnapshot:
    """The training rows summarised, plus the mix of held-out ``predictions`` and the
    distribution of their ``confidence`` (each a feature of its own)."""
    snapshot = build_snapshot(
        reference_name(model),
        training,
        source=source,
        text_fields=text_fields,
        label_field=label_field,
        seed=seed,
    )
    extra = []
    if predictions is not None:
        column = pd.Series(list(predictions), dtype="object")
        extra.append(summarize(PREDICTION_FIELD, column, kind="categorical"))
    if confidence is not None:
        values = pd.Series(np.asarray(confidence, dtype=np.float64))
        extra.append(summarize(CONFIDENCE_FIELD, values, kind="numeric", seed=seed))
    taken = {f.name for f in extra}
    features = tuple(f for f in snapshot.features if f.name not in taken) + tuple(extra)
    return ReferenceSnapshot(
        name=snapshot.name,
        source=snapshot.source,
        created_at=snapshot.created_at,
        rows=snapshot.rows,
        features=features,
        texts=snapshot.texts,
        label_field=snapshot.label_field,
        skipped=snapshot.skipped,
    )


def _renamed(snapshot: ReferenceSnapshot, name: str) -> ReferenceSnapshot:
    return ReferenceSnapshot(
        name=name,
        source=snapshot.source,
        created_at=snapshot.created_at,
        rows=snapshot.rows,
        features=snapshot.features,
        texts=snapshot.texts,
        label_field=snapshot.label_field,
        skipped=snapshot.skipped,
    )


def _store_all(settings: Settings, snapshot: ReferenceSnapshot, names: tuple[str, ...]) -> None:
    from colloquy.storage.store import Store

    with Store.open(settings.resolved_database_url) as store:
        for name in names:
            store_snapshot(store, _renamed(snapshot, name))


def record_model_reference(
    settings: Settings, snapshot: ReferenceSnapshot, folder: Path, *, model: str
) -> RecordedReference:
    """Write ``snapshot`` to ``folder/reference.json`` and store it as ``model:NAME``.

    A store that cannot be reached does not fail the training run that called this: the
    file is written, the problem logged, and the record says where the file is.
    """
    path = write_snapshot(snapshot, folder / REFERENCE_FILE)
    names = (reference_name(model),)
    try:
        _store_all(settings, snapshot, names)
    except ColloquyError as exc:
        get_logger(__name__).warning(
            "monitor.reference_not_stored",
            model=model,
            file=str(path),
            error=exc.one_line(),
            hint=f"`colloquy monitor report --reference {path}` reads the file directly",
        )
        return RecordedReference(names, path, stored=False, error=exc.one_line())
    return RecordedReference(names, path, stored=True)


def record_table_model_reference(
    settings: Settings,
    folder: Path,
    *,
    model: str,
    source: str,
    training: pd.DataFrame,
    label_field: str,
    predictions: Sequence[str],
    confidence: Sequence[float] | None = None,
    text_fields: tuple[str, ...] = (),
) -> RecordedReference:
    """The reference of a model trained on ``training`` (its columns, ``label_field``
    among them), with its held-out ``predictions`` and their ``confidence``."""
    snapshot = model_snapshot(
        model,
        training,
        source=source,
        text_fields=text_fields,
        label_field=label_field,
        predictions=predictions,
        confidence=confidence,
    )
    return record_model_reference(settings, snapshot, folder, model=model)


def record_text_model_reference(
    settings: Settings,
    folder: Path,
    *,
    model: str,
    source: str,
    texts: Sequence[str],
    labels: Sequence[str],
    text_field: str,
    label_field: str,
    predictions: Sequence[str],
    confidence: Sequence[float],
) -> RecordedReference:
    """The reference of a text classifier (an intent model): its training texts and label
    mix, named as the training data names them."""
    training = pd.DataFrame({text_field: list(texts), label_field: list(labels)})
    return record_table_model_reference(
        settings,
        folder,
        model=model,
        source=source,
        training=training,
        label_field=label_field,
        predictions=predictions,
        confidence=confidence,
        text_fields=(text_field,),
    )


def record_conversation_model_reference(
    settings: Settings,
    folder: Path,
    *,
    model: str,
    source: str,
    conversations: Iterable[Conversation],
    outcomes: Sequence[bool],
    probability: Sequence[float],
) -> RecordedReference:
    """The reference of a conversion model: its training conversations as the rows a
    drift report reads from a stored dataset (dynamics, metadata, channel, first customer
    text), the outcome mix, and the held-out predicted outcome and probability."""
    training = conversation_frame(conversations).drop(columns=[TIME_FIELD], errors="ignore")
    training[OUTCOME_FIELD] = [str(bool(o)) for o in outcomes]
    texts = (TEXT_FIELD,) if TEXT_FIELD in training.columns else ()
    return record_table_model_reference(
        settings,
        folder,
        model=model,
        source=source,
        training=training,
        label_field=OUTCOME_FIELD,
        predictions=[str(bool(p >= 0.5)) for p in probability],
        confidence=probability,
        text_fields=texts,
    )


def record_registered_reference(
    settings: Settings, evaluation: Path, *, model: str, version: int
) -> RecordedReference | None:
    """Store the snapshot the evaluate stage wrote as ``model:NAME/VERSION`` too;
    ``None`` when that stage wrote none (a custom evaluate component)."""
    path = evaluation / REFERENCE_FILE
    if not path.is_file():
        return None
    snapshot = read_snapshot(path)
    names = (reference_name(model), reference_name(model, version))
    try:
        _store_all(settings, snapshot, names)
    except ColloquyError as exc:
        get_logger(__name__).warning(
            "monitor.reference_not_stored", model=model, version=version, error=exc.one_line()
        )
        return RecordedReference(names, path, stored=False, error=exc.one_line())
    return RecordedReference(names, path, stored=True)


def split_model(ref: str) -> tuple[str, str | None]:
    """``(name, alias_or_version)`` from ``NAME``, ``NAME/VERSION`` or ``NAME@ALIAS``."""
    if "@" in ref:
        name, _, alias = ref.partition("@")
        return name, alias or None
    name, slash, version = ref.rpartition("/")
    if slash and version.isdigit():
        return name, version
    return ref, None


def load_model_reference(
    store: Store, model: str, *, settings: Settings | None = None
) -> ReferenceSnapshot:
    """The reference of ``NAME`` (the latest evaluated), ``NAME/VERSION`` or ``NAME@ALIAS``
    (resolved through the model registry); a model without one is a NotFoundError that
    says how to make it."""
    from colloquy.monitoring.reference import load_stored_snapshot
    from colloquy.storage.monitoring import list_references

    name, which = split_model(model)
    if not name:
        raise UsageError(f"--model {model!r} names no model", hint="use NAME, NAME/3 or NAME@ALIAS")
    version: int | None = None
    if which is not None and which.isdigit():
        version = int(which)
    elif which is not None:
        version = _alias_version(name, which, settings)
    stored = reference_name(name, version)
    if stored not in {row.name for row in list_references(store)}:
        known = sorted(
            row.name.removeprefix(PREFIX)
            for row in list_references(store)
            if row.name.startswith(PREFIX)
        )
        raise NotFoundError(
            f"model {model!r} has no reference snapshot (models with one: "
            f"{', '.join(known) or 'none'})",
            hint="a pipeline's evaluate stage takes it (`colloquy pipeline run FILE`), or make "
            f"one from its training data with `colloquy monitor snapshot {stored}`",
        )
    return load_stored_snapshot(store, stored)


def _alias_version(name: str, alias: str, settings: Settings | None) -> int:
    from colloquy.config import load_settings
    from colloquy.tracking import MlflowRegistry

    chosen = settings or load_settings()
    registry = MlflowRegistry(chosen.resolved_mlflow_tracking_uri)
    version = registry.alias_version(name, alias)
    if version is None:
        raise NotFoundError(
            f"model {name!r} has no version with alias {alias!r}",
            hint=f"see `colloquy models show {name}`",
        )
    return version


def align_columns(snapshot: ReferenceSnapshot, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its columns named as the reference names them.

    A stored dataset's rows call the text ``first_customer_text`` and the label
    ``intent``, where a model trained on a file may say ``text`` and ``label``; the output
    of ``colloquy predict batch`` (intent models) calls the prediction ``intent`` and adds
    row and model bookkeeping, which is dropped.
    """
    renames: dict[str, str] = {}
    if BATCH_MARKER in frame.columns:
        frame = frame.drop(columns=[c for c in BATCH_COLUMNS if c in frame.columns])
        wants_prediction = snapshot.feature(PREDICTION_FIELD) is not None
        if wants_prediction and PREDICTION_FIELD not in frame.columns and "intent" in frame:
            renames["intent"] = PREDICTION_FIELD
    texts = [t.field for t in snapshot.texts if t.field not in frame.columns]
    if len(texts) == 1 and TEXT_FIELD in frame.columns:
        renames[TEXT_FIELD] = texts[0]
    label = snapshot.label_field
    if (
        label is not None
        and label not in frame.columns
        and LABEL_FIELD in frame.columns
        and LABEL_FIELD not in renames
    ):
        renames[LABEL_FIELD] = label
    return frame.rename(columns=renames) if renames else frame
