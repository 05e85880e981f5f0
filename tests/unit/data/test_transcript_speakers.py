"""The speaker-name heuristic: labels found in caption lines, and which become speakers."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.data.loaders.transcript_formats.speakers import looks_like_name, split_caption_line
from colloquy.data.loaders.transcripts import TranscriptLoader


def _srt(lines: list[str]) -> str:
    cues = []
    for n, text in enumerate(lines):
        start, end = f"00:{n // 60:02d}:{n % 60:02d},000", f"00:{n // 60:02d}:{n % 60:02d},900"
        cues.append(f"{n + 1}\n{start} --> {end}\n{text}\n")
    return "\n".join(cues)


def test_a_word_before_a_colon_once_in_a_film_is_text(tmp_path: Path) -> None:
    lines = [f"Line {n} of the film." for n in range(300)]
    lines[150] = "Digo: nobody goes there."
    file = tmp_path / "film.srt"
    file.write_text(_srt(lines), encoding="utf-8")
    loader = TranscriptLoader()
    (conversation,) = loader.load(file)

    (turn,) = conversation.turns
    assert turn.text.count("\n") == 299
    assert "Digo: nobody goes there." in turn.text
    assert conversation.metadata["transcript"]["not_speakers"] == ["Digo"]
    assert conversation.metadata["transcript"]["cues"] == 300
    assert loader.report.problems == []


def test_a_name_once_in_a_labelled_file_is_a_speaker(tmp_path: Path) -> None:
    lines = ["Ana: Hello.", "Ben: Hi.", "Ana: Ready?", "Carla: Sorry I'm late."]
    file = tmp_path / "meeting.srt"
    file.write_text(_srt(lines), encoding="utf-8")
    (conversation,) = TranscriptLoader().load(file)
    assert [t.speaker_id for t in conversation.turns] == ["Ana", "Ben", "Ana", "Carla"]
    assert conversation.metadata["transcript"]["not_speakers"] == []


def test_prefixes_in_a_voice_file_are_text_unless_roles(tmp_path: Path) -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ana>Reminder:\nNote: bring the forms\n\n"
        "00:00:02.000 --> 00:00:03.000\nNote: again\n\n00:00:03.000 --> 00:00:04.000\nAgent: ok\n"
    )
    file = tmp_path / "voices.vtt"
    file.write_text(text, encoding="utf-8")
    (conversation,) = TranscriptLoader().load(file)
    assert [(t.speaker_id, t.text) for t in conversation.turns] == [
        ("Ana", "Reminder:\nNote: bring the forms\nNote: again"),
        ("Agent", "ok"),
    ]
    assert conversation.metadata["transcript"]["not_speakers"] == ["Note"]


@pytest.mark.parametrize(
    ("line", "text", "voice", "candidate", "dash"),
    [
        ("<v Ana Lima>Hi</v>", "Hi", "Ana Lima", None, False),
        ("<v.loud Ben>Hey &amp; bye", "Hey & bye", "Ben", None, False),
        ("- Ana: Hi", "Hi", None, ("Ana", "prefix"), True),
        ("- just text", "just text", None, None, True),
        ("[Tom] Yes.", "Yes.", None, ("Tom", "bracket"), False),
        ("(Maria): No.", "No.", None, ("Maria", "paren"), False),
        (">> HOST: Welcome", "Welcome", None, ("HOST", "prefix"), False),
        ("[Music]", "", None, None, False),
        ("[MUSIC PLAYING] la la", "la la", None, None, False),
        ("(whispering) come", "(whispering) come", None, None, False),
        ("It shows two charges: one", "It shows two charges: one", None, None, False),
        ("<i>Agent:</i> <b>Hi</b>", "Hi", None, ("Agent", "prefix"), False),
    ],
)
def test_split_caption_line(
    line: str,
    text: str,
    voice: str | None,
    candidate: tuple[str, str] | None,
    dash: bool,
) -> None:
    parsed = split_caption_line(line)
    assert parsed.text == text
    assert parsed.voice == voice
    found = None if parsed.candidate is None else (parsed.candidate.name, parsed.candidate.kind)
    assert found == candidate
    assert parsed.dash is dash


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Agent Sam", True),
        ("SPEAKER_00", True),
        ("Speaker 1", True),
        ("Ana de Souza", True),
        ("Élodie", True),
        ("It shows two charges", False),
        ("de Souza", False),
        ("One Two Three Four Five", False),
        ("Music", False),
    ],
)
def test_looks_like_name(name: str, expected: bool) -> None:
    assert looks_like_name(name) is expected
