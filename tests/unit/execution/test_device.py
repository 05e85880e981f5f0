"""Device choice: auto falls back to the CPU here; cuda without a GPU says so plainly."""

from __future__ import annotations

import pytest
import torch

from colloquy.errors import ConfigError
from colloquy.execution.device import autocast, resolve_device, uses_mixed_precision


def test_cpu_is_cpu_and_auto_follows_torch() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_cuda_without_a_gpu_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="no CUDA GPU") as caught:
        resolve_device("cuda")
    assert "--device cpu" in (caught.value.hint or "")


def test_an_unknown_device_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown device 'tpu'"):
        resolve_device("tpu")


def test_mixed_precision_only_on_cuda() -> None:
    assert uses_mixed_precision("cuda:0")
    assert not uses_mixed_precision("cpu")
    layer = torch.nn.Linear(4, 2)
    with autocast("cpu"):
        out = layer(torch.ones(1, 4))
    assert out.dtype == torch.float32
