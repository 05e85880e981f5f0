"""colloquy models as MLflow pyfunc models, so ``mlflow models serve`` can serve them.

The colloquy model directory is logged unchanged as the pyfunc artifact
:data:`COLLOQUY_ARTIFACT`; loading goes through colloquy's own loaders, which verify every
file's SHA-256 and refuse anything that could run code. The Python side is logged as
*model code* (MLflow's "models from code": a three-line script that imports
:class:`ColloquyPythonModel` from the installed colloquy) rather than as a pickle, so a
registered model holds no serialised Python object. Serving therefore needs colloquy
installed: ``mlflow models serve -m models:/NAME@champion --env-manager local``.

The columns each kind takes and returns are in :mod:`colloquy.tracking.pyfunc_schema`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus
from mlflow.models import Model
from mlflow.pyfunc.model import PythonModel, PythonModelContext

from colloquy import __version__
from colloquy.errors import ArtifactError, DataError, UsageError
from colloquy.tracking.base import ARTIFACT_KINDS, LoggedModel, ModelKind, check_model_dir
from colloquy.tracking.pyfunc_schema import (
    input_example,
    model_config,
    pyfunc_signature,
)

if TYPE_CHECKING:
    from colloquy.models.tabular import TabularModel
    from colloquy.pipelines.conversion_model import ConversionModel
    from colloquy.pipelines.intent import IntentModel

__all__ = [
    "COLLOQUY_ARTIFACT",
    "CONVERSION_THRESHOLD",
    "ColloquyPythonModel",
    "conversion_frame",
    "intent_frame",
    "log_pyfunc",
    "tabular_frame",
]

COLLOQUY_ARTIFACT = "colloquy_model"
"""The pyfunc artifact key under which the colloquy model directory is logged."""
CONVERSION_THRESHOLD = 0.5
"""A conversion's ``label`` is 1 when its probability reaches this."""

_MODEL_CODE = """\
from mlflow.models import set_model

from colloquy.tracking.pyfunc import ColloquyPythonModel

set_model(ColloquyPythonModel())
"""


def log_pyfunc(
    tracking_uri: str, run_id: str, model_dir: Path, kind: ModelKind, name: str = "model"
) -> LoggedModel:
    """Log ``model_dir`` as a pyfunc model of run ``run_id`` in the store at ``tracking_uri``.

    This is ``mlflow.pyfunc.log_model(name=…)`` bound to an explicit run: MLflow's fluent
    API would need ``mlflow.start_run``, whose process-wide active run would leak between
    trackers, so the run is passed to :meth:`mlflow.models.Model.log` and the tracking URI
    is set only for the duration of the call.
    """
    from mlflow.tracking._tracking_service.utils import _use_tracking_uri

    check_model_dir(model_dir, kind)
    client = MlflowClient(tracking_uri=tracking_uri)
    # Created here, in the run's experiment: left to Model.log, the logged model would land
    # in the process's current experiment (the store's Default one).
    created = client.create_logged_model(
        experiment_id=client.get_run(run_id).info.experiment_id,
        name=name,
        source_run_id=run_id,
        model_type=f"colloquy-{kind}",
    )
    try:
        with tempfile.TemporaryDirectory(prefix="colloquy-pyfunc-") as scratch:
            code = Path(scratch) / "colloquy_pyfunc.py"
            code.write_text(_MODEL_CODE, encoding="utf-8")
            with _use_tracking_uri(tracking_uri):
                info = Model.log(
                    artifact_path=None,
                    name=name,
                    flavor=mlflow.pyfunc,
                    run_id=run_id,
                    model_id=created.model_id,
                    python_model=str(code),
                    artifacts={COLLOQUY_ARTIFACT: str(model_dir)},
                    model_config=model_config(kind, model_dir),
                    signature=pyfunc_signature(kind, model_dir),
                    input_example=input_example(kind, model_dir),
                    pip_requirements=[
                        f"colloquy=={__version__}",
                        f"mlflow=={mlflow.__version__}",
                    ],
                )
    except BaseException:
        client.finalize_logged_model(created.model_id, LoggedModelStatus.FAILED)
        raise
    return LoggedModel(
        model_uri=f"models:/{info.model_id}",
        model_id=info.model_id,
        run_id=run_id,
        name=name,
        kind=kind,
    )


class ColloquyPythonModel(PythonModel):
    """The pyfunc face of a colloquy model: loads it once, answers DataFrames."""

    def __init__(self) -> None:
        self.kind: ModelKind | None = None
        self.intent: IntentModel | None = None
        self.conversion: ConversionModel | None = None
        self.tabular: TabularModel | None = None

    def load_context(self, context: PythonModelContext) -> None:
        """Load the logged colloquy model with colloquy's verifying loader."""
        config: dict[str, Any] = dict(context.model_config or {})
        kind = config.get("kind")
        directory = Path(context.artifacts[COLLOQUY_ARTIFACT])
        if kind == "intent":
            from colloquy.pipelines.intent import IntentModel

            self.intent = IntentModel.load(directory)
        elif kind == "conversion":
            from colloquy.pipelines.conversion_model import ConversionModel

            self.conversion = ConversionModel.load(directory)
        elif kind == "classification":
            from colloquy.models.tabular import TabularModel

            trusted = config.get("trusted_functions") or []
            self.tabular = TabularModel.load(directory, trusted_functions=tuple(map(str, trusted)))
        else:
            raise ArtifactError(
                f"the pyfunc model's model_config names kind {kind!r}",
                hint=f"expected one of {', '.join(ARTIFACT_KINDS)}; log the model again",
            )
        self.kind = kind

    def predict(
        self,
        context: PythonModelContext | None,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """One output row per input row (columns: :mod:`colloquy.tracking.pyfunc_schema`)."""
        if self.intent is not None:
            return intent_frame(self.intent, _column(model_input, "text"))
        if self.conversion is not None:
            return conversion_frame(self.conversion, _column(model_input, "conversation"))
        if self.tabular is not None:
            return tabular_frame(self.tabular, model_input)
        raise UsageError("the pyfunc model was not loaded", hint="load it with mlflow.pyfunc")


def _column(frame: pd.DataFrame, name: str) -> list[str]:
    if name not in frame.columns:
        raise DataError(
            f"the input has no column {name!r} (columns: {', '.join(map(str, frame.columns))})",
            hint=f"send dataframe_records with a {name!r} field",
        )
    values = frame[name].tolist()
    for row, value in enumerate(values, start=1):
        if not isinstance(value, str):
            raise DataError(
                f"row {row}: column {name!r} holds {type(value).__name__}, not a string",
                hint="send the value as a JSON string",
            )
    return [str(value) for value in values]


def intent_frame(model: IntentModel, texts: list[str]) -> pd.DataFrame:
    """``label`` and ``confidence`` of each text, as colloquy's own predict gives them."""
    predictions = model.predict(texts)
    return pd.DataFrame(
        {
            "label": [p.intent for p in predictions],
            "confidence": [p.confidence for p in predictions],
        }
    )


def conversion_frame(model: ConversionModel, documents: list[str]) -> pd.DataFrame:
    """``probability`` and 0/1 ``label`` of each conversation given as Conversation JSON."""
    from pydantic import ValidationError

    from colloquy.schema import Conversation

    conversations = []
    for row, document in enumerate(documents, start=1):
        try:
            conversations.append(Conversation.model_validate_json(document))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(document)"
            raise DataError(
                f"row {row}: column 'conversation' is not a valid conversation: "
                f"{where}: {first['msg']}",
                hint="send a colloquy Conversation as JSON (id, source, turns)",
            ) from None
    probabilities = model.probabilities(conversations)
    return pd.DataFrame(
        {
            "probability": probabilities,
            "label": [int(p >= CONVERSION_THRESHOLD) for p in probabilities],
        }
    )


def tabular_frame(model: TabularModel, rows: pd.DataFrame) -> pd.DataFrame:
    """``label`` and ``confidence`` of each row, as :meth:`TabularModel.predict` decides."""
    proba = model.predict_proba(rows)
    best = proba.argmax(axis=1)
    return pd.DataFrame(
        {
            "label": [str(model.classes_[i]) for i in best],
            "confidence": [float(row[i]) for row, i in zip(proba, best, strict=True)],
        }
    )
