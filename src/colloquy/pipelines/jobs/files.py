"""Where a job's files live: ``<root>/<job id>/`` holds its log and its event stream.

The job id is checked before it becomes a path, so an id taken from a URL can never name
a folder outside the jobs root.
"""

from __future__ import annotations

import re
from pathlib import Path

from colloquy.errors import NotFoundError

_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def is_job_id(value: str) -> bool:
    return _JOB_ID.fullmatch(value) is not None


class JobFiles:
    """The folder of every job's log (``log.txt``) and events (``events.jsonl``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def directory(self, job_id: str, *, create: bool = False) -> Path:
        if not is_job_id(job_id):
            raise NotFoundError(f"no job {job_id!r}", hint="a job id is 32 hexadecimal characters")
        folder = self.root / job_id
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        return folder

    def log(self, job_id: str) -> Path:
        return self.directory(job_id) / "log.txt"

    def events(self, job_id: str) -> Path:
        return self.directory(job_id) / "events.jsonl"

    def read_log(self, job_id: str, *, tail_bytes: int) -> str:
        """The last ``tail_bytes`` of the job's log ("" before the worker wrote any)."""
        path = self.log(job_id)
        if not path.exists():
            return ""
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - tail_bytes))
            return handle.read().decode("utf-8", errors="replace")
