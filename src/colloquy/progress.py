"""One progress-event type for all long library work.

Training, embedding, fine-tuning, ingesting and downloading all report the same frozen
:class:`ProgressEvent`, so each edge renders it once: the CLI as rich bars, the HTTP API
as job status or server-sent events, MLflow as step metrics. A library function takes an
optional :data:`ProgressCallback` and never knows who listens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """``done`` of ``total`` units of ``stage`` are finished (``total`` None: unknown size).

    ``unit`` says what is counted (texts, steps, conversations, bytes), so a renderer can
    label the bar; ``detail`` carries a second count where one stage has two (turns
    written while conversations are read).
    """

    stage: str
    done: int
    total: int | None
    unit: str = "items"
    detail: str | None = None


ProgressCallback = Callable[[ProgressEvent], None]


def emit(
    progress: ProgressCallback | None,
    stage: str,
    done: int,
    total: int | None,
    *,
    unit: str = "items",
    detail: str | None = None,
) -> None:
    """Send one event to ``progress`` when somebody listens."""
    if progress is not None:
        progress(ProgressEvent(stage, done, total, unit, detail))


def renamed(progress: ProgressCallback, stage: str) -> ProgressCallback:
    """``progress`` with every event's stage replaced by ``stage`` (a sub-task reported as
    a stage of the caller's, e.g. an embedder's batches as "embedding training texts")."""

    def report(event: ProgressEvent) -> None:
        progress(ProgressEvent(stage, event.done, event.total, event.unit, event.detail))

    return report
