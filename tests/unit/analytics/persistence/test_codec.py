"""The codec: exact round trips of real analyses, and one-line errors for bad payloads."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from colloquy.analytics.analysis import (
    AnalysisOptions,
    AnalysisRuntime,
    ConversationAnalysis,
    DatasetAnalysis,
    aggregate,
    analyze_batch,
)
from colloquy.analytics.failures import FailureType
from colloquy.analytics.flow import FlowLevel
from colloquy.analytics.outcomes import Bucket, ConversationFilter
from colloquy.analytics.persistence import (
    CODEC_VERSION,
    PayloadError,
    conversation_key,
    decode_conversation,
    decode_dataset,
    encode_conversation,
    encode_dataset,
)
from colloquy.data.loaders import SGDLoader
from colloquy.errors import ColloquyError, DataError
from colloquy.schema import Conversation, Speaker

START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _conversation(
    cid: str, *turns: tuple[str, str], timed: bool = True, **fields: Any
) -> Conversation:
    data: dict[str, Any] = {
        "id": cid,
        "source": "test",
        "channel": fields.pop("channel", "chat"),
        "turns": [
            {
                "index": index,
                "speaker": speaker,
                "text": text,
                **({"timestamp": START + timedelta(seconds=40 * index)} if timed else {}),
            }
            for index, (speaker, text) in enumerate(turns)
        ],
        **fields,
    }
    return Conversation.parse(data)


HAND_BUILT = (
    _conversation(
        "happy",
        ("customer", "Hi, my card was charged twice for one order. Can you help?"),
        ("agent", "Sorry about that! Could you send me the order number?"),
        ("customer", "Sure, it is 4471."),
        ("agent", "Thanks, the duplicate charge is refunded. Anything else?"),
        ("customer", "No, that's great, thank you so much!"),
        metadata={"brand": "AcmeHelp"},
        outcome={"converted": True},
    ),
    _conversation(
        "angry",
        ("customer", "This is the third time I ask. Nothing works and I am furious."),
        ("agent", "Have you tried restarting the router?"),
        ("customer", "That's not what I asked! I want to talk to a human, a real person."),
        ("agent", "I will transfer you to a supervisor."),
        started_at=START - timedelta(days=3),
        outcome={"converted": False},
    ),
    _conversation(
        "untimed",
        ("customer", "Where is my parcel?"),
        ("agent", "Could you give me the tracking number?"),
        timed=False,
    ),
    _conversation(
        "monologue", ("customer", "Hello?"), ("customer", "Anyone there?"), ("customer", "")
    ),
    _conversation(
        "foreign",
        ("customer", "Bonjour, ma carte bancaire est bloquée depuis hier soir."),
        ("agent", "Pouvez-vous me donner votre numéro de client, s'il vous plaît ?"),
        ("customer", "Oui, c'est le 5521. Merci beaucoup pour votre aide."),
        channel="email",
    ),
    _conversation("empty", ("customer", ""), ("agent", "")),
)


@pytest.fixture(scope="module")
def runtime() -> AnalysisRuntime:
    every = frozenset(FailureType) - {FailureType.REPETITION}
    return AnalysisRuntime(AnalysisOptions(detectors=every, bucket=Bucket.WEEK))


@pytest.fixture(scope="module")
def analyses(runtime: AnalysisRuntime, datasets_dir: Path) -> list[ConversationAnalysis]:
    sgd = list(SGDLoader().load(datasets_dir / "sgd" / "dev" / "dialogues_001.json"))[:12]
    return analyze_batch([*HAND_BUILT, *sgd], runtime=runtime, dataset="mixed")


@pytest.fixture(scope="module")
def dataset(analyses: list[ConversationAnalysis], runtime: AnalysisRuntime) -> DatasetAnalysis:
    where = ConversationFilter(speakers=frozenset({Speaker.CUSTOMER}))
    return aggregate(analyses, runtime.options, dataset="mixed", where=where)


def test_the_analyses_cover_what_the_codec_must_carry(analyses: list[ConversationAnalysis]) -> None:
    assert any(a.sentiment is None for a in analyses)
    assert any(a.sentiment is not None for a in analyses)
    assert any(a.trace is not None for a in analyses)
    assert any(a.started_at is None for a in analyses)
    assert any(a.failures.points for a in analyses)
    assert any(not a.language.is_english for a in analyses)


def test_aggregate_only_options_leave_a_conversation_analysis_unchanged(
    analyses: list[ConversationAnalysis], runtime: AnalysisRuntime, datasets_dir: Path
) -> None:
    """What lets conversation_key ignore the trend bucket and the flow level."""
    options = replace(runtime.options, bucket=Bucket.DAY, flow_level=FlowLevel.TURN)
    assert conversation_key(options) == conversation_key(runtime.options)
    assert options.fingerprint() != runtime.options.fingerprint()
    sgd = list(SGDLoader().load(datasets_dir / "sgd" / "dev" / "dialogues_001.json"))[:12]
    again = analyze_batch([*HAND_BUILT, *sgd], runtime=AnalysisRuntime(options), dataset="mixed")
    assert again == analyses


def test_every_conversation_analysis_round_trips_exactly(
    analyses: list[ConversationAnalysis],
) -> None:
    for analysis in analyses:
        payload = encode_conversation(analysis)
        decoded = decode_conversation(payload)
        assert decoded == analysis
        assert encode_conversation(decoded) == payload


def test_infinite_floats_round_trip(analyses: list[ConversationAnalysis]) -> None:
    language = replace(analyses[0].language, english_share=math.inf, latin_share=-math.inf)
    odd = replace(analyses[0], language=language)
    payload = encode_conversation(odd)
    assert '"Infinity"' in payload
    assert decode_conversation(payload) == odd


def test_a_dataset_analysis_round_trips_exactly(dataset: DatasetAnalysis) -> None:
    assert dataset.conversations > 0
    assert dataset.excluded > 0
    assert dataset.flow.edges
    payload = encode_dataset(dataset)
    decoded = decode_dataset(payload)
    assert decoded == dataset
    assert decoded.filter.speakers == dataset.filter.speakers
    assert isinstance(decoded.options.detectors, frozenset)
    assert orjson.loads(payload)["version"] == CODEC_VERSION


def _envelope(analysis: ConversationAnalysis) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(encode_conversation(analysis))
    return loaded


def _broken(analysis: ConversationAnalysis, change: str) -> str:
    data = _envelope(analysis)
    record = data["record"]
    if change == "version":
        data["version"] = CODEC_VERSION + 1
    elif change == "bool-version":
        data["version"] = True
    elif change == "no-version":
        del data["version"]
    elif change == "kind":
        data["kind"] = "dataset"
    elif change == "extra":
        data["note"] = "x"
    elif change == "missing-field":
        del record["dynamics"]
    elif change == "wrong-type":
        record["n_turns"] = "many"
    elif change == "bad-enum":
        record["speakers"] = ["robot"]
    elif change == "bad-date":
        record["day"] = "2024-02-31"
    return orjson.dumps(data).decode()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("version", "payload version 2; this colloquy reads version 1"),
        ("bool-version", "payload version True"),
        ("no-version", "payload version None"),
        ("kind", "holds kind 'dataset', not 'conversation'"),
        ("extra", "malformed at note"),
        ("missing-field", "malformed at record.dynamics: Field required"),
        ("wrong-type", "malformed at record.n_turns"),
        ("bad-enum", "malformed at record.speakers.0"),
        ("bad-date", "malformed at record.day"),
    ],
)
def test_bad_conversation_payloads_are_one_line_errors(
    analyses: list[ConversationAnalysis], change: str, expected: str
) -> None:
    with pytest.raises(PayloadError) as info:
        decode_conversation(_broken(analyses[0], change))
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
    assert message.startswith("stored conversation analysis ")
    assert isinstance(info.value, DataError)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("", "is not JSON"),
        ('{"version": 1, "kind": "conversation", "record": {', "is not JSON"),
        ("[1, 2]", "is a JSON list, not an object"),
        ('"text"', "is a JSON str, not an object"),
        ('{"version": 1, "kind": "conversation", "record": null}', "malformed at record"),
    ],
)
def test_payloads_that_are_not_envelopes(payload: str, expected: str) -> None:
    with pytest.raises(PayloadError, match=expected):
        decode_conversation(payload)


def test_a_dataset_payload_whose_values_break_a_record_invariant(dataset: DatasetAnalysis) -> None:
    data = orjson.loads(encode_dataset(dataset))
    data["record"]["filter"]["start"] = "2030-01-02"
    data["record"]["filter"]["end"] = "2030-01-01"
    with pytest.raises(ColloquyError, match="stored dataset analysis") as info:
        decode_dataset(orjson.dumps(data).decode())
    assert isinstance(info.value, PayloadError)
    assert "\n" not in str(info.value)


def test_a_conversation_payload_is_not_a_dataset_payload(
    analyses: list[ConversationAnalysis],
) -> None:
    with pytest.raises(PayloadError, match="holds kind 'conversation', not 'dataset'"):
        decode_dataset(encode_conversation(analyses[0]))
