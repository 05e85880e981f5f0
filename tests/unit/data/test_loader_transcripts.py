"""Call transcripts: Speaker lines, WebVTT, SRT, JSON, and concurrent ingestion."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from colloquy.data.loaders.base import LoadReport
from colloquy.data.loaders.transcripts import (
    ParsedTranscript,
    TranscriptLoader,
    TranscriptParser,
    aiter_transcripts,
    aload_transcripts,
)
from colloquy.errors import NotFoundError, ParseError, UsageError
from colloquy.schema import Speaker

SPEAKER_LINES = """\
[00:00:01] Agent: Thanks for calling Acme, this is Sam.
[00:00:04] Customer: Hi, my invoice is wrong.
It shows two charges: one on the 3rd and one on the 5th.

00:01:09 Agent Sam: Let me check that. See https://acme.example/billing
Prospect: And can I upgrade?
"""

WEBVTT = """\
WEBVTT
Kind: captions

NOTE exported by the meeting tool

intro
00:00:01.000 --> 00:00:03.500
<v Agent>Hello &amp; welcome to <b>Acme</b></v>

00:00:04.000 --> 00:00:06.000
<v.loud Customer Jane>I want to cancel.

00:00:06.000 --> 00:00:08.250
right now, please.

00:01:00.000 --> 00:01:02.000
Support: Done.
"""

SRT = """\
1
00:00:01,000 --> 00:00:02,000
Rep: Hi there

2
00:00:02,500 --> 00:00:04,000
Caller: <i>Hello</i>
is this sales?
"""

JSON_TRANSCRIPT = {
    "id": "call-42",
    "started_at": "2024-05-01T09:00:00Z",
    "turns": [
        {"speaker": "Sales", "text": "Hi!", "timestamp": "00:00:02"},
        {"speaker": "customer", "text": "Price?", "timestamp": 1714554005, "intent": "pricing"},
        {"speaker": "Agent", "text": "It is $10.", "sentiment": 0.2},
    ],
    "metadata": {"region": "EU", "tier": 2},
    "outcome": {"converted": True, "value": 120},
}


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _load_one(path: Path, **options: object) -> tuple[list[object], TranscriptLoader]:
    loader = TranscriptLoader(**options)  # type: ignore[arg-type]
    return list(loader.load(path)), loader


def test_speaker_lines_with_timestamps_and_continuations(tmp_path: Path) -> None:
    file = _write(tmp_path, "call-001.txt", SPEAKER_LINES)
    (conversation,) = TranscriptLoader().load(file)

    assert conversation.id == "call-001"
    assert conversation.channel == "call"
    assert conversation.source == "transcript"
    roles = [t.speaker for t in conversation.turns]
    assert roles == [Speaker.AGENT, Speaker.CUSTOMER, Speaker.AGENT, Speaker.CUSTOMER]
    assert conversation.turns[1].text == (
        "Hi, my invoice is wrong.\nIt shows two charges: one on the 3rd and one on the 5th."
    )
    assert conversation.turns[2].speaker_id == "Agent Sam"
    assert conversation.turns[2].text.endswith("https://acme.example/billing")
    assert conversation.turns[2].extra == {"offset_seconds": 69.0}
    assert conversation.turns[2].timestamp == datetime(1970, 1, 1, 0, 1, 9, tzinfo=UTC)
    assert conversation.turns[3].timestamp is None


def test_webvtt_voices_notes_and_continuation_cues(tmp_path: Path) -> None:
    file = _write(tmp_path, "meeting.vtt", WEBVTT)
    (conversation,) = TranscriptLoader().load(file)

    agent, customer, support = conversation.turns
    assert agent.text == "Hello & welcome to Acme"
    assert agent.extra == {"offset_seconds": 1.0, "end_seconds": 3.5}
    assert customer.speaker is Speaker.CUSTOMER
    assert customer.speaker_id == "Customer Jane"
    assert customer.text == "I want to cancel.\nright now, please."
    assert customer.extra == {"offset_seconds": 4.0, "end_seconds": 8.25}
    assert support.speaker is Speaker.AGENT
    assert support.timestamp == datetime(1970, 1, 1, 0, 1, tzinfo=UTC)


def test_srt(tmp_path: Path) -> None:
    file = _write(tmp_path, "call.srt", SRT)
    (conversation,) = TranscriptLoader().load(file)
    assert [(t.speaker, t.text) for t in conversation.turns] == [
        (Speaker.AGENT, "Hi there"),
        (Speaker.CUSTOMER, "Hello\nis this sales?"),
    ]
    assert conversation.turns[1].extra == {"offset_seconds": 2.5, "end_seconds": 4.0}


def test_json_transcript(tmp_path: Path) -> None:
    file = _write(tmp_path, "whatever.json", json.dumps(JSON_TRANSCRIPT))
    (conversation,) = TranscriptLoader().load(file)

    assert conversation.id == "call-42"
    assert conversation.started_at == datetime(2024, 5, 1, 9, tzinfo=UTC)
    assert conversation.metadata == {"region": "EU", "tier": 2}
    assert conversation.outcome is not None
    assert conversation.outcome.value == 120.0
    first, second, third = conversation.turns
    assert first.timestamp == datetime(2024, 5, 1, 9, 0, 2, tzinfo=UTC)
    assert second.timestamp == datetime(2024, 5, 1, 9, 0, 5, tzinfo=UTC)
    assert second.intent == "pricing"
    assert third.extra == {"sentiment": 0.2}


def test_json_list_of_turns_takes_the_file_stem(tmp_path: Path) -> None:
    turns = [{"speaker": "client", "text": "hello"}, {"speaker": "rep", "text": "hi"}]
    file = _write(tmp_path, "c-7.json", json.dumps(turns))
    (conversation,) = TranscriptLoader().load(file)
    assert conversation.id == "c-7"
    assert [t.speaker for t in conversation.turns] == [Speaker.CUSTOMER, Speaker.AGENT]


def test_folder_loads_transcripts_sorted(tmp_path: Path) -> None:
    _write(tmp_path, "b.srt", SRT)
    _write(tmp_path, "a.txt", SPEAKER_LINES)
    _write(tmp_path, "c.vtt", WEBVTT)
    _write(tmp_path, "skip.md", "# not a transcript")
    loader = TranscriptLoader()
    assert [c.id for c in loader.load(tmp_path)] == ["a", "b", "c"]
    assert loader.report.conversations == 3


def test_unknown_speaker_fails_with_file_and_line(tmp_path: Path) -> None:
    text = "Agent: hello\nWizard: abracadabra\nstill the wizard\nCustomer: what?\n"
    file = _write(tmp_path, "odd.txt", text)
    with pytest.raises(ParseError) as excinfo:
        list(TranscriptLoader().load(file))
    message = str(excinfo.value)
    assert f"{file}:2:" in message
    assert "unknown speaker 'Wizard'" in message
    assert "default_role" in message


def test_unknown_speaker_skipped_with_its_continuation(tmp_path: Path) -> None:
    text = "Agent: hello\nWizard: abracadabra\nstill the wizard\nCustomer: what?\n"
    file = _write(tmp_path, "odd.txt", text)
    loader = TranscriptLoader(on_error="skip")
    (conversation,) = loader.load(file)
    assert [t.text for t in conversation.turns] == ["hello", "what?"]
    assert [p.line for p in loader.report.problems] == [2]
    assert loader.report.problems[0].message.endswith(
        "(the 1 line after it, which continue it, were left out too)"
    )


def test_default_role_and_custom_names(tmp_path: Path) -> None:
    file = _write(tmp_path, "named.txt", "Dana: hi, Acme here\nBob: hi\nZed: hmm\n")
    loader = TranscriptLoader(speaker_map={"Dana": "agent"}, default_role="customer")
    (conversation,) = loader.load(file)
    assert [t.speaker for t in conversation.turns] == [
        Speaker.AGENT,
        Speaker.CUSTOMER,
        Speaker.CUSTOMER,
    ]
    with pytest.raises(UsageError, match="unknown role 'boss'"):
        TranscriptLoader(default_role="boss")


def test_bad_cue_timing_is_a_problem(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAgent: hi\n\nsoon --> later\nCustomer: x\n"
    file = _write(tmp_path, "bad.vtt", text)
    with pytest.raises(ParseError, match=r"bad\.vtt:6: bad time 'soon'"):
        list(TranscriptLoader().load(file))
    loader = TranscriptLoader(on_error="skip")
    (conversation,) = loader.load(file)
    assert [t.text for t in conversation.turns] == ["hi"]


def test_vtt_without_header(tmp_path: Path) -> None:
    file = _write(tmp_path, "x.vtt", "00:00:01.000 --> 00:00:02.000\nAgent: hi\n")
    with pytest.raises(ParseError, match=r"x\.vtt:1: not a WebVTT file"):
        list(TranscriptLoader().load(file))


def test_invalid_json_has_a_line(tmp_path: Path) -> None:
    file = _write(tmp_path, "broken.json", '{\n  "turns": [\n    {"speaker": "agent",,}\n]}')
    with pytest.raises(ParseError, match=r"broken\.json:3: invalid JSON"):
        list(TranscriptLoader().load(file))


def test_json_turn_problems_are_skipped(tmp_path: Path) -> None:
    turns = [
        {"speaker": "agent", "text": "hi"},
        {"speaker": "customer", "text": "when?", "timestamp": "someday"},
        {"speaker": "nobody", "text": "?"},
        {"text": "no speaker"},
    ]
    file = _write(tmp_path, "t.json", json.dumps(turns))
    loader = TranscriptLoader(on_error="skip")
    (conversation,) = loader.load(file)
    assert [t.text for t in conversation.turns] == ["hi"]
    messages = [p.message for p in loader.report.problems]
    assert messages[0].startswith("turns[1]: unparseable timestamp")
    assert messages[1].startswith("turns[2]: unknown speaker 'nobody'")
    assert messages[2] == "turns[3]: missing 'speaker'"


def test_text_before_any_speaker_and_empty_file(tmp_path: Path) -> None:
    orphan = _write(tmp_path, "orphan.txt", "hello there\nAgent: hi\n")
    empty = _write(tmp_path, "empty.txt", "\n\n")
    loader = TranscriptLoader(on_error="skip")
    assert [c.id for c in loader.load(tmp_path)] == ["orphan"]
    problems = {(Path(p.path).name, p.line): p.message for p in loader.report.problems}
    assert problems[("orphan.txt", 1)].startswith("text before the first speaker")
    assert problems[("empty.txt", None)].startswith("no turns found; read as plain")
    assert orphan.is_file()
    assert empty.is_file()


def test_windows_1252_is_detected_and_reported(tmp_path: Path) -> None:
    file = tmp_path / "legacy.txt"
    file.write_bytes(
        "Agent: caf\xe9 \u2013 \u201cna\xefve\u201d\nCustomer: d\xe9j\xe0 vu\n".encode("cp1252")
    )
    (conversation,) = TranscriptLoader().load(file)
    assert [t.text for t in conversation.turns] == [
        "caf\xe9 \u2013 \u201cna\xefve\u201d",
        "d\xe9j\xe0 vu",
    ]
    report = conversation.metadata["transcript"]
    assert (report["encoding"], report["encoding_method"]) == ("cp1252", "detected")


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_byte_order_marks(tmp_path: Path, codec: str) -> None:
    file = tmp_path / "bom.vtt"
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Agent>Gr\xfc\xdf dich\n"
    data = text.encode(codec)
    if codec.endswith("-be"):
        data = "\ufeff".encode(codec) + data
    file.write_bytes(data)
    (conversation,) = TranscriptLoader().load(file)
    assert conversation.turns[0].text == "Gr\xfc\xdf dich"
    assert conversation.metadata["transcript"]["encoding_method"] == "bom"


def test_binary_file_is_a_problem(tmp_path: Path) -> None:
    file = tmp_path / "audio.txt"
    file.write_bytes(b"RIFF\x00\x00\xff\xfe\x00\x81\x00WAVEfmt ")
    with pytest.raises(ParseError, match=r"audio\.txt: binary data, not text"):
        list(TranscriptLoader().load(file))


def test_parser_is_pure() -> None:
    result = TranscriptParser().parse_text(Path("x.txt"), "Agent: hi\nAlien: zork\n")
    assert isinstance(result, ParsedTranscript)
    assert result.conversation is not None
    assert len(result.conversation.turns) == 1
    assert [p.line for p in result.problems] == [2]


# ---------------------------------------------------------------------------- async


def _many(folder: Path, count: int = 50) -> list[Path]:
    files = []
    for n in range(count):
        kind = n % 4
        if kind == 0:
            files.append(_write(folder, f"call-{n:03d}.txt", f"Agent: hello {n}\nCustomer: hi\n"))
        elif kind == 1:
            files.append(_write(folder, f"call-{n:03d}.vtt", WEBVTT))
        elif kind == 2:
            files.append(_write(folder, f"call-{n:03d}.srt", SRT))
        else:
            data = {**JSON_TRANSCRIPT, "id": f"call-{n:03d}"}
            files.append(_write(folder, f"call-{n:03d}.json", json.dumps(data)))
    return files


def test_fifty_files_concurrently_in_deterministic_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _many(tmp_path)
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    original = TranscriptParser.parse_file

    def slow_parse(self: TranscriptParser, path: Path) -> ParsedTranscript:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        # Later files finish first, so order must come from the code, not from timing.
        time.sleep(0.002 * (50 - int(path.stem[-3:]) % 7))
        try:
            return original(self, path)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(TranscriptParser, "parse_file", slow_parse)
    report = LoadReport(source="transcript")
    conversations = asyncio.run(aload_transcripts(reversed(files), concurrency=4, report=report))

    assert [c.id for c in conversations] == [f"call-{n:03d}" for n in reversed(range(50))]
    assert 2 <= state["peak"] <= 4
    assert report.conversations == 50
    assert report.files == [str(f) for f in reversed(files)]
    assert report.problems == []

    monkeypatch.setattr(TranscriptParser, "parse_file", original)
    sync = list(TranscriptLoader().load(tmp_path))
    again = asyncio.run(aload_transcripts(tmp_path, concurrency=8))
    assert [c.content_hash for c in again] == [c.content_hash for c in sync]


def test_async_fail_raises_first_problem_in_input_order(tmp_path: Path) -> None:
    files = _many(tmp_path, 10)
    _write(tmp_path, "call-003.json", "{broken")
    _write(tmp_path, "call-004.txt", "Martian: ack\n")
    with pytest.raises(ParseError, match=r"call-003\.json:1: invalid JSON"):
        asyncio.run(aload_transcripts(files, concurrency=3))

    report = LoadReport(source="transcript")
    loaded = asyncio.run(aload_transcripts(files, concurrency=3, on_error="skip", report=report))
    assert len(loaded) == 8
    assert [Path(p.path).name for p in report.problems] == ["call-003.json", "call-004.txt"]


def test_aiter_transcripts_yields_results_in_order(tmp_path: Path) -> None:
    files = _many(tmp_path, 12)

    async def collect() -> list[ParsedTranscript]:
        return [result async for result in aiter_transcripts(files, concurrency=2)]

    results = asyncio.run(collect())
    assert [r.path for r in results] == files
    with pytest.raises(UsageError, match="concurrency"):
        asyncio.run(aload_transcripts(files, concurrency=0))


def test_async_missing_path(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        asyncio.run(aload_transcripts([tmp_path / "nope.txt"]))


def test_one_id_from_two_files_names_both(tmp_path: Path) -> None:
    (tmp_path / "call1.txt").write_text("Agent: Hello.\nCustomer: Hi.\n", encoding="utf-8")
    (tmp_path / "call1.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Agent>Hello again.\n", encoding="utf-8"
    )
    with pytest.raises(ParseError) as excinfo:
        list(TranscriptLoader().load(tmp_path))
    message = str(excinfo.value)
    assert "\n" not in message
    assert str(tmp_path / "call1.vtt") in message
    assert str(tmp_path / "call1.txt") in message

    loader = TranscriptLoader(on_error="skip")
    assert [len(c.turns) for c in loader.load(tmp_path)] == [2]
    (problem,) = loader.report.problems
    assert problem.path == str(tmp_path / "call1.vtt")

    skipped = LoadReport(source="transcript")
    conversations = asyncio.run(aload_transcripts(tmp_path, on_error="skip", report=skipped))
    assert [c.id for c in conversations] == ["call1"]
    assert len(skipped.problems) == 1
