"""The transcript corpus: every file loads with default options, with the expected speakers,
roles, turn counts, times and texts written down in ``transcripts/expected.json``.

The corpus files were written for this project from the formats' public specifications
(WebVTT, SubRip, YouTube SBV) and the speech-to-text services' documented response shapes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from colloquy.data.loaders.transcripts import TranscriptLoader

CORPUS = Path(__file__).parent / "transcripts"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (CORPUS / "expected.json").read_text(encoding="utf-8")
)


def test_corpus_is_large_and_complete() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name != "expected.json"}
    assert len(files) >= 40
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    expected = EXPECTED[name]
    (conversation,) = TranscriptLoader().load(CORPUS / name)

    turns = [
        [
            t.speaker_id,
            t.speaker.value,
            t.extra.get("offset_seconds"),
            t.extra.get("end_seconds"),
        ]
        for t in conversation.turns
    ]
    assert turns == expected["turns"]
    if "texts" in expected:
        assert [t.text for t in conversation.turns] == expected["texts"]
    if expected["format"] == "json":
        return
    report = conversation.metadata["transcript"]
    assert report["format"] == expected["format"]
    assert report["not_speakers"] == expected.get("not_speakers", [])
    if "encoding" in expected:
        assert report["encoding"] == expected["encoding"]
