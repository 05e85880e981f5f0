"""Transcript loading options and failures: merging, forced formats, skip reports, and an
ingest that reads nothing (library and CLI, against a real SQLite file)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from colloquy.data.loaders.transcripts import TranscriptLoader, aload_transcripts
from colloquy.errors import ParseError, UsageError
from colloquy.schema import Speaker

CORPUS = Path(__file__).parent / "transcripts"

SRT_IN_TXT = (
    "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hi.\n\n2\n00:00:02,000 --> 00:00:03,000\nok\n"
)


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "colloquy", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_merging_can_be_turned_off() -> None:
    (merged,) = TranscriptLoader().load(CORPUS / "vtt_voice_merge.vtt")
    (separate,) = TranscriptLoader(merge_cues=False).load(CORPUS / "vtt_voice_merge.vtt")
    assert len(merged.turns) == 3
    assert [t.extra["offset_seconds"] for t in separate.turns] == [1.0, 2.0, 3.5, 5.0]
    assert [t.speaker for t in separate.turns] == [
        Speaker.AGENT,
        Speaker.AGENT,
        Speaker.CUSTOMER,
        Speaker.AGENT,
    ]


def test_default_role_applies_to_captions_without_speakers() -> None:
    (conversation,) = TranscriptLoader(default_role="agent").load(CORPUS / "srt_no_speakers.srt")
    assert [t.speaker for t in conversation.turns] == [Speaker.AGENT]
    (named,) = TranscriptLoader(default_role="agent").load(CORPUS / "assemblyai.json")
    assert {t.speaker for t in named.turns} == {Speaker.AGENT}
    assert named.metadata["transcript"]["unmapped_speakers"] == ["A", "B"]


def test_speaker_map_names_diarised_speakers() -> None:
    loader = TranscriptLoader(speaker_map={"SPEAKER_00": "agent"})
    (conversation,) = loader.load(CORPUS / "whisperx.json")
    assert [t.speaker for t in conversation.turns] == [
        Speaker.AGENT,
        Speaker.CUSTOMER,
        Speaker.AGENT,
    ]
    assert conversation.metadata["transcript"]["unmapped_speakers"] == ["SPEAKER_01"]


def test_forced_format_reads_a_misnamed_file(tmp_path: Path) -> None:
    file = tmp_path / "export.txt"
    file.write_text(SRT_IN_TXT, encoding="utf-8")
    with pytest.raises(ParseError, match=r"export\.txt:1: text before the first speaker"):
        list(TranscriptLoader().load(file))
    (conversation,) = TranscriptLoader(transcript_format="SRT").load(file)
    assert [(t.speaker_id, t.text) for t in conversation.turns] == [("Agent", "Hi.\nok")]
    assert conversation.metadata["transcript"]["format"] == "srt"


def test_forcing_a_caption_format_on_a_json_named_file(tmp_path: Path) -> None:
    file = tmp_path / "captions.json"
    file.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Agent>Hi.\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"captions\.json:1: invalid JSON"):
        list(TranscriptLoader().load(file))
    (conversation,) = TranscriptLoader(transcript_format="webvtt").load(file)
    assert [t.text for t in conversation.turns] == ["Hi."]


def test_forcing_a_speech_to_text_format_on_other_json(tmp_path: Path) -> None:
    file = tmp_path / "call.json"
    file.write_text(json.dumps({"turns": [{"speaker": "agent", "text": "hi"}]}), encoding="utf-8")
    with pytest.raises(ParseError, match=r"call\.json: not aws speech-to-text JSON"):
        list(TranscriptLoader(transcript_format="aws").load(file))


def test_unknown_format_name_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError) as excinfo:
        TranscriptLoader(transcript_format="docx")
    assert "unknown transcript format 'docx'" in str(excinfo.value)
    assert "webvtt" in str(excinfo.value.hint)


def test_mixed_folder_loads_the_good_files_and_lists_the_bad(tmp_path: Path) -> None:
    (tmp_path / "good.vtt").write_bytes((CORPUS / "vtt_zoom.vtt").read_bytes())
    (tmp_path / "bad_timing.srt").write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nAgent: hi\n\n2\nsoon --> later\nCustomer: x\n",
        encoding="utf-8",
    )
    (tmp_path / "no_header.vtt").write_text("00:00:01.000 --> 00:00:02.000\nhi\n")
    (tmp_path / "empty.sbv").write_text("\n\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe\x00garbage")
    loader = TranscriptLoader(on_error="skip")
    loaded = list(loader.load(tmp_path))

    assert [c.id for c in loaded] == ["bad_timing", "good"]
    lines = [str(p) for p in loader.report.problems]
    assert all("\n" not in line for line in lines)
    assert lines == [
        f"{tmp_path / 'bad_timing.srt'}:6: bad time 'soon'; expected hh:mm:ss.mmm "
        "(the cue's 1 line left out)",
        f"{tmp_path / 'binary.txt'}: binary data, not text (not UTF-8: invalid start byte at "
        "byte 3); expected a text transcript",
        f"{tmp_path / 'empty.sbv'}: no turns found; read as sbv, which needs cues: a "
        "'h:mm:ss.mmm,h:mm:ss.mmm' line and the text",
        f"{tmp_path / 'no_header.vtt'}:1: not a WebVTT file: the first line must be 'WEBVTT' "
        "(nothing read)",
    ]


def test_reading_nothing_fails_instead_of_loading_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.vtt").write_text("00:00:01.000 --> 00:00:02.000\nhi\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n", encoding="utf-8")
    loader = TranscriptLoader(on_error="skip")
    with pytest.raises(ParseError, match=r"no conversation could be read from .*2 problem"):
        list(loader.load(tmp_path))
    assert len(loader.report.problems) == 2
    with pytest.raises(ParseError, match="no conversation could be read"):
        asyncio.run(aload_transcripts(tmp_path, on_error="skip"))


def test_cli_forced_format_and_an_ingest_that_reads_nothing(tmp_path: Path) -> None:
    env = {"COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    export = tmp_path / "export.txt"
    export.write_text(SRT_IN_TXT, encoding="utf-8")
    ok = _cli(
        "data", "ingest", "transcript", str(export), "--transcript-format", "srt",
        "--dataset", "calls", "--format", "json", env=env,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["inserted"] == 1

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.vtt").write_text("not a caption file\n", encoding="utf-8")
    failed = _cli(
        "data", "ingest", "transcript", str(bad), "--on-error", "skip", "--dataset", "empty",
        env=env,
    )  # fmt: skip
    assert failed.returncode == 65, failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("colloquy: error:")]
    assert len(errors) == 1
    assert "no conversation could be read" in errors[0]
    assert "x.vtt:1: not a WebVTT file" in errors[0]
    listed = _cli("data", "list", "--format", "json", env=env)
    assert "empty" not in listed.stdout
    assert "calls" in listed.stdout

    wrong = _cli("data", "ingest", "csv", str(export), "--transcript-format", "srt", env=env)
    assert wrong.returncode == 2
    assert "--transcript-format applies to the transcript source only" in wrong.stderr


def test_cli_no_merge_cues_keeps_each_cue_a_turn(tmp_path: Path) -> None:
    env = {"COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    source = str(CORPUS / "vtt_voice_merge.vtt")
    for flag, dataset in (("--merge-cues", "merged"), ("--no-merge-cues", "separate")):
        done = _cli("data", "ingest", "transcript", source, flag, "-d", dataset, env=env)
        assert done.returncode == 0, done.stderr
    shown = {
        name: json.loads(_cli("data", "show", name, "--format", "json", env=env).stdout)
        for name in ("merged", "separate")
    }
    assert shown["merged"]["turns"] == 3
    assert shown["separate"]["turns"] == 4
    wrong = _cli("data", "ingest", "csv", source, "--no-merge-cues", env=env)
    assert wrong.returncode == 2
    assert "apply to the transcript source only" in wrong.stderr
