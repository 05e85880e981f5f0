"""Every random generator a fine-tune draws from: seeded at the start, saved and restored.

A checkpoint stores these states so that a resumed run draws the same dropout masks and
shuffles as an uninterrupted one; the ``random`` and numpy states go into the JSON state
file, torch's (tensors) into their own file, loadable with ``weights_only``.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed ``random``, numpy and torch: a fresh run starts from ``seed`` alone."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def python_numpy_rng_state() -> dict[str, Any]:
    """The ``random`` and ``numpy`` generator states as JSON values."""
    version, internal, gauss = random.getstate()
    numpy_state = np.random.get_state(legacy=False)
    assert isinstance(numpy_state, dict)
    numpy_state["state"] = {**numpy_state["state"], "key": numpy_state["state"]["key"].tolist()}
    return {"python": [version, list(internal), gauss], "numpy": numpy_state}


def restore_python_numpy_rng(state: dict[str, Any]) -> None:
    """Undo :func:`python_numpy_rng_state`: the generators continue where they were."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = dict(state["numpy"])
    key = np.asarray(numpy_state["state"]["key"], dtype=np.uint32)
    numpy_state["state"] = {**numpy_state["state"], "key": key}
    np.random.set_state(numpy_state)


def torch_rng_state() -> dict[str, Any]:
    """The torch generator states: plain tensors only, so ``weights_only`` loading works."""
    state: dict[str, Any] = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_torch_rng(state: dict[str, Any]) -> None:
    """Undo :func:`torch_rng_state` (CUDA states only where CUDA is present)."""
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


__all__ = [
    "python_numpy_rng_state",
    "restore_python_numpy_rng",
    "restore_torch_rng",
    "seed_everything",
    "torch_rng_state",
]
