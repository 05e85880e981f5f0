"""What the archive keeps of a finished call, and what it keeps when a part of it fails."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.integration.voice.conversion_model import small_conversion_model
from tests.integration.voice.s3 import moto_s3

from colloquy.agent.voice.calls import LocalRecordingStore, open_recording_store
from colloquy.agent.voice.calls.archive import CallArchive
from colloquy.agent.voice.calls.conversation import CallFacts
from colloquy.agent.voice.calls.scoring import CallScorer
from colloquy.agent.voice.pipeline.build import CallRecord
from colloquy.agent.voice.pipeline.journey import SpokenLine
from colloquy.schema import Speaker
from colloquy.storage import Store

STARTED_AT = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
RECORD = CallRecord(
    "call-7",
    (
        SpokenLine("agent", "Thanks for calling, how can I help?", 0, 50.4),
        SpokenLine("caller", "I want to file a claim for my kitchen.", 1, 53.0),
        SpokenLine("agent", "", 1, 55.0, interrupted=True),
        SpokenLine("caller", "A pipe burst last night.", 2, 56.5),
        SpokenLine("agent", "I am sorry to hear that. Let's start the claim.", 2, 58.2),
    ),
    (),
)
FACTS = CallFacts("sip", STARTED_AT, 50.0, 12.5, caller="sip:caller@10.0.0.9")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'calls.db'}") as opened:
        yield opened


@pytest.fixture(scope="module")
def scorer(datasets_dir: Path) -> Iterator[CallScorer]:
    loaded = CallScorer(small_conversion_model(datasets_dir), name="craigslist/1")
    yield loaded
    loaded.close()


def test_a_call_without_a_model_is_stored_once_and_unscored(store: Store, tmp_path: Path) -> None:
    archive = CallArchive(LocalRecordingStore(tmp_path / "calls"), store)
    kept = asyncio.run(archive.keep(RECORD, FACTS))
    again = asyncio.run(archive.keep(RECORD, FACTS))
    assert (kept.stored, again.stored) == (True, False)
    assert kept.scores == ()
    (stored,) = list(store.conversations("voice_calls"))
    assert stored == kept.conversation
    assert [t.speaker for t in stored.turns] == [
        Speaker.AGENT,
        Speaker.CUSTOMER,
        Speaker.CUSTOMER,
        Speaker.AGENT,
    ]
    assert [t.extra["voice_turn"] for t in stored.turns] == [0, 1, 2, 2]
    assert stored.turns[1].timestamp == datetime(2026, 11, 29, 9, 30, 3, tzinfo=UTC)
    assert stored.metadata == {
        "call_id": "call-7",
        "telephony": "sip",
        "duration_s": 12.5,
        "agent_turns": 0,
        "caller": "sip:caller@10.0.0.9",
        "recording": str(tmp_path / "calls" / "call-7"),
    }
    assert stored.labels == {}
    transcript = json.loads((tmp_path / "calls" / "call-7" / "transcript.json").read_text())
    assert len(transcript["lines"]) == len(RECORD.lines)
    assert all("conversion_score" not in line for line in transcript["lines"])


def test_scores_follow_every_turn(store: Store, tmp_path: Path, scorer: CallScorer) -> None:
    archive = CallArchive(LocalRecordingStore(tmp_path), store, "scored_calls", scorer)
    kept = asyncio.run(archive.keep(RECORD, FACTS))
    running = scorer.predictor.running_scores(kept.conversation)
    assert kept.scores == pytest.approx(running)
    assert len(kept.scores) == 4
    (stored,) = list(store.conversations("scored_calls"))
    assert [t.extra["conversion_score"] for t in stored.turns] == [
        pytest.approx(s, abs=1e-4) for s in running
    ]
    assert stored.labels == {
        "conversion_score": pytest.approx(running[-1], abs=1e-4),
        "conversion_model": "craigslist/1",
    }
    transcript = json.loads((tmp_path / "call-7" / "transcript.json").read_text())
    scored = [line.get("conversion_score") for line in transcript["lines"]]
    assert scored[2] is None
    assert [s for s in scored if s is not None] == [pytest.approx(s, abs=1e-4) for s in running]


def test_a_bucket_gone_away_loses_the_audio_not_the_call(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with moto_s3(monkeypatch, "gone") as endpoint:
        recordings = open_recording_store("s3://gone/calls", endpoint_url=endpoint)
    kept = asyncio.run(CallArchive(recordings, store).keep(RECORD, FACTS))
    assert kept.recording is None
    assert kept.stored
    assert "recording" not in kept.conversation.metadata
