"""The configured backend: ``execution.backend`` names it, ``execution.address`` places it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquy.execution.base import ExecutionBackend
from colloquy.execution.config import BackendName, ExecutionSettings

if TYPE_CHECKING:
    from colloquy.config import Settings


def open_backend(
    settings: ExecutionSettings | Settings | None = None,
    *,
    backend: BackendName | None = None,
    address: str | None = None,
    workers: int | None = None,
) -> ExecutionBackend:
    """A started backend (use it as a context manager); keyword arguments override settings."""
    config = _execution_settings(settings)
    changes = {
        key: value
        for key, value in (("backend", backend), ("address", address), ("workers", workers))
        if value is not None
    }
    if changes:
        config = ExecutionSettings.model_validate({**config.model_dump(), **changes})
    if config.backend == "ray":
        from colloquy.execution.ray_backend import RayBackend

        return RayBackend(config)
    if config.backend == "dask":
        from colloquy.execution.dask_backend import DaskBackend

        return DaskBackend(config)
    from colloquy.execution.local import LocalBackend

    return LocalBackend(config)


def _execution_settings(settings: ExecutionSettings | Settings | None) -> ExecutionSettings:
    if settings is None:
        return ExecutionSettings()
    if isinstance(settings, ExecutionSettings):
        return settings
    section = getattr(settings, "execution", None)
    return section if isinstance(section, ExecutionSettings) else ExecutionSettings()


__all__ = ["open_backend"]
