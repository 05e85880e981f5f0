"""docs/pipelines.md is generated from the schema: it must list every key of it."""

from __future__ import annotations

from pathlib import Path

from colloquy.pipelines.components.registry import BUILTINS, resolve_component
from colloquy.pipelines.spec.reference import render_reference
from colloquy.pipelines.spec.schema import PipelineSpec

DOC = Path(__file__).resolve().parents[4] / "docs" / "pipelines.md"


def test_the_reference_file_is_the_generated_one() -> None:
    regenerate = "python -m colloquy.pipelines.spec.reference > docs/pipelines.md"
    assert DOC.read_text(encoding="utf-8") == render_reference(), f"stale: {regenerate}"


def test_every_key_and_component_parameter_is_documented() -> None:
    text = render_reference()
    for name, field in PipelineSpec.model_fields.items():
        assert f"| `{field.alias or name}` |" in text
    for stage, components in BUILTINS.items():
        for component in components:
            assert f"`{stage}: {{component: {component}}}`" in text
            for param in resolve_component(stage, component).cls.params_model.model_fields:
                assert f"`stages.{stage}.params.{param}`" in text
