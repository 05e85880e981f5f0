"""The checks of a pipeline that need its data or its services, still before any work.

Each component checks what it can (the data file and its columns, a study storage); the
tracking URI is checked here once for the whole pipeline. Every failure is one
ConfigError line with the file, line and key of the setting to fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquy.errors import ColloquyError, ConfigError
from colloquy.pipelines.components.base import CheckContext
from colloquy.pipelines.spec.loader import Pipeline

if TYPE_CHECKING:
    from colloquy.config import Settings


def tracking_uri(pipeline: Pipeline, settings: Settings) -> str:
    """The MLflow tracking URI the pipeline records to."""
    return pipeline.spec.tracking.uri or settings.resolved_mlflow_tracking_uri


def uses_tracking(pipeline: Pipeline) -> bool:
    """Whether the run talks to MLflow: tracking enabled, or a stage that registers."""
    return pipeline.spec.tracking.enabled or pipeline.stage("register") is not None


def check_pipeline(pipeline: Pipeline, settings: Settings) -> None:
    """Run every check that needs data or services; raise the first failure."""
    if uses_tracking(pipeline):
        _check_tracking(pipeline, settings)
    earlier: list[str] = []
    for planned in pipeline.stages:
        context = CheckContext(
            stage=planned.stage,
            pipeline=pipeline.facts,
            params=planned.params,
            settings=settings,
            locate=pipeline.locate,
            earlier=tuple(s.stage for s in pipeline.stages if s.stage in earlier),
        )
        planned.component.cls().check(context)
        earlier.append(planned.stage)


def _check_tracking(pipeline: Pipeline, settings: Settings) -> None:
    from colloquy.tracking import check_tracking_uri

    uri = tracking_uri(pipeline, settings)
    key = ("tracking", "uri") if pipeline.spec.tracking.uri else ("tracking",)
    try:
        check_tracking_uri(uri)
    except ColloquyError as exc:
        dotted = ".".join(key)
        raise ConfigError(
            f"{pipeline.locate(key)}: key {dotted!r}: {exc.message}",
            hint=exc.hint or "set tracking.uri or COLLOQUY_MLFLOW__TRACKING_URI",
        ) from None
