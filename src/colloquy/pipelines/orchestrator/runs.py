"""Where runs live: ``<home>/pipelines/runs/<run_id>/run.json`` (+ the pipeline file and a
failure report), written atomically so a killed process never leaves half a record."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from pydantic import ValidationError

from colloquy.errors import NotFoundError, StorageError
from colloquy.pipelines.orchestrator.records import RunState

_RUN_ID = re.compile(r"^[0-9a-f]{16}$")


def pipelines_root(home: Path) -> Path:
    return home / "pipelines"


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a synced temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).replace(path)
    finally:
        Path(temporary).unlink(missing_ok=True)


class RunStore:
    """The run records under one colloquy home."""

    def __init__(self, home: Path) -> None:
        self.root = pipelines_root(home) / "runs"

    def directory(self, run_id: str) -> Path:
        return self.root / run_id

    def save(self, state: RunState) -> None:
        atomic_write(self.directory(state.run_id) / "run.json", state.model_dump_json(indent=2))

    def load(self, run_id: str) -> RunState:
        """The run ``run_id``; NotFoundError naming ``pipeline list`` when there is none."""
        path = self.directory(run_id) / "run.json"
        if not _RUN_ID.match(run_id) or not path.is_file():
            raise NotFoundError(
                f"pipeline run {run_id!r} does not exist under {self.root}",
                hint="see `colloquy pipeline list` for the run ids",
            )
        try:
            return RunState.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, UnicodeDecodeError) as exc:
            raise StorageError(
                f"{path}: the run record is unreadable ({type(exc).__name__})",
                hint="start a new run with `colloquy pipeline run FILE`",
            ) from None

    def list(self) -> list[RunState]:
        """Every readable run, newest first."""
        if not self.root.is_dir():
            return []
        runs = []
        for folder in self.root.iterdir():
            if _RUN_ID.match(folder.name) and (folder / "run.json").is_file():
                try:
                    runs.append(self.load(folder.name))
                except StorageError:
                    continue
        return sorted(runs, key=lambda run: run.created_at, reverse=True)
