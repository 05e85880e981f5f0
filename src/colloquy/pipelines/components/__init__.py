"""Stage components: the seam, the registry, and the built-ins (one per file, imported
only when a pipeline uses them)."""

from colloquy.pipelines.components.base import (
    ARTIFACT_KINDS,
    CheckContext,
    Component,
    NoParams,
    PipelineFacts,
    StageContext,
    StageInput,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.registry import (
    BUILTINS,
    ENTRY_POINT_GROUP,
    ResolvedComponent,
    default_component,
    resolve_component,
)

__all__ = [
    "ARTIFACT_KINDS",
    "BUILTINS",
    "ENTRY_POINT_GROUP",
    "CheckContext",
    "Component",
    "NoParams",
    "PipelineFacts",
    "ResolvedComponent",
    "StageContext",
    "StageInput",
    "StageInputs",
    "StageOutput",
    "default_component",
    "resolve_component",
]
