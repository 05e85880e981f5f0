"""What one tuning trial does: train with the trial's parameters on the training rows and
score the validation rows. Module-level and picklable, so worker processes (spawned)
rebuild the same objective from its fields.

A trial's parameters are dotted names. For intent models: ``C`` (or ``head.C``),
``tfidf_weight``, ``head``, ``method``, ``label_examples`` and ``encoder`` (or ``model``,
the sentence encoder's name). For the classification task: the trainer's own parameters,
as ``trainer.NAME`` or ``NAME``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from colloquy.pipelines.components.frames import LABEL, TEXT, read_split

if TYPE_CHECKING:
    from colloquy.pipelines.intent import IntentTrainingConfig
    from colloquy.pipelines.tuning.records import TrialRun

INTENT_KEYS = {
    "C": "C",
    "head.C": "C",
    "tfidf_weight": "tfidf_weight",
    "head": "head",
    "method": "method",
    "label_examples": "label_examples",
    "encoder": "model",
    "model": "model",
}
METRICS = ("accuracy", "macro_f1", "weighted_f1")


def intent_config(
    base: Mapping[str, Any], params: Mapping[str, Any], seed: int
) -> IntentTrainingConfig:
    """The intent training configuration of one trial (or of the best one)."""
    from colloquy.pipelines.intent import IntentTrainingConfig

    chosen = {INTENT_KEYS[name]: value for name, value in params.items()}
    return IntentTrainingConfig.model_validate({**base, **chosen, "seed": seed})


def trainer_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A classification trial's parameters as the trainer's own names."""
    return {name.removeprefix("trainer."): value for name, value in params.items()}


def score(metric: str, truth: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import accuracy_score, f1_score

    if metric == "accuracy":
        return float(accuracy_score(truth, predicted))
    average = "macro" if metric == "macro_f1" else "weighted"
    return float(f1_score(truth, predicted, average=average, zero_division=0))


@dataclass(frozen=True)
class IntentObjective:
    """Fits an intent classifier per trial; the embedding cache makes repeated encoders
    cost a head fit only."""

    splits: Path
    base: Mapping[str, Any]
    metric: str
    cache_path: Path
    oos_label: str | None = None

    def __call__(self, run: TrialRun) -> float:
        from colloquy.models.intent import IntentClassifier

        config = intent_config(self.base, run.params, run.seed)
        train = read_split(self.splits, "train")
        validation = read_split(self.splits, "validation")
        classifier = IntentClassifier(
            method=config.method,
            head=config.head,
            model=config.model,
            C=config.C,
            tfidf_weight=config.tfidf_weight if config.tfidf_weight is not None else "auto",
            oos_label=self.oos_label,
            oos_holdout=config.oos_holdout,
            label_examples=config.label_examples,
            contrastive=config.contrastive.model_copy(update={"seed": config.seed}),
            cache_path=self.cache_path,
            seed=config.seed,
        )
        classifier.fit(train[TEXT].astype(str).tolist(), train[LABEL].astype(str).tolist())
        proba = classifier.predict_proba(validation[TEXT].astype(str).tolist())
        predicted = [str(label) for label in classifier.decide(proba)]
        value = score(self.metric, validation[LABEL].astype(str).tolist(), predicted)
        run.on_iteration(0, value)
        return value


@dataclass(frozen=True)
class ClassificationObjective:
    """Fits the tabular model per trial; iterative trainers report every round or epoch
    to the pruner through ``run.on_iteration``."""

    splits: Path
    config_json: str
    metric: str

    def __call__(self, run: TrialRun) -> float:
        from colloquy.models.tabular import ClassificationTaskConfig, fit_and_score

        config = ClassificationTaskConfig.model_validate_json(self.config_json)
        config = config.model_copy(
            update={"trainer": config.trainer.with_params(**trainer_params(run.params))}
        )
        train = read_split(self.splits, "train")
        validation = read_split(self.splits, "validation")
        _, metrics = fit_and_score(
            config, train, validation, seed=run.seed, on_iteration=run.on_iteration, n_bootstrap=10
        )
        return float(getattr(metrics, self.metric))
