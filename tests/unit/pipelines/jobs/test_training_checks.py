"""What a pipeline sent over HTTP may not do, refused before a job exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.config import load_settings
from colloquy.errors import UsageError
from colloquy.pipelines.jobs import TrainingSpec
from colloquy.pipelines.jobs.events import (
    JobEvent,
    append_event,
    last_event,
    progress_event,
    read_events,
    state_event,
)
from colloquy.pipelines.jobs.training import check_remote_text, validate_training
from colloquy.progress import ProgressEvent

PIPELINE = """\
name: remote
task: intent
data: {{path: {path}, label_column: category}}
stages:
  ingest: {{}}
  split: {{}}
  train: {{{train}}}
tracking: {{enabled: false}}
"""


def _pipeline(
    folder: Path, *, path: str = "train.csv", train: str = "params: {method: tfidf}"
) -> Path:
    (folder / "train.csv").write_text("text,category\nhello,greet\n")
    file = folder / "p.yaml"
    file.write_text(PIPELINE.format(path=path, train=train))
    return file


def test_a_pipeline_reading_inside_the_allowed_folder_passes(tmp_path: Path) -> None:
    file = _pipeline(tmp_path)
    validate_training(TrainingSpec(pipeline_file=str(file)), load_settings(), (tmp_path,))


def test_data_outside_the_allowed_folders_is_refused(tmp_path: Path) -> None:
    allowed = tmp_path / "data"
    allowed.mkdir()
    file = _pipeline(allowed, path="../train.csv")
    (tmp_path / "train.csv").write_text("text,category\nhello,greet\n")
    with pytest.raises(UsageError, match="outside the folders the API may read"):
        validate_training(TrainingSpec(pipeline_file=str(file)), load_settings(), (allowed,))


def test_import_path_components_are_refused(tmp_path: Path) -> None:
    dotted = "colloquy.pipelines.components.train_intent:TrainIntent"
    file = _pipeline(tmp_path, train=f"component: '{dotted}', params: {{method: tfidf}}")
    with pytest.raises(UsageError, match="not import paths"):
        validate_training(TrainingSpec(pipeline_file=str(file)), load_settings(), (tmp_path,))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: ${COLLOQUY_LLM__API_KEY}\n", "substitution"),
        ("extends: /etc/base.yaml\nname: x\n", "extends"),
        ("name: x\n" + "#" * 300_000, "larger than"),
    ],
)
def test_remote_text_checks(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        check_remote_text(text)


def test_events_resume_after_a_number_and_skip_a_half_written_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    append_event(path, state_event("queued"))
    append_event(path, state_event("running", "worker 1"))
    with path.open("a") as handle:
        handle.write("not json\n")
    append_event(path, state_event("succeeded"))
    with path.open("a") as handle:
        handle.write('{"at": "2026-')
    events = read_events(path)
    assert [(n, e.state) for n, e in events] == [(1, "queued"), (2, "running"), (4, "succeeded")]
    assert [n for n, _ in read_events(path, after=2)] == [4]
    assert read_events(tmp_path / "missing.jsonl") == []
    assert isinstance(events[0][1], JobEvent)


def test_the_last_event_is_read_from_the_end_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    assert last_event(path) is None
    for done in range(2000):
        append_event(path, progress_event(ProgressEvent("ingest", done, None, "rows"), None))
    with path.open("a") as handle:
        handle.write('{"at": "half')
    newest = last_event(path)
    assert newest is not None
    assert (newest.stage, newest.done, newest.unit) == ("ingest", 1999, "rows")


def test_a_symlink_out_of_an_allowed_folder_is_outside(tmp_path: Path) -> None:
    from colloquy.pipelines.jobs.training import inside

    allowed = tmp_path / "data"
    allowed.mkdir()
    secret = tmp_path / "secret.csv"
    secret.write_text("text,category\n")
    (allowed / "link.csv").symlink_to(secret)
    (allowed / "plain.csv").write_text("text,category\n")
    assert inside(allowed / "plain.csv", (allowed,))
    assert not inside(allowed / "link.csv", (allowed,))
    assert not inside(allowed / ".." / "secret.csv", (allowed,))
