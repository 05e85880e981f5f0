"""The checkpoints of a contrastive run: one folder per epoch, written atomically.

``checkpoints/epoch-{n}/`` holds the encoder (safetensors), the optimiser, scheduler and
gradient-scaler states, the random generators' states and a JSON state file. The state
file is written last, so a folder without it (a run killed mid-write) is never taken for
a checkpoint, and such leftovers are removed when the next run starts.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from sentence_transformers import SentenceTransformer
from torch.optim import AdamW
from torch.optim.lr_scheduler import LambdaLR

from colloquy.errors import UsageError
from colloquy.models.contrastive.encoder import save_model
from colloquy.models.contrastive.rng import (
    python_numpy_rng_state,
    restore_python_numpy_rng,
    restore_torch_rng,
    torch_rng_state,
)

STATE_FORMAT = "colloquy-contrastive-checkpoint"
STATE_VERSION = 1
STATE_FILE = "trainer_state.json"
OPTIMIZER_FILE = "optimizer.pt"
RNG_FILE = "rng.pt"
NOT_MODEL_FILES = (STATE_FILE, OPTIMIZER_FILE, RNG_FILE)
"""Files of a checkpoint that are not part of the encoder."""
_CHECKPOINT_NAME = re.compile(r"^epoch-(\d+)$")


class Checkpoints:
    """The ``epoch-{n}`` folders under ``directory``: writing, finding, pruning them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(
        self,
        epoch: int,
        model: SentenceTransformer,
        *,
        max_seq_length: int | None,
        optimizer: AdamW,
        scheduler: LambdaLR,
        state: dict[str, Any],
        scaler: torch.amp.GradScaler | None = None,
    ) -> Path:
        """Write ``epoch-{epoch}/`` atomically; ``state`` gains the generators' states.

        The encoder is saved with ``max_seq_length`` (the base model's own limit).
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"epoch-{epoch}"
        temporary = Path(tempfile.mkdtemp(prefix=f".epoch-{epoch}-", dir=self.directory))
        try:
            save_model(model, temporary, max_seq_length)
            training = {
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict() if scaler is not None else {},
            }
            torch.save(training, temporary / OPTIMIZER_FILE)
            torch.save(torch_rng_state(), temporary / RNG_FILE)
            # The state file goes last: a folder without it is never taken for a checkpoint.
            _write_json(temporary / STATE_FILE, {**state, "rng": python_numpy_rng_state()})
            if final.exists():
                shutil.rmtree(final)
            temporary.replace(final)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        return final

    def complete(self) -> dict[int, Path]:
        """Complete checkpoints by epoch."""
        if not self.directory.is_dir():
            return {}
        found = {}
        for path in self.directory.iterdir():
            match = _CHECKPOINT_NAME.match(path.name)
            if match and (path / STATE_FILE).is_file():
                found[int(match.group(1))] = path
        return found

    def latest(self) -> Path | None:
        checkpoints = self.complete()
        return checkpoints[max(checkpoints)] if checkpoints else None

    def prune(self, keep: set[int]) -> None:
        """Remove every complete checkpoint whose epoch is not in ``keep``."""
        for epoch, path in self.complete().items():
            if epoch not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def remove_partial(self) -> None:
        """Temporary folders left by a run killed while writing a checkpoint."""
        if self.directory.is_dir():
            for path in self.directory.glob(".epoch-*"):
                shutil.rmtree(path, ignore_errors=True)


def read_state(checkpoint: Path) -> dict[str, Any]:
    """The JSON state of ``checkpoint``; a folder of another format or version is refused."""
    state: dict[str, Any] = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))
    if state.get("format") != STATE_FORMAT or state.get("version") != STATE_VERSION:
        raise UsageError(
            f"{checkpoint / STATE_FILE} is not a version-{STATE_VERSION} contrastive checkpoint",
            hint="use a fresh output_dir",
        )
    return state


def restore_training(
    checkpoint: Path,
    state: dict[str, Any],
    optimizer: AdamW,
    scheduler: LambdaLR,
    scaler: torch.amp.GradScaler | None = None,
) -> None:
    """Put the optimiser, the scheduler, the gradient scaler and every random generator
    back as they were saved.

    The scheduler keeps its step but not its length: the caller built it for the current
    number of epochs, so a resumed run with more epochs continues on the longer schedule.
    Everything is read onto the CPU and the optimiser moves its state to its parameters'
    device, so a run checkpointed on a GPU resumes on a CPU and vice versa; the scaler's
    state is restored only where both runs scale (a CUDA run resumed on CUDA).
    """
    saved = torch.load(checkpoint / OPTIMIZER_FILE, map_location="cpu", weights_only=True)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    scaling = saved.get("scaler") or {}
    if scaler is not None and scaler.is_enabled() and scaling:
        scaler.load_state_dict(scaling)
    restore_torch_rng(torch.load(checkpoint / RNG_FILE, map_location="cpu", weights_only=True))
    restore_python_numpy_rng(state["rng"])


def export_model(checkpoint: Path, target: Path) -> None:
    """Copy the encoder of ``checkpoint`` (not its training state) to ``target``, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        ignore = shutil.ignore_patterns(*NOT_MODEL_FILES)
        shutil.copytree(checkpoint, temporary, ignore=ignore, dirs_exist_ok=True)
        _replace_dir(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _replace_dir(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``, replacing any folder there with one rename each way."""
    if target.exists():
        old = target.with_name(f".{target.name}-old-{time.time_ns()}")
        target.replace(old)
        new.replace(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.replace(target)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


__all__ = [
    "NOT_MODEL_FILES",
    "OPTIMIZER_FILE",
    "RNG_FILE",
    "STATE_FILE",
    "STATE_FORMAT",
    "STATE_VERSION",
    "Checkpoints",
    "export_model",
    "read_state",
    "restore_training",
]
