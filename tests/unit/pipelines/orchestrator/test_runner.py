"""The orchestrator with real stages: cache hits and misses, retries, failure reports,
resume and its refusals, and the run id in every log line."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from colloquy.config import load_settings
from colloquy.errors import ConfigError, DataError, NotFoundError
from colloquy.logging import configure_logging
from colloquy.pipelines.orchestrator import (
    PipelineFailedError,
    RunOptions,
    RunStore,
    resume_run,
    run_pipeline,
)

WritePipeline = Callable[..., Path]


def flaky(plugins: str, tmp_path: Path, fail_times: int, error: str = "transient") -> str:
    counter = tmp_path / f"counter-{error}"
    return (
        f"clean:\n  component: {plugins}:Flaky\n"
        f"  params: {{counter: '{counter}', fail_times: {fail_times}, error: {error}}}\n"
    )


def test_an_unchanged_rerun_is_all_cached_with_the_same_metrics(
    write_pipeline: WritePipeline,
) -> None:
    settings = load_settings()
    path = write_pipeline()
    first = run_pipeline(path, settings)
    assert first.status == "succeeded"
    assert [s.status for s in first.stages] == ["done"] * 4
    assert first.metrics["evaluate.test_accuracy"] > 0.8
    announced: list[str] = []
    second = run_pipeline(path, settings, RunOptions(on_stage=lambda r: announced.append(r.status)))
    assert [s.status for s in second.stages] == ["cached"] * 4
    assert announced == ["cached"] * 4
    assert second.metrics == first.metrics
    assert second.run_id != first.run_id
    assert [s.key for s in second.stages] == [s.key for s in first.stages]


def test_a_changed_parameter_reruns_its_stage_and_those_below(
    write_pipeline: WritePipeline,
) -> None:
    settings = load_settings()
    first = run_pipeline(write_pipeline(C=10.0), settings)
    second = run_pipeline(write_pipeline(C=0.01), settings)
    assert [s.status for s in second.stages] == ["cached", "cached", "done", "done"]
    assert second.stage("train").key != first.stage("train").key
    assert second.stage("evaluate").key != first.stage("evaluate").key


def test_a_transient_failure_is_retried_with_bounded_back_off(
    write_pipeline: WritePipeline, plugins: str, tmp_path: Path
) -> None:
    waits: list[float] = []
    path = write_pipeline(clean=flaky(plugins, tmp_path, fail_times=2))
    run = run_pipeline(path, load_settings(), RunOptions(sleep=waits.append))
    assert run.status == "succeeded"
    assert run.stage("clean").attempts == 3
    assert run.stage("clean").metrics == {"attempt": 3.0}
    assert waits == [0.5, 0.75]  # doubled, then capped at max_backoff_seconds


def test_retries_are_bounded(write_pipeline: WritePipeline, plugins: str, tmp_path: Path) -> None:
    waits: list[float] = []
    path = write_pipeline(clean=flaky(plugins, tmp_path, fail_times=5))
    with pytest.raises(PipelineFailedError) as caught:
        run_pipeline(path, load_settings(), RunOptions(sleep=waits.append))
    assert len(waits) == 2
    assert "[transient error] after 3 attempt(s)" in str(caught.value)
    assert "colloquy pipeline resume" in (caught.value.hint or "")


def test_a_data_error_leaves_a_failure_report_and_no_partial_output(
    write_pipeline: WritePipeline, plugins: str, tmp_path: Path
) -> None:
    settings = load_settings()
    path = write_pipeline(clean=flaky(plugins, tmp_path, fail_times=1, error="data"))
    with pytest.raises(PipelineFailedError) as caught:
        run_pipeline(path, settings, RunOptions(sleep=lambda _: None))
    error = caught.value
    assert error.exit_code == 65
    assert "stage clean" in error.message
    assert "rows from ingest" in error.message
    assert "row 3 has no text" in error.message
    assert error.hint == "drop the row or give it a text"
    [run] = RunStore(settings.resolved_home).list()
    assert run.status == "failed"
    assert run.failure is not None
    assert run.failure.kind == "data"
    assert run.failure.attempts == 1
    assert run.stage("clean").status == "failed"
    assert run.stage("split").status == "pending"
    saved = json.loads(
        (RunStore(settings.resolved_home).directory(run.run_id) / "failure.json").read_text()
    )
    assert saved["stage"] == "clean"
    scratch = settings.resolved_home / "pipelines" / "cache" / ".tmp"
    assert not any(scratch.iterdir())


def test_a_bug_is_reported_as_one(
    write_pipeline: WritePipeline, plugins: str, tmp_path: Path
) -> None:
    path = write_pipeline(clean=flaky(plugins, tmp_path, fail_times=1, error="bug"))
    with pytest.raises(PipelineFailedError) as caught:
        run_pipeline(path, load_settings())
    assert "[bug error]" in caught.value.message
    assert "ZeroDivisionError: division by zero" in caught.value.message
    assert "report it" in (caught.value.hint or "")


def test_a_failed_run_resumes_to_the_metrics_of_an_uninterrupted_one(
    write_pipeline: WritePipeline, plugins: str, tmp_path: Path
) -> None:
    settings = load_settings()
    path = write_pipeline(clean=flaky(plugins, tmp_path, fail_times=1, error="bug"))
    with pytest.raises(PipelineFailedError):
        run_pipeline(path, settings)
    [failed] = RunStore(settings.resolved_home).list()
    resumed = resume_run(failed.run_id, settings)
    assert resumed.run_id == failed.run_id
    assert resumed.status == "succeeded"
    assert resumed.failure is None
    assert resumed.stage("ingest").status == "done"
    again = run_pipeline(path, settings)
    assert again.metrics == resumed.metrics
    store = RunStore(settings.resolved_home)
    assert resume_run(failed.run_id, settings) == store.load(failed.run_id)


def test_resume_refuses_an_unknown_run(write_pipeline: WritePipeline) -> None:
    with pytest.raises(NotFoundError, match="pipeline run '0123456789abcdef' does not exist"):
        resume_run("0123456789abcdef", load_settings())
    with pytest.raises(NotFoundError):
        resume_run("../../etc", load_settings())


def test_resume_refuses_a_changed_pipeline(
    write_pipeline: WritePipeline, plugins: str, tmp_path: Path
) -> None:
    settings = load_settings()
    path = write_pipeline(clean=flaky(plugins, tmp_path, fail_times=1, error="bug"))
    with pytest.raises(PipelineFailedError):
        run_pipeline(path, settings)
    [failed] = RunStore(settings.resolved_home).list()
    path.write_text(path.read_text().replace("seed: 1", "seed: 2"))
    with pytest.raises(ConfigError, match="the pipeline changed since run"):
        resume_run(failed.run_id, settings)


def test_a_data_version_that_differs_fails_before_any_work(write_pipeline: WritePipeline) -> None:
    settings = load_settings()
    path = write_pipeline()
    with pytest.raises(DataError, match="not ffffffff"):
        run_pipeline(path, settings, RunOptions(data_version="ffffffff"))
    assert RunStore(settings.resolved_home).list() == []
    version = run_pipeline(path, settings).data_version
    pinned = run_pipeline(path, settings, RunOptions(data_version=version[:6]))
    assert pinned.data_version == version


def test_every_log_line_carries_the_run_id(write_pipeline: WritePipeline) -> None:
    stream = io.StringIO()
    configure_logging("info", "json", stream)
    try:
        run = run_pipeline(write_pipeline(), load_settings())
    finally:
        configure_logging()
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    assert len(lines) >= 6
    assert {line["correlation_id"] for line in lines} == {run.run_id}
    assert {line.get("stage") for line in lines} >= {"ingest", "split", "train", "evaluate"}
