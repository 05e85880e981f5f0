"""Finding components: built-in names, dotted paths, the ``colloquy.components`` entry points."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from colloquy.errors import ConfigError
from colloquy.pipelines.components import registry
from colloquy.pipelines.components.base import Component
from colloquy.pipelines.components.registry import BUILTINS, default_component, resolve_component
from colloquy.pipelines.spec.schema import STAGES, TASKS

PLUGIN = """
from colloquy.pipelines.components import Component, StageOutput


class Shout(Component):
    stage = "clean"
    requires = ("rows",)
    provides = ("rows",)

    def run(self, context, inputs):
        import pandas as pd

        rows = pd.read_parquet(inputs.directory("rows") / "rows.parquet")
        rows["text"] = rows["text"].str.upper()
        rows.to_parquet(context.output / "rows.parquet", index=False)
        return StageOutput(metrics={"rows": float(len(rows))})


class NotOne:
    stage = "clean"
"""


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"shout_plugin_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{name}.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_every_builtin_resolves_to_a_component_of_its_stage() -> None:
    for stage in STAGES:
        for name in BUILTINS[stage]:
            found = resolve_component(stage, name)
            assert issubclass(found.cls, Component)
            assert found.cls.stage == stage
            assert found.reference == name


def test_every_task_has_a_default_for_every_stage_it_serves() -> None:
    for task in TASKS:
        for stage in ("ingest", "split", "train", "evaluate"):
            cls = resolve_component(stage, default_component(task, stage)).cls
            assert task in cls.tasks


@pytest.mark.parametrize("separator", [":", "."])
def test_a_dotted_path(plugin: str, separator: str) -> None:
    found = resolve_component("clean", f"{plugin}{separator}Shout")
    assert found.cls.__name__ == "Shout"


def test_an_entry_point(plugin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = importlib.metadata.EntryPoint(
        name="shout", value=f"{plugin}:Shout", group=registry.ENTRY_POINT_GROUP
    )

    def entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        return [entry] if group == registry.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    assert resolve_component("clean", "shout").cls.__name__ == "Shout"


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("nothing", "unknown clean component 'nothing'"),
        ("no_such_module_xyz:Thing", "cannot be imported"),
        ("{plugin}:NotOne", "is not a colloquy component"),
        ("{plugin}:Missing", "is not a colloquy component"),
    ],
)
def test_what_is_not_a_component_is_refused(plugin: str, reference: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_component("clean", reference.format(plugin=plugin))


def test_a_component_under_the_wrong_stage(plugin: str) -> None:
    with pytest.raises(ConfigError, match="is a clean component, not a train component"):
        resolve_component("train", f"{plugin}:Shout")
