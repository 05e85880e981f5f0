"""Which transcript format a file is in: named by the user, or told by suffix and content.

Suffixes are ambiguous in practice (``.txt`` holds plain transcripts, WebVTT or YouTube
captions; every speech-to-text service writes ``.json``), so content decides where it can,
and a forced name overrides both for files that are misnamed.
"""

from __future__ import annotations

from pathlib import Path

from colloquy.data.loaders.transcript_formats.captions import looks_like_sbv
from colloquy.data.loaders.transcript_formats.stt_json import STT_FORMATS, detect
from colloquy.errors import UsageError

TRANSCRIPT_FORMATS = ("plain", "webvtt", "srt", "sbv", "json", *STT_FORMATS)
"""Names ``transcript_format`` accepts; ``json`` is colloquy's own transcript JSON."""

EXPECTED = {
    "plain": "'Speaker: text' lines",
    "webvtt": "'WEBVTT' then cues: a 'start --> end' line and the text",
    "srt": "numbered cues: a 'start --> end' line and the text",
    "sbv": "cues: a 'h:mm:ss.mmm,h:mm:ss.mmm' line and the text",
    "json": "{'turns': [{'speaker', 'text'}]}",
    "whisper": "'segments' with 'start', 'end' and 'text'",
    "assemblyai": "'utterances' with 'speaker', 'start', 'end' and 'text'",
    "deepgram": "'results' with 'utterances' or 'channels'",
    "aws": "'results' with 'items' or 'transcripts'",
    "google": "'results' with 'alternatives'",
}
"""What each format must contain, for the message about a file where nothing was found."""

_SUFFIX_FORMATS = {".vtt": "webvtt", ".srt": "srt", ".sbv": "sbv", ".txt": "plain"}


def check_format(name: str | None) -> str | None:
    """``name`` when it is a transcript format (any case); ``UsageError`` listing them."""
    if name is None:
        return None
    key = name.strip().lower()
    if key not in TRANSCRIPT_FORMATS:
        valid = ", ".join(TRANSCRIPT_FORMATS)
        raise UsageError(f"unknown transcript format {name!r}", hint=f"valid formats: {valid}")
    return key


def detect_format(path: Path, text: str, data: object = None) -> str:
    """The format of a file from its suffix and, where the suffix is ambiguous, its content."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return detect(data) or "json"
    if text.lstrip().startswith("WEBVTT"):
        return "webvtt"
    if suffix == ".txt" and looks_like_sbv(text):
        return "sbv"
    return _SUFFIX_FORMATS.get(suffix, "plain")


__all__ = ["EXPECTED", "TRANSCRIPT_FORMATS", "check_format", "detect_format"]
