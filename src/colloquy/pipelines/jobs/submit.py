"""Turning an HTTP request into a queued job: the one library call each job route makes.

Everything that can be refused is refused here, before a job exists: a pipeline that
fails validation or the API's extra checks, an upload over the size limit, a zip that
would escape its folder, a column mapping or speaker map that does not parse. The job
that is queued then only fails for reasons found while running it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from colloquy.config import Settings
from colloquy.errors import UsageError
from colloquy.pipelines.jobs.records import UPLOAD_SOURCES, IngestSpec, Job, TrainingSpec
from colloquy.pipelines.jobs.runner import JobRunner
from colloquy.pipelines.jobs.training import check_remote_text, inside, validate_training
from colloquy.pipelines.jobs.uploads import UploadArea
from colloquy.storage.datasets import check_name
from colloquy.storage.jobs import UploadRow


@dataclass(frozen=True, slots=True)
class UploadRequest:
    """What came with an uploaded file: where to store it and how to read it."""

    dataset: str
    source: str
    mapping: tuple[str, ...] = ()
    speaker: tuple[str, ...] = ()
    default_role: str | None = None
    on_error: Literal["fail", "skip"] = "fail"
    clean: bool = True
    mask_pii: bool = True


def _pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"{option} {pair!r} is not NAME=VALUE", hint=f"e.g. {option}=a=b")
        found[name.strip()] = value.strip()
    return found


def ingest_spec(request: UploadRequest, path: Path) -> IngestSpec:
    """The job's spec, checked: a known source, a valid mapping, options that apply."""
    from colloquy.data.loaders import ColumnMapping
    from colloquy.data.loaders.transcript_parser import as_role

    check_name("dataset", request.dataset)
    if request.source not in UPLOAD_SOURCES:
        raise UsageError(
            f"source {request.source!r} cannot be uploaded",
            hint=f"use one of {', '.join(UPLOAD_SOURCES)}",
        )
    tabular = request.source in ("csv", "jsonl", "parquet")
    if request.mapping and not tabular:
        raise UsageError(f"mapping applies to csv, jsonl and parquet, not {request.source!r}")
    if (request.speaker or request.default_role) and request.source != "transcript":
        raise UsageError("speaker and default_role apply to the transcript source only")
    speakers = _pairs(request.speaker, "speaker")
    for role in (*speakers.values(), *([request.default_role] if request.default_role else [])):
        as_role(role)
    return IngestSpec.model_validate(
        {
            "dataset": request.dataset,
            "source": request.source,
            "path": str(path),
            "mapping": ColumnMapping.from_pairs(list(request.mapping)) if tabular else None,
            "speaker_map": speakers,
            "default_role": request.default_role,
            "on_error": request.on_error,
            "clean": request.clean,
            "mask_pii": request.mask_pii,
        }
    )


def submit_upload(
    runner: JobRunner,
    area: UploadArea,
    stream: BinaryIO,
    filename: str | None,
    request: UploadRequest,
) -> Job:
    """Store the file, check the request, and queue its ingest; the queued job."""
    from pydantic import ValidationError

    received = area.receive(stream, filename)
    try:
        path = received.path
        if received.filename.lower().endswith(".zip"):
            if request.source != "transcript":
                raise UsageError(
                    "zip files are accepted for the transcript source only",
                    hint="upload a csv, jsonl or parquet file as it is",
                )
            path = area.unpack_zip(received)
        try:
            spec = ingest_spec(request, path)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise UsageError(f"mapping: {where}: {first['msg']}") from None
        upload = UploadRow(
            id=received.id,
            job_id=None,
            dataset=request.dataset,
            source=request.source,
            filename=received.filename,
            path=str(path),
            bytes=received.bytes,
            sha256=received.sha256,
            created_at=received.received_at,
        )
        return runner.submit("ingest", spec, upload=upload)
    except BaseException:
        area.discard(received.path.parent)
        raise


def submit_training(
    runner: JobRunner,
    *,
    data_dir: Path,
    settings: Settings,
    roots: tuple[Path, ...],
    pipeline_file: str | None = None,
    pipeline_yaml: str | None = None,
) -> Job:
    """Queue a pipeline run: a file under ``data_dir`` or inline YAML saved there.

    Inline YAML is written to ``<data_dir>/pipeline-<job id>.yaml``, so its relative paths
    are relative to the data directory, like a file placed there.
    """
    import uuid

    if (pipeline_file is None) == (pipeline_yaml is None):
        raise UsageError("send either pipeline_file or pipeline_yaml, not both or neither")
    job_id = uuid.uuid4().hex
    if pipeline_yaml is not None:
        check_remote_text(pipeline_yaml)
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / f"pipeline-{job_id}.yaml"
        path.write_text(pipeline_yaml, encoding="utf-8")
    else:
        assert pipeline_file is not None
        path = data_dir / pipeline_file
        if not inside(path, (data_dir,)) or not path.is_file():
            raise UsageError(
                f"pipeline_file {pipeline_file!r} is not a file in the API's data directory",
                hint="name it relative to the data directory, or send pipeline_yaml",
            )
    spec = TrainingSpec(pipeline_file=str(path.resolve()), inline=pipeline_yaml is not None)
    try:
        validate_training(spec, settings, roots)
    except BaseException:
        if pipeline_yaml is not None:
            path.unlink(missing_ok=True)
        raise
    return runner.submit("training", spec, job_id=job_id)
