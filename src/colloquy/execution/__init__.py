"""Where work runs: a local process, a Ray cluster or a Dask cluster, behind one seam.

``open_backend(settings)`` returns the backend the ``execution:`` settings name; batch
prediction, dataset analytics, embedding, cross-validation folds and tuning hand it
partitions. Ray and Dask are imported only when their backend is opened.
"""

from colloquy.execution.base import ExecutionBackend
from colloquy.execution.config import BackendName, ExecutionSettings
from colloquy.execution.factory import open_backend
from colloquy.execution.local import LocalBackend
from colloquy.execution.tasks import FileTask, PartitionTask, TableTask

__all__ = [
    "BackendName",
    "ExecutionBackend",
    "ExecutionSettings",
    "FileTask",
    "LocalBackend",
    "PartitionTask",
    "TableTask",
    "open_backend",
]
