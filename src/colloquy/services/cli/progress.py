"""Rich progress bars on stderr: the CLI's rendering of :class:`colloquy.progress.ProgressEvent`.

Every long library call reports the same event type; this is the one place that turns
events into bars: one bar per stage, a spinner with the running count when the total is
unknown, transfer sizes when the unit is bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from colloquy.progress import ProgressCallback, ProgressEvent
from colloquy.services.cli.render import stderr


class _CountColumn(ProgressColumn):
    """``done/total unit`` (sizes for bytes), or ``done unit`` while the total is unknown."""

    def render(self, task: Task) -> Text:
        unit = str(task.fields.get("unit", ""))
        if unit == "bytes":
            done = _size(int(task.completed))
            return Text(done if task.total is None else f"{done}/{_size(int(task.total))}")
        if task.total is None:
            return Text(f"{int(task.completed):,} {unit}")
        return Text(f"{int(task.completed):,}/{int(task.total):,} {unit}")


def _size(n: int) -> str:
    value = float(n)
    for suffix in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or suffix == "GiB":
            return f"{value:.0f} {suffix}" if suffix == "B" else f"{value:.1f} {suffix}"
        value /= 1024
    return f"{n} B"


@contextmanager
def progress_bars() -> Iterator[ProgressCallback]:
    """A callback that draws each event's stage as a transient bar on stderr."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<24}"),
        BarColumn(),
        _CountColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def report(event: ProgressEvent) -> None:
            if event.stage not in tasks:
                tasks[event.stage] = bars.add_task(
                    event.stage, total=event.total, unit=event.unit, detail=""
                )
            bars.update(
                tasks[event.stage],
                completed=event.done,
                total=event.total,
                detail=event.detail or "",
            )

        yield report
