"""Which torch device to run on, and mixed precision where it pays (CUDA only).

``auto`` picks CUDA when torch sees a GPU and the CPU otherwise, so the same command and
config run on a laptop and on a GPU node; ``cuda`` on a machine without one is a clear
configuration error, not a silent fall-back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from colloquy.errors import ConfigError
from colloquy.execution.config import DeviceChoice

if TYPE_CHECKING:
    import torch

DEVICE_CHOICES: tuple[DeviceChoice, ...] = ("auto", "cpu", "cuda")


def resolve_device(choice: str = "auto") -> str:
    """``cpu`` or ``cuda`` (or ``cuda:N`` as given) for ``choice``; torch is asked only here."""
    if choice == "cpu":
        return "cpu"
    if choice != "auto" and not choice.startswith("cuda"):
        raise ConfigError(f"unknown device {choice!r}", hint="use auto, cpu, cuda or cuda:N")
    import torch

    available = torch.cuda.is_available()
    if choice == "auto":
        return "cuda" if available else "cpu"
    if not available:
        raise ConfigError(
            f"device {choice!r} asked for, but torch sees no CUDA GPU "
            f"(torch {torch.__version__}, built for CUDA {torch.version.cuda})",
            hint="use --device cpu or auto, or install a CUDA build of torch on a GPU machine",
        )
    return choice


def uses_mixed_precision(device: str) -> bool:
    """Whether training and encoding on ``device`` run under float16 autocast."""
    return device.startswith("cuda")


@contextlib.contextmanager
def autocast(device: str) -> Iterator[None]:
    """float16 autocast on CUDA; nothing on the CPU (bfloat16 there is slower on most CPUs)."""
    if not uses_mixed_precision(device):
        yield
        return
    import torch

    with torch.autocast(device_type=torch.device(device).type, dtype=torch.float16):
        yield


def grad_scaler(device: str) -> torch.amp.GradScaler:
    """Loss scaling for the float16 gradients of :func:`autocast`; a pass-through where
    autocast is off, so a training step is the same code on every device."""
    import torch

    kind = torch.device(device).type
    return torch.amp.GradScaler(kind, enabled=uses_mixed_precision(device))


__all__ = [
    "DEVICE_CHOICES",
    "DeviceChoice",
    "autocast",
    "grad_scaler",
    "resolve_device",
    "uses_mixed_precision",
]
