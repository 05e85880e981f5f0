"""Finding a stage's component: a built-in name, a dotted path, or an entry point.

Built-ins are named per stage (``train: {component: intent}``) and imported only when a
pipeline uses them. A user's own component is given by dotted path
(``component: mypkg.stages:MyTrain`` or ``mypkg.stages.MyTrain``: the pipeline file is the
user's own, so importing what it names is trusted) or published by an installed package
under the entry-point group ``colloquy.components``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass

from colloquy.errors import ConfigError
from colloquy.pipelines.components.base import Component
from colloquy.pipelines.spec.schema import Stage, Task

ENTRY_POINT_GROUP = "colloquy.components"

_PACKAGE = "colloquy.pipelines.components"
BUILTINS: dict[Stage, dict[str, str]] = {
    "ingest": {"table": "ingest_table:IngestTable", "conversations": "ingest_conv:IngestConv"},
    "clean": {"text": "clean_text:CleanText"},
    "split": {"stratified": "split_rows:SplitRows", "grouped": "split_conv:SplitConv"},
    "featurize": {"embeddings": "featurize_embed:FeaturizeEmbeddings"},
    "train": {
        "intent": "train_intent:TrainIntent",
        "conversion": "train_conversion:TrainConversion",
        "classification": "train_classification:TrainClassification",
    },
    "tune": {"optuna": "tune_optuna:TuneOptuna"},
    "evaluate": {
        "intent": "evaluate_intent:EvaluateIntent",
        "conversion": "evaluate_conversion:EvaluateConversion",
        "classification": "evaluate_classification:EvaluateClassification",
    },
    "register": {"mlflow": "register_mlflow:RegisterMlflow"},
    "batch_predict": {"batch": "batch_predict:BatchPredict"},
}
"""Built-in components by stage and name, as ``module:Class`` under this package."""

_DEFAULTS: dict[Task, dict[Stage, str]] = {
    "intent": {"ingest": "table", "split": "stratified", "train": "intent", "evaluate": "intent"},
    "conversion": {
        "ingest": "conversations",
        "split": "grouped",
        "train": "conversion",
        "evaluate": "conversion",
    },
    "classification": {
        "ingest": "table",
        "split": "stratified",
        "train": "classification",
        "evaluate": "classification",
    },
}
_SHARED: dict[Stage, str] = {
    "clean": "text",
    "featurize": "embeddings",
    "tune": "optuna",
    "register": "mlflow",
    "batch_predict": "batch",
}


@dataclass(frozen=True, slots=True)
class ResolvedComponent:
    """A component class and the reference it was found by (part of its cache key)."""

    reference: str
    cls: type[Component]


def default_component(task: Task, stage: Stage) -> str:
    """The built-in name a stage uses when the file names no component."""
    return _DEFAULTS[task].get(stage) or _SHARED[stage]


def resolve_component(stage: Stage, reference: str) -> ResolvedComponent:
    """The component ``reference`` names for ``stage``; a ConfigError (without location:
    the caller adds file and line) when it names nothing usable."""
    builtin = BUILTINS[stage].get(reference)
    if builtin is not None:
        module, _, name = builtin.partition(":")
        return ResolvedComponent(reference, _checked(f"{_PACKAGE}.{module}", name, stage))
    entry = _entry_point(reference)
    if entry is not None:
        module, _, name = entry.partition(":")
        return ResolvedComponent(reference, _checked(module, name, stage))
    if ":" in reference or "." in reference:
        module, sep, name = reference.partition(":")
        if not sep:
            module, _, name = reference.rpartition(".")
        return ResolvedComponent(reference, _checked(module, name, stage))
    names = ", ".join(BUILTINS[stage])
    raise ConfigError(
        f"unknown {stage} component {reference!r}",
        hint=f"use one of {names}, a dotted path (package.module:Class) or an entry point "
        f"of the {ENTRY_POINT_GROUP!r} group",
    )


def _entry_point(name: str) -> str | None:
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == name:
            return str(entry.value)
    return None


def _checked(module_name: str, attribute: str, stage: Stage) -> type[Component]:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"component module {module_name!r} cannot be imported: {exc}",
            hint="install the package that provides it or fix the dotted path",
        ) from None
    found = getattr(module, attribute, None) if attribute else None
    if not (isinstance(found, type) and issubclass(found, Component)):
        raise ConfigError(
            f"{module_name}:{attribute} is not a colloquy component",
            hint="name a subclass of colloquy.pipelines.components.Component",
        )
    if getattr(found, "stage", None) != stage:
        raise ConfigError(
            f"{module_name}:{attribute} is a {getattr(found, 'stage', 'stage-less')} component, "
            f"not a {stage} component",
            hint=f"use it under stages.{getattr(found, 'stage', stage)} or pick another one",
        )
    return found
