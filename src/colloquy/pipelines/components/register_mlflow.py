"""``register: mlflow``: log the model to the run as a servable MLflow pyfunc model,
register it, and promote it to ``champion`` only when it is significantly better than the
current champion on the same test rows (McNemar), or when forced.

The comparison is made here, at promotion time, not in the (cached) evaluate stage, so a
re-run never compares against a champion that has since changed; it is recorded in the
run. Registration is all or nothing: a failure deletes the version it created and puts
the aliases back (:func:`colloquy.tracking.register_model`). A model already registered
(its version carries the same model key) is not registered again: the stage reports
cached, and ``force`` promotes that version.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from colloquy.errors import ConfigError, NotFoundError
from colloquy.pipelines.components.base import (
    EVALUATION,
    MODEL,
    REGISTERED,
    SPLITS,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.champion import predict_test_labels
from colloquy.pipelines.components.evaluate_intent import PREDICTIONS_FILE
from colloquy.pipelines.components.train_intent import MODEL_DIR
from colloquy.pipelines.spec.schema import Task

if TYPE_CHECKING:
    from colloquy.tracking import ModelKind, ModelRegistry

MODEL_KEY_TAG = "colloquy.model_key"
"""The cache key of the registered model directory: the same key is the same model."""

KINDS: dict[Task, ModelKind] = {
    "intent": "intent",
    "conversion": "conversion",
    "classification": "classification",
}


class RegisterMlflow(Component):
    stage = "register"
    requires = (MODEL, EVALUATION, SPLITS)
    provides = (REGISTERED,)
    cacheable = False

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        from colloquy.tracking import (
            MlflowRegistry,
            compare_with_champion,
            register_model,
            run_tags,
        )

        facts = context.pipeline
        if context.tracker is None:
            raise ConfigError(
                "the register stage needs an MLflow run", hint="enable tracking in the pipeline"
            )
        registry = MlflowRegistry(
            facts.tracking.uri or context.settings.resolved_mlflow_tracking_uri
        )
        name = facts.register.model_name or facts.name
        model_key = inputs.directory(MODEL).name
        force = facts.register.force or context.force_register
        existing = _registered(registry, name, model_key)
        if existing is not None:
            return _reuse(registry, name, existing, force=force)
        evaluated = pd.read_parquet(inputs.directory(EVALUATION) / PREDICTIONS_FILE)
        truth = evaluated["y_true"].astype(str).tolist()
        new = evaluated["y_pred"].astype(str).tolist()
        comparison = None
        champion = _champion(registry, name)
        if champion is not None:
            with tempfile.TemporaryDirectory(prefix="colloquy-champion-") as scratch:
                directory = registry.download(name, champion, Path(scratch))
                old = predict_test_labels(
                    facts.data, directory, inputs.directory(SPLITS), context.home
                )
            comparison = compare_with_champion(truth, new, old, alpha=facts.register.alpha)
        logged = context.tracker.log_model(
            inputs.directory(MODEL) / MODEL_DIR, KINDS[facts.task], name="model"
        )
        tags = {
            **run_tags(dataset_version=context.data_version, run_id=context.run_id),
            MODEL_KEY_TAG: model_key,
        }
        version, decision = register_model(
            registry,
            logged.model_uri,
            name,
            tags=tags,
            comparison=comparison,
            force=force,
        )
        from colloquy.monitoring.model_reference import record_registered_reference

        reference = record_registered_reference(
            context.settings, inputs.directory(EVALUATION), model=name, version=version.version
        )
        metrics = {"version": float(version.version)}
        if comparison is not None:
            metrics.update(comparison.to_metrics())
        return StageOutput(
            metrics=metrics,
            info={
                "model": name,
                "version": version.version,
                "promoted": decision.promoted,
                "forced": decision.forced,
                "previous_champion": decision.previous,
                "reason": decision.reason,
                "model_uri": logged.model_uri,
                "reference": reference.describe() if reference is not None else None,
            },
        )


def _champion(registry: ModelRegistry, name: str) -> int | None:
    """The champion's version, or None when the model or its champion does not exist yet."""
    from colloquy.tracking import CHAMPION

    try:
        return registry.alias_version(name, CHAMPION)
    except NotFoundError:
        return None


def _registered(registry: ModelRegistry, name: str, model_key: str) -> int | None:
    """The version of ``name`` that already holds the model of ``model_key``, if any."""
    try:
        details = registry.show(name)
    except NotFoundError:
        return None
    found = [v.version for v in details.versions if v.tags.get(MODEL_KEY_TAG) == model_key]
    return max(found) if found else None


def _reuse(registry: ModelRegistry, name: str, version: int, *, force: bool) -> StageOutput:
    """An unchanged pipeline registers nothing new: the identical model's version stands
    (promoted now if forced)."""
    from colloquy.tracking import promote

    decision = promote(registry, name, version, None, force=True) if force else None
    return StageOutput(
        metrics={"version": float(version)},
        info={
            "model": name,
            "version": version,
            "promoted": decision.promoted if decision else False,
            "forced": force,
            "reason": decision.reason if decision else f"already registered as version {version}",
        },
        reused=True,
    )
