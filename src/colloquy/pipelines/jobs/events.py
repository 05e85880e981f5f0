"""A job's event stream: one JSON line per progress report or state change.

The worker appends progress while it runs; the API appends the state changes it makes
itself (a cancel, a worker found dead). Lines are small and written with one ``write`` in
append mode, so two writers never interleave inside a line. An event's number is its line
number, so a reader resumes after the last one it saw (SSE ``Last-Event-ID``) without any
writer keeping a counter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from colloquy.progress import ProgressEvent
from colloquy.storage.jobs import JobState


class JobEvent(BaseModel):
    """One report: the job's state, its stage, overall progress (0..1) and a detail line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    state: JobState
    stage: str | None = None
    progress: float | None = None
    done: int | None = None
    total: int | None = None
    unit: str | None = None
    message: str | None = None


def progress_event(event: ProgressEvent, overall: float | None) -> JobEvent:
    return JobEvent(
        at=datetime.now(UTC),
        state="running",
        stage=event.stage,
        progress=overall,
        done=event.done,
        total=event.total,
        unit=event.unit,
        message=event.detail,
    )


def state_event(state: JobState, message: str | None = None) -> JobEvent:
    return JobEvent(at=datetime.now(UTC), state=state, message=message)


def append_event(path: Path, event: JobEvent) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = event.model_dump_json() + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)


def read_events(path: Path, *, after: int = 0) -> list[tuple[int, JobEvent]]:
    """Events numbered from 1, those after number ``after``; a half-written last line
    (the writer is mid-append) is left for the next read; a garbled complete line is skipped."""
    if not path.exists():
        return []
    found: list[tuple[int, JobEvent]] = []
    with path.open("r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if number <= after:
                continue
            if not line.endswith("\n"):
                break
            try:
                found.append((number, JobEvent.model_validate_json(line)))
            except ValidationError:
                continue
    return found


def last_event(path: Path, *, tail_bytes: int = 8192) -> JobEvent | None:
    """The newest complete event, read from the file's end only (files grow with a job)."""
    if not path.exists():
        return None
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - tail_bytes))
        lines = handle.read().decode("utf-8", errors="replace").split("\n")
    for line in reversed(lines[:-1]):
        try:
            return JobEvent.model_validate_json(line)
        except ValidationError:
            continue
    return None
