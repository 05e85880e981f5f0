"""What a served colloquy model takes and returns: MLflow signatures and input examples.

One row per text, conversation or table row (``dataframe_records`` in a request):

==============  =======================================  ================================
kind            input columns                            output columns
==============  =======================================  ================================
intent          ``text`` (string)                        ``label``, ``confidence``
conversion      ``conversation`` (a Conversation JSON)   ``probability``, ``label`` (0/1)
classification  the model's feature columns, typed as    ``label``, ``confidence``
                training read them (numeric: double)
==============  =======================================  ================================

A classification model's columns come from the input schema saved in its manifest; a
custom preprocessing function it names is recorded as trusted in the pyfunc's
``model_config`` (whoever logs a model trained with it trusts it), so serving imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from colloquy.errors import ArtifactError
from colloquy.models.artifacts import MANIFEST, read_manifest
from colloquy.tracking.base import ARTIFACT_KINDS, ModelKind

__all__ = ["ARTIFACT_KINDS", "input_example", "model_config", "pyfunc_signature"]

_EXAMPLE_TEXT = "I am still waiting for my new card to arrive"
_EXAMPLE_CONVERSATION = (
    '{"id": "example-1", "source": "example", "turns": ['
    '{"index": 0, "speaker": "agent", "text": "Hello, how can I help you today?"}, '
    '{"index": 1, "speaker": "customer", "text": "I would like to hear about the offer."}]}'
)
_LABEL_CONFIDENCE = Schema([ColSpec("string", "label"), ColSpec("double", "confidence")])


def _manifest(model_dir: Path, kind: ModelKind) -> dict[str, Any]:
    return read_manifest(model_dir, kind=ARTIFACT_KINDS[kind])


def _tabular_schema(model_dir: Path) -> Any:
    from colloquy.models.tabular.schema import InputSchema

    manifest = _manifest(model_dir, "classification")
    return InputSchema.from_json(manifest.get("input_schema"), where=model_dir / MANIFEST)


def _column_type(kind: str, dtype: str) -> str:
    """The MLflow type of a feature column: numbers as double, others as training read them."""
    if kind == "numeric" or dtype.startswith(("float", "Float")):
        return "double"
    if dtype.startswith(("int", "Int", "uint", "UInt")):
        return "long"
    if dtype in ("bool", "boolean"):
        return "boolean"
    return "string"


def pyfunc_signature(kind: ModelKind, model_dir: Path) -> ModelSignature:
    """The input and output columns of the served model in ``model_dir``."""
    if kind == "intent":
        return ModelSignature(inputs=Schema([ColSpec("string", "text")]), outputs=_LABEL_CONFIDENCE)
    if kind == "conversion":
        return ModelSignature(
            inputs=Schema([ColSpec("string", "conversation")]),
            outputs=Schema([ColSpec("double", "probability"), ColSpec("long", "label")]),
        )
    columns = _tabular_schema(model_dir).columns
    inputs = Schema([ColSpec(_column_type(c.kind, c.dtype), c.name) for c in columns])
    return ModelSignature(inputs=inputs, outputs=_LABEL_CONFIDENCE)


def input_example(kind: ModelKind, model_dir: Path) -> pd.DataFrame:
    """One request row the model answers (MLflow checks it when the model is logged)."""
    if kind == "intent":
        return pd.DataFrame({"text": [_EXAMPLE_TEXT]})
    if kind == "conversion":
        return pd.DataFrame({"conversation": [_EXAMPLE_CONVERSATION]})
    row: dict[str, object] = {}
    for column in _tabular_schema(model_dir).columns:
        kind_of = _column_type(column.kind, column.dtype)
        if column.categories and kind_of == "string":
            row[column.name] = column.categories[0]
        elif kind_of in ("double", "long"):
            row[column.name] = 0.0 if kind_of == "double" else 0
        elif kind_of == "boolean":
            row[column.name] = False
        else:
            row[column.name] = "example"
    return pd.DataFrame([row])


def model_config(kind: ModelKind, model_dir: Path) -> dict[str, Any]:
    """The pyfunc ``model_config``: the kind, and a tabular model's trusted functions."""
    config: dict[str, Any] = {"kind": kind}
    if kind == "classification":
        preprocessing = _manifest(model_dir, kind).get("preprocessing") or {}
        custom = preprocessing.get("custom") if isinstance(preprocessing, dict) else None
        if not isinstance(custom, list):
            custom = []
        names = [item.get("function") for item in custom if isinstance(item, dict)]
        if not all(isinstance(name, str) for name in names):
            raise ArtifactError(f"{model_dir / MANIFEST}: a custom function is malformed")
        config["trusted_functions"] = sorted(set(names))
    return config
