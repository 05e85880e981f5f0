"""Where recordings go: a folder, or a bucket on a real S3-compatible server (moto)."""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tests.integration.voice.s3 import moto_s3

from colloquy.agent.voice.calls import LocalRecordingStore, open_recording_store
from colloquy.agent.voice.calls.s3 import S3RecordingStore
from colloquy.agent.voice.pipeline.build import CallRecord
from colloquy.agent.voice.pipeline.journey import SpokenLine
from colloquy.agent.voice.pipeline.latency import STAGES, LatencyLedger, TurnClock
from colloquy.agent.voice.recording import save_call
from colloquy.errors import ConfigError, NotFoundError, UsageError

BUCKET = "calls"


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with moto_s3(monkeypatch, BUCKET) as url:
        yield url


def _tone(seconds: float, hz: float) -> bytes:
    t = np.arange(int(seconds * 8000)) / 8000
    return (np.sin(2 * np.pi * hz * t) * 8000).astype("<i2").tobytes()


def _call() -> tuple[CallRecord, list[tuple[float, bytes]], list[tuple[float, bytes]]]:
    lines = (
        SpokenLine("agent", "Thanks for calling the claims desk.", 0, 100.2),
        SpokenLine("caller", "What is the status of my claim?", 1, 103.0),
        SpokenLine("agent", "First I need to verify your identity.", 1, 104.1),
    )
    clock = TurnClock(1, 0.0)
    for index, stage in enumerate(STAGES, start=1):
        clock.mark(stage, index / 100)
    timings = LatencyLedger().finish(clock)
    assert timings is not None
    record = CallRecord("call-1", lines, (timings,))
    heard = [(3.0, _tone(1.0, 300))]
    said = [(0.2, _tone(2.0, 500)), (4.1, _tone(1.5, 500))]
    return record, heard, said


def _seconds(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav)) as reader:
        return float(reader.getnframes() / reader.getframerate())


def test_a_call_goes_to_the_bucket_and_reads_back(endpoint: str) -> None:
    store = open_recording_store(f"s3://{BUCKET}/agent/", endpoint_url=endpoint)
    assert isinstance(store, S3RecordingStore)
    record, heard, said = _call()
    location = save_call(store, record, heard, said, started=100.0, scores={1: 0.25, 2: 0.5})
    assert location == f"s3://{BUCKET}/agent/call-1"

    import boto3  # type: ignore[import-untyped]

    listed = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket=BUCKET)
    keys = sorted(item["Key"] for item in listed["Contents"])
    assert keys == [f"agent/call-1/{n}" for n in ("agent.wav", "caller.wav", "transcript.json")]
    caller, agent = store.get("call-1/caller.wav"), store.get("call-1/agent.wav")
    assert _seconds(caller) == _seconds(agent) == pytest.approx(5.6, abs=0.01)
    transcript = json.loads(store.get("call-1/transcript.json"))
    assert [line["role"] for line in transcript["lines"]] == ["agent", "caller", "agent"]
    assert [line["at_s"] for line in transcript["lines"]] == [0.2, 3.0, 4.1]
    assert [line.get("conversion_score") for line in transcript["lines"]] == [None, 0.25, 0.5]
    assert transcript["turns"][0]["total"] == pytest.approx(len(STAGES) * 10)


def test_a_folder_store_writes_the_same_files(tmp_path: Path) -> None:
    store = open_recording_store(tmp_path / "calls")
    assert isinstance(store, LocalRecordingStore)
    record, heard, said = _call()
    location = save_call(store, record, heard, said, started=100.0)
    assert Path(location) == tmp_path / "calls" / "call-1"
    assert {p.name for p in Path(location).iterdir()} == {
        "caller.wav",
        "agent.wav",
        "transcript.json",
    }
    transcript = json.loads(store.get("call-1/transcript.json"))
    assert "conversion_score" not in transcript["lines"][1]
    with pytest.raises(NotFoundError):
        store.get("call-2/caller.wav")
    with pytest.raises(UsageError, match="leaves"):
        store.put("../outside.wav", b"", "audio/wav")


def test_a_missing_bucket_is_a_config_error_at_open(endpoint: str) -> None:
    with pytest.raises(ConfigError, match=r"'nowhere'.*does not exist"):
        open_recording_store("s3://nowhere/calls", endpoint_url=endpoint)


def test_a_missing_object_is_not_found(endpoint: str) -> None:
    store = open_recording_store(f"s3://{BUCKET}", endpoint_url=endpoint)
    with pytest.raises(NotFoundError, match=f"s3://{BUCKET}/call-9/agent.wav"):
        store.get("call-9/agent.wav")


@pytest.mark.parametrize(
    ("target", "endpoint_url", "message"),
    [
        ("ftp://host/calls", None, "neither a folder nor"),
        ("s3:///calls", None, "neither a folder nor"),
        ("./calls", "http://127.0.0.1:9000", "S3 endpoint was given"),
    ],
)
def test_unusable_locations_are_usage_errors(
    target: str, endpoint_url: str | None, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        open_recording_store(target, endpoint_url=endpoint_url)
