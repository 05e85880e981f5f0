"""``tune: optuna``: an Optuna study over the training parameters, then the best trial
refitted on the full training data (training + validation rows) as the stage's model.

The parameters are a :class:`~colloquy.pipelines.tuning.TuneConfig` (trials, sampler,
pruner, metric, search space) plus the study ``storage`` (default: beside the project
database, so SQLite by default and PostgreSQL to share one study between workers) and
``base``, the training parameters every trial starts from. The study is named after the
pipeline and the run (or ``study``), so a resumed run continues its own study: trials a
killed process left running are failed and redone, finished ones are kept.
"""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, ValidationError

from colloquy.errors import ColloquyError
from colloquy.pipelines.components.base import (
    MODEL,
    SPLITS,
    STUDY,
    CheckContext,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.train_classification import (
    ClassificationParams,
    check_params,
    fit_classification,
    task_config,
)
from colloquy.pipelines.components.train_intent import MODEL_DIR, fit_intent
from colloquy.pipelines.components.tune_objectives import (
    INTENT_KEYS,
    METRICS,
    ClassificationObjective,
    IntentObjective,
    intent_config,
    trainer_params,
)
from colloquy.pipelines.spec.data import ClassificationData, TextData
from colloquy.pipelines.spec.schema import Task
from colloquy.pipelines.tuning import TuneConfig
from colloquy.progress import emit
from colloquy.schema.conversation import JsonValue

if TYPE_CHECKING:
    from colloquy.pipelines.tuning.records import Objective, StudyResult, TrialRecord


class TuneParams(TuneConfig):
    """A study's settings, where it is stored, and the parameters trials start from."""

    storage: str | None = Field(
        default=None,
        description="Study storage database URL; empty: beside the project database "
        "(SQLite file, or the PostgreSQL database in its own schema)",
    )
    base: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="Training parameters every trial starts from (the train stage's params)",
    )


def study_config(params: TuneParams, seed: int) -> TuneConfig:
    """The Optuna study's own settings, seeded by the pipeline."""
    fields = params.model_dump(exclude={"storage", "base"})
    return TuneConfig.model_validate({**fields, "seed": seed})


class TuneOptuna(Component):
    stage = "tune"
    tasks: ClassVar[tuple[Task, ...]] = ("intent", "classification")
    params_model = TuneParams
    requires = (SPLITS,)
    provides = (MODEL, STUDY)

    def check(self, context: CheckContext) -> None:
        params = context.typed(TuneParams)
        key = ("stages", "tune", "params")
        if params.metric not in METRICS:
            raise context.fail(
                (*key, "metric"),
                f"metric {params.metric!r} is not scored on validation rows",
                f"use one of {', '.join(METRICS)}",
            )
        for name in params.space:
            if context.pipeline.task == "intent" and name not in INTENT_KEYS:
                raise context.fail(
                    (*key, "space", name),
                    f"{name!r} is not a parameter of the intent model",
                    f"tune one of {', '.join(INTENT_KEYS)}",
                )
        _check_base(context, params)
        _check_storage(context, params)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        from colloquy.pipelines.tuning.storage import redact, study_storage_url

        params = context.typed(TuneParams)
        config = study_config(params, context.pipeline.seed)
        storage = study_storage_url(params.storage or context.settings.resolved_database_url)
        name = params.study or f"{context.pipeline.name}-{context.run_id}"
        objective = _objective(context, params, inputs)
        result = _study(context, objective, config, storage, name, params.study)
        if result.best_number is None:
            raise ColloquyError(
                f"study {name} finished no trial", hint="look at the failed trials' errors"
            )
        best = dict(result.best_params)
        output = context.output / MODEL_DIR
        if isinstance(context.pipeline.data, TextData):
            chosen = intent_config(params.base, best, context.pipeline.seed)
            refit = fit_intent(context, inputs.directory(SPLITS), chosen, output)
        else:
            base = ClassificationParams.model_validate(params.base)
            trainer = base.trainer.with_params(**trainer_params(best))
            tuned = base.model_copy(update={"trainer": trainer})
            refit = fit_classification(context, inputs.directory(SPLITS), tuned, output)
        metrics = {
            **refit.metrics,
            "best_validation_score": float(result.best_value or 0.0),
            "trials_complete": float(result.n_complete),
            "trials_pruned": float(result.n_pruned),
        }
        info = {
            **refit.info,
            "study": name,
            "storage": redact(storage),
            "best_trial": result.best_number,
            "best_params": json.dumps(best, sort_keys=True),
        }
        return StageOutput(metrics=metrics, info=info)


def _objective(context: StageContext, params: TuneParams, inputs: StageInputs) -> Objective:
    data = context.pipeline.data
    splits = inputs.directory(SPLITS)
    if isinstance(data, TextData):
        return IntentObjective(
            splits, dict(params.base), params.metric, context.embedding_cache, data.oos_label
        )
    assert isinstance(data, ClassificationData)
    config = task_config(data, ClassificationParams.model_validate(params.base))
    return ClassificationObjective(splits, config.model_dump_json(), params.metric)


def _study(
    context: StageContext,
    objective: Objective,
    config: TuneConfig,
    storage: str,
    name: str,
    explicit: str | None,
) -> StudyResult:
    from colloquy.pipelines.tuning.study import run_study
    from colloquy.pipelines.tuning.workers import run_study_workers

    if config.workers > 1:
        factory = partial(_same, objective)
        return run_study_workers(factory, config, storage, name, config.workers)
    finished = [0]
    tracker = context.tracker

    def on_trial(trial: TrialRecord) -> None:
        finished[0] += 1
        emit(context.progress, "tuning", finished[0], config.n_trials, unit="trials")
        if tracker is not None and trial.value is not None:
            tracker.log_metrics({"tune.trial_value": trial.value}, step=trial.number)

    # A study named in the file or by `--study` may be shared with other machines: join it
    # without failing their running trials (Optuna's heartbeat fails dead ones).
    owner = explicit is None
    return run_study(objective, config, storage, name, progress=on_trial, owner=owner)


def _same(objective: Objective) -> Objective:
    """The objective factory of worker processes: the pickled objective itself."""
    return objective


def _check_base(context: CheckContext, params: TuneParams) -> None:
    key = ("stages", "tune", "params", "base")
    try:
        if context.pipeline.task == "intent":
            intent_config(params.base, {}, 0)
        else:
            check_params(context, ClassificationParams.model_validate(params.base), key)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = (*key, *(str(part) for part in first["loc"]))
        raise context.fail(where, first["msg"], "see docs/pipelines.md#train") from None


def _check_storage(context: CheckContext, params: TuneParams) -> None:
    """A PostgreSQL (or other server) study storage must answer before any work."""
    from colloquy.pipelines.tuning.storage import open_storage, study_storage_url

    url = params.storage or context.settings.resolved_database_url
    if url.startswith("sqlite"):
        return
    key = ("stages", "tune", "params", "storage") if params.storage else ("stages", "tune")
    try:
        open_storage(study_storage_url(url))
    except ColloquyError as exc:
        raise context.fail(key, exc.message, exc.hint or "check the database URL") from None
