"""Background jobs: training pipelines and dataset ingests, each in its own worker process.

``records`` (the specs, results and :class:`Job`), ``runner`` (the API-side queue and
supervisor), ``worker`` (the process that runs one job), ``training`` and ``ingest_job``
(what a worker runs), ``uploads`` (files received over HTTP), ``submit`` (turning a
request into a queued job), ``events`` and ``files`` (a job's progress stream and log).
"""

from colloquy.pipelines.jobs.events import JobEvent, read_events
from colloquy.pipelines.jobs.files import JobFiles, is_job_id
from colloquy.pipelines.jobs.records import (
    UPLOAD_SOURCES,
    IngestOutcome,
    IngestSpec,
    Job,
    TrainingResult,
    TrainingSpec,
    UploadSource,
)
from colloquy.pipelines.jobs.runner import JobRunner, WorkerConfig, worker_alive
from colloquy.pipelines.jobs.uploads import (
    ReceivedFile,
    UnsafeArchiveError,
    UploadArea,
    UploadLimits,
    UploadTooLargeError,
    safe_filename,
)

__all__ = [
    "UPLOAD_SOURCES",
    "IngestOutcome",
    "IngestSpec",
    "Job",
    "JobEvent",
    "JobFiles",
    "JobRunner",
    "ReceivedFile",
    "TrainingResult",
    "TrainingSpec",
    "UnsafeArchiveError",
    "UploadArea",
    "UploadLimits",
    "UploadSource",
    "UploadTooLargeError",
    "WorkerConfig",
    "is_job_id",
    "read_events",
    "safe_filename",
    "worker_alive",
]
