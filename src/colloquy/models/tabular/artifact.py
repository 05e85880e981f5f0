"""A tabular model directory, in the common format of :mod:`colloquy.models.artifacts`::

    manifest.json        features, preprocessing options (with custom functions' dotted
                         paths), trainer name and parameters, classes, input schema, seed,
                         feature width, embedder identity, the trainer's own fields
    preprocessor.skops   the fitted ColumnTransformer (standard scikit-learn types only)
    estimator.skops      a scikit-learn trainer's estimator, or
    xgboost.json         XGBoost's JSON model, or
    lightgbm.txt         LightGBM's text model, or
    mlp.safetensors      the PyTorch MLP's weights

Nothing in it runs code on load: the skops files are checked against colloquy's exact type
allow-list before they are read, and a custom function is imported only when the caller's
``trusted_functions`` names its exact dotted path.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from colloquy.errors import ArtifactError, ConfigError
from colloquy.features.embeddings import Embedder
from colloquy.features.embeddings.sentence import BUNDLED_NAMES
from colloquy.models.artifacts import (
    MANIFEST,
    ModelDirectory,
    dump_sklearn,
    open_model,
    staged_directory,
    write_model,
)
from colloquy.models.tabular.config import FeatureSpec, PreprocessingConfig, TrainerSpec
from colloquy.models.tabular.functions import trusted_functions_for
from colloquy.models.tabular.model import TabularModel
from colloquy.models.tabular.preprocessing import Preprocessor
from colloquy.models.tabular.schema import InputSchema
from colloquy.models.tabular.trainers import trainer_class

KIND = "tabular"
PREPROCESSOR = "preprocessor.skops"


def save_tabular(model: TabularModel, target: Path, *, overwrite: bool = False) -> Path:
    """Write fitted ``model`` to ``target`` (staged, then renamed into place)."""
    preprocessor = model.preprocessor_
    with staged_directory(target, overwrite=overwrite) as staging:
        if preprocessor.transformer_ is not None:
            dump_sklearn(preprocessor.transformer_, staging / PREPROCESSOR)
        trainer_fields = model.trainer_.save(staging)
        embedder = None
        if preprocessor.embedded:
            used = preprocessor.embedding_model()
            embedder = {"name": model.preprocessing.text.embedder, "model_id": used.model_id}
        write_model(
            staging,
            kind=KIND,
            features=[feature.model_dump(mode="json") for feature in model.features],
            preprocessing=model.preprocessing.model_dump(mode="json"),
            trainer=model.trainer.model_dump(mode="json"),
            trainer_fields=trainer_fields,
            target=model.target_,
            classes=[str(label) for label in model.classes_],
            input_schema=model.input_schema_.to_json(),
            seed=model.seed,
            n_features=model.n_features_,
            embedder=embedder,
        )
    return target.expanduser().parent.resolve() / target.expanduser().name


def load_tabular(
    directory: Path,
    *,
    trusted_functions: Collection[str] = (),
    embedder: Embedder | None = None,
) -> TabularModel:
    """The model saved in ``directory``, every field and file checked before use."""
    folder = open_model(directory, kind=KIND)
    manifest = folder.manifest
    where = folder.path / MANIFEST
    try:
        features = [FeatureSpec.model_validate(item) for item in _list(manifest, "features", where)]
        preprocessing = PreprocessingConfig.model_validate(manifest.get("preprocessing"))
        trainer = TrainerSpec.model_validate(manifest.get("trainer"))
        trainer_class(trainer.name).check_params(trainer.name, trainer.params)
    except (ValidationError, ConfigError) as exc:
        first = str(exc).splitlines()[0]
        raise ArtifactError(f"{where} is malformed: {first}", hint="retrain the model") from None
    functions = trusted_functions_for(preprocessing.custom, trusted_functions, where=str(directory))
    classes = _list(manifest, "classes", where)
    target, seed, width = manifest.get("target"), manifest.get("seed"), manifest.get("n_features")
    if (
        len(classes) < 2
        or not all(isinstance(label, str) for label in classes)
        or len(set(classes)) != len(classes)
        or not isinstance(target, str)
        or not isinstance(seed, int)
        or not isinstance(width, int)
        or width < 1
    ):
        raise ArtifactError(f"{where}: classes, target, seed or n_features are malformed")
    model = TabularModel(
        features,
        preprocessing=preprocessing,
        trainer=trainer,
        seed=seed,
        embedder=embedder,
        functions=functions,
    )
    model.classes_ = np.asarray(classes, dtype=object)
    model.target_ = target
    model.n_features_ = width
    model.input_schema_ = InputSchema.from_json(manifest.get("input_schema"), where=where)
    if model.input_schema_.names != tuple(f.name for f in features):
        raise ArtifactError(f"{where}: input_schema does not match the features", hint="retrain")
    model.preprocessor_ = _preprocessor(folder, model, manifest.get("embedder"))
    fields = manifest.get("trainer_fields")
    if not isinstance(fields, dict):
        raise ArtifactError(f"{where}: 'trainer_fields' is malformed", hint="retrain")
    model.trainer_ = trainer_class(trainer.name).load(
        trainer.name, trainer.params, folder, fields, n_classes=len(classes), n_features=width
    )
    folder.finish()
    return model


def _list(manifest: dict[str, Any], key: str, where: Path) -> list[Any]:
    value = manifest.get(key)
    if not isinstance(value, list) or not value:
        raise ArtifactError(f"{where}: {key!r} is not a non-empty list", hint="retrain the model")
    return value


def _preprocessor(folder: ModelDirectory, model: TabularModel, saved: Any) -> Preprocessor:
    preprocessor = Preprocessor(model.features, model.preprocessing, embedder=model.embedder)
    if folder.has(PREPROCESSOR):
        transformer = folder.read_sklearn(PREPROCESSOR)
        if type(transformer).__name__ != "ColumnTransformer":
            raise ArtifactError(
                f"{folder.path / PREPROCESSOR} holds a {type(transformer).__name__}, "
                "not a ColumnTransformer",
                hint="retrain the model",
            )
        preprocessor.transformer_ = transformer
    if preprocessor.embedded:
        if not isinstance(saved, dict) or not isinstance(saved.get("model_id"), str):
            raise ArtifactError(f"{folder.path / MANIFEST}: 'embedder' is malformed")
        name = model.preprocessing.text.embedder
        if model.embedder is None and name not in BUNDLED_NAMES:
            raise ArtifactError(
                f"{folder.path} embeds text with {name!r}, which is not a bundled encoder; "
                "a model directory cannot choose what colloquy loads",
                hint="pass embedder= (a SentenceEmbedder of that model you trust)",
            )
        found = preprocessor.embedding_model().model_id
        if found != saved["model_id"]:
            raise ArtifactError(
                f"{folder.path} was trained on vectors of {saved['model_id']}, but the "
                f"embedder here gives {found}",
                hint="install the same embedding model, or retrain",
            )
    return preprocessor
