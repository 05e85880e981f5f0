"""Loading a pipeline file into a plan: every stage's component, parameters and inputs.

Everything that can be known from the file is checked here, before any work, and every
problem is one :class:`ConfigError` line naming the file, the line and the key path:
an unknown key, stage or component; stages out of order; parameters the component's
model refuses (a search space with an inverted range included); and a stage whose input
no earlier stage provides. Checks that need the data or a service (a column that does
not exist, an unreachable tracking URI) follow in :mod:`colloquy.pipelines.spec.checks`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from colloquy.config.yaml_file import YamlTree, load_yaml_tree
from colloquy.errors import ConfigError
from colloquy.pipelines.components.base import Locator, PipelineFacts
from colloquy.pipelines.components.registry import (
    ResolvedComponent,
    default_component,
    resolve_component,
)
from colloquy.pipelines.spec.data import DATA_MODELS, DataSpec, resolve_paths
from colloquy.pipelines.spec.schema import STAGES, PipelineSpec, Stage

Key = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PlannedStage:
    """One stage as it will run: component, validated parameters, and where its inputs
    come from (artifact kind → the earlier stage that provides it)."""

    stage: Stage
    component: ResolvedComponent
    params: BaseModel
    inputs: Mapping[str, Stage]


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A loaded, statically valid pipeline file."""

    path: Path
    sha256: str
    spec: PipelineSpec
    facts: PipelineFacts
    stages: tuple[PlannedStage, ...]
    locate: Locator

    def stage(self, name: Stage) -> PlannedStage | None:
        return next((planned for planned in self.stages if planned.stage == name), None)


def load_pipeline(path: Path | str) -> Pipeline:
    """Read and statically validate the pipeline file at ``path``."""
    file = Path(path)
    tree = load_yaml_tree(file)
    locate = _locator(tree, file)
    try:
        spec = PipelineSpec.model_validate(tree.data)
    except ValidationError as exc:
        raise located_error(exc, locate, (), _hint(exc)) from None
    _check_order(tree.data.get("stages"), locate)
    data = _data(spec, locate, _folder_of(tree, file))
    facts = PipelineFacts(
        name=spec.name,
        task=spec.task,
        seed=spec.seed,
        data=data,
        file=file.resolve(),
        register=spec.register,
        tracking=spec.tracking,
    )
    planned: list[PlannedStage] = []
    provided: dict[str, Stage] = {}
    for stage, stage_spec in spec.stage_specs():
        resolved = _component(spec, stage, stage_spec.component, locate)
        try:
            params = resolved.cls.params_model.model_validate(stage_spec.params)
        except ValidationError as exc:
            raise located_error(
                exc, locate, ("stages", stage, "params"), f"see docs/pipelines.md#{stage}"
            ) from None
        inputs = {}
        for kind in resolved.cls.requires:
            if kind not in provided:
                raise ConfigError(
                    f"{locate(('stages', stage))}: key 'stages.{stage}': the {stage} stage needs "
                    f"the {kind} of an earlier stage, and none provides it",
                    hint=f"add {_providers(kind, spec)} before {stage}",
                )
            inputs[kind] = provided[kind]
        planned.append(PlannedStage(stage, resolved, params, inputs))
        provided.update(dict.fromkeys(resolved.cls.provides, stage))
    return Pipeline(file.resolve(), _digest(tree), spec, facts, tuple(planned), locate)


def _hint(exc: ValidationError) -> str:
    """What the keys at the first error's level may be."""
    first = exc.errors()[0]["loc"]
    if first and first[0] == "stages" and len(first) == 2:
        return f"the stages are {', '.join(STAGES)} (in that order)"
    if first and first[0] == "stages":
        return "a stage takes the keys component and params"
    if len(first) > 1 and first[0] in ("tracking", "register", "retries"):
        return "see docs/pipelines.md for its keys"
    fields = ", ".join(f.alias or n for n, f in PipelineSpec.model_fields.items())
    return f"valid top-level keys: {fields}"


def located_error(exc: ValidationError, locate: Locator, prefix: Key, hint: str) -> ConfigError:
    """One ConfigError listing each bad key under ``prefix`` with its ``file:line``."""
    parts = []
    for error in exc.errors():
        key = (*prefix, *(p for p in error["loc"] if not _is_tag(p)))
        dotted = ".".join(str(part) for part in key) or "(top level)"
        where = locate(key)
        if error["type"] == "extra_forbidden":
            parts.append(f"{where}: unknown key {dotted!r}")
        elif error["type"] == "missing":
            parts.append(f"{where}: key {dotted!r} is required")
        else:
            parts.append(f"{where}: key {dotted!r} = {error.get('input')!r}: {error['msg']}")
    return ConfigError("invalid pipeline: " + "; ".join(parts), hint=hint)


def _is_tag(part: str | int) -> bool:
    """Pydantic adds union member names (``float``, ``TextData``) to locations; drop them."""
    return isinstance(part, str) and (part in {"float", "int", "categorical"} or "[" in part)


def _locator(tree: YamlTree, file: Path) -> Locator:
    def locate(key: Key) -> str:
        for depth in range(len(key), 0, -1):
            for path, node in tree.files:
                line = _line(node, key[:depth])
                if line is not None:
                    return f"{path}:{line}"
        return str(file)

    return locate


def _line(node: yaml.Node | None, key: Key) -> int | None:
    """The line of the value at ``key`` (mapping keys and list positions), if present."""
    line = None
    for part in key:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == str(part)), None)
            if found is None:
                return None
            line = next(k for k, v in node.value if v is found).start_mark.line + 1
            node = found
        elif isinstance(node, yaml.SequenceNode) and str(part).isdigit():
            if int(part) >= len(node.value):
                return None
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return None
    return line


def _check_order(stages: Any, locate: Locator) -> None:
    if not isinstance(stages, Mapping):
        return
    order = [name for name in stages if name in STAGES]
    for before, after in itertools.pairwise(order):
        if STAGES.index(before) > STAGES.index(after):
            raise ConfigError(
                f"{locate(('stages', after))}: key 'stages.{after}' comes after "
                f"'stages.{before}', but {after} runs before {before}",
                hint=f"write the stages in the order {' → '.join(STAGES)}",
            )


def _folder_of(tree: YamlTree, file: Path) -> Callable[[tuple[str, ...]], Path]:
    """The folder of the file (in the ``extends`` chain, child first) that sets a key."""

    def folder(key: tuple[str, ...]) -> Path:
        for path, node in tree.files:
            if _line(node, key) is not None:
                return path.parent
        return file.resolve().parent

    return folder


def _data(spec: PipelineSpec, locate: Locator, base: Callable[[tuple[str, ...]], Path]) -> DataSpec:
    model = DATA_MODELS[spec.task]
    try:
        data = model.model_validate(spec.data)
    except ValidationError as exc:
        keys = ", ".join(model.model_fields)
        hint = f"task {spec.task} takes data keys: {keys}"
        raise located_error(exc, locate, ("data",), hint) from None
    return resolve_paths(data, base)


def _component(
    spec: PipelineSpec, stage: Stage, reference: str | None, locate: Locator
) -> ResolvedComponent:
    key: Key = ("stages", stage, "component") if reference else ("stages", stage)
    try:
        resolved = resolve_component(stage, reference or default_component(spec.task, stage))
    except ConfigError as exc:
        dotted = ".".join(str(part) for part in key)
        raise ConfigError(f"{locate(key)}: key {dotted!r}: {exc.message}", hint=exc.hint) from None
    if spec.task not in resolved.cls.tasks:
        dotted = ".".join(str(part) for part in key)
        raise ConfigError(
            f"{locate(key)}: key {dotted!r}: component {resolved.reference!r} does not serve "
            f"task {spec.task} (it serves {', '.join(resolved.cls.tasks)})",
            hint=f"use the {default_component(spec.task, stage)!r} component or leave it out",
        )
    return resolved


def _providers(kind: str, spec: PipelineSpec) -> str:
    stages = [
        stage
        for stage in STAGES
        if kind in resolve_component(stage, default_component(spec.task, stage)).cls.provides
    ]
    return " or ".join(f"a {stage} stage" for stage in stages) or "a stage that provides it"


def _digest(tree: YamlTree) -> str:
    """The hash of every file of the ``extends`` chain and of the merged, substituted data:
    a resume refuses a run whose pipeline changed, in a file or through a variable."""
    digest = hashlib.sha256()
    for path, _ in tree.files:
        digest.update(str(path).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(json.dumps(tree.data, sort_keys=True, default=str).encode())
    return digest.hexdigest()
