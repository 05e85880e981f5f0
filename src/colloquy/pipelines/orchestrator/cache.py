"""Stage outputs cached by the hash of everything that decides them.

A stage's key is the SHA-256 of its stage and component, the code version (colloquy's
version and the component module's source), its canonical parameters, the keys of the
stages it reads, the pipeline's task, seed and data, and the data's content version. An
unchanged stage is therefore skipped, and any change upstream changes every key below
it. Outputs are written into a temporary folder and renamed into place, so a cache entry
is either complete or absent, whatever moment the process dies.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ValidationError

from colloquy._version import __version__
from colloquy.pipelines.components.base import Component, PipelineFacts, StageOutput
from colloquy.pipelines.orchestrator.runs import pipelines_root

OUTPUT_RECORD = "stage.json"


def source_hash(cls: type[Component]) -> str:
    """SHA-256 of the source of the module defining ``cls`` (its code version)."""
    module = sys.modules[cls.__module__]
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        source = f"{cls.__module__}.{cls.__qualname__}"
    return hashlib.sha256(source.encode()).hexdigest()


def stage_key(
    *,
    stage: str,
    reference: str,
    cls: type[Component],
    params: BaseModel,
    upstream: Sequence[str],
    facts: PipelineFacts,
    data_version: str,
) -> str:
    """The cache key of one stage (see the module docstring for what goes in)."""
    material = {
        "stage": stage,
        "component": f"{reference}={cls.__module__}.{cls.__qualname__}",
        "colloquy": __version__,
        "source": source_hash(cls),
        "params": params.model_dump(mode="json"),
        "upstream": list(upstream),
        "task": facts.task,
        "seed": facts.seed,
        "data": facts.data.model_dump(mode="json"),
        "data_version": data_version,
    }
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class StageCache:
    """``<home>/pipelines/cache/<key>/``: a stage's files plus ``stage.json``."""

    def __init__(self, home: Path) -> None:
        self.root = pipelines_root(home) / "cache"

    def directory(self, key: str) -> Path:
        return self.root / key

    def lookup(self, key: str) -> StageOutput | None:
        """The cached output of ``key``, or None (absent or unreadable: it is redone)."""
        record = self.directory(key) / OUTPUT_RECORD
        try:
            return StageOutput.model_validate_json(record.read_text(encoding="utf-8"))
        except (OSError, ValidationError, UnicodeDecodeError):
            return None

    def scratch(self, key: str) -> Path:
        """A fresh temporary folder for the stage to write into, named with this process id
        so that :meth:`sweep` can tell the leftovers of a killed process."""
        folder = self.root / ".tmp" / f"{key[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True)
        return folder

    def sweep(self) -> int:
        """Remove the temporary folders of processes that no longer run (``kill -9``
        leaves them); returns how many were removed."""
        removed = 0
        scratch = self.root / ".tmp"
        for folder in scratch.iterdir() if scratch.is_dir() else ():
            parts = folder.name.split("-")
            if len(parts) == 3 and parts[1].isdigit() and not _alive(int(parts[1])):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def commit(self, key: str, scratch: Path, output: StageOutput) -> Path:
        """Move ``scratch`` into place as ``key``'s entry (replacing a stale one)."""
        (scratch / OUTPUT_RECORD).write_text(output.model_dump_json(indent=2), encoding="utf-8")
        final = self.directory(key)
        if final.exists():
            shutil.rmtree(final)
        scratch.rename(final)
        return final

    def discard(self, scratch: Path) -> None:
        shutil.rmtree(scratch, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
