"""Where work runs: the ``execution:`` settings section (one key switches the backend).

A leaf module (pydantic only) so the settings can include it without an import cycle.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BackendName = Literal["local", "ray", "dask"]
DeviceChoice = Literal["auto", "cpu", "cuda"]


class ExecutionSettings(BaseModel):
    """``backend`` picks the engine; ``address`` joins a running cluster instead of
    starting one (``ray://host:10001`` or ``auto`` for Ray, ``tcp://host:8786`` for Dask);
    ``workers`` is the number of worker processes started locally (and the number of model
    replicas in a Ray actor pool); ``device`` is where training and encoding run unless a
    command or pipeline file says otherwise (the CPU, so results do not change with the
    machine, unless a GPU is asked for)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: BackendName = Field(default="local", description="local, ray or dask")
    address: str | None = Field(
        default=None,
        min_length=1,
        description="a running cluster to join (ray://host:10001, auto, tcp://host:8786)",
    )
    workers: int = Field(default=2, ge=1, le=1024, description="worker processes / replicas")
    threads_per_worker: int = Field(default=1, ge=1, le=256)
    memory_limit: str = Field(
        default="auto", min_length=1, description="per Dask worker (e.g. 4GiB), or auto"
    )
    partition_rows: int = Field(
        default=10_000, ge=1, le=10_000_000, description="rows per Parquet partition"
    )
    device: DeviceChoice = Field(
        default="cpu", description="torch device for training and encoding: auto, cpu or cuda"
    )


__all__ = ["BackendName", "DeviceChoice", "ExecutionSettings"]
