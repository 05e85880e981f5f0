"""Speech-to-text JSON: Whisper family, AssemblyAI, Deepgram, AWS Transcribe, Google STT.

Each service writes its own shape, none of them names itself, and all of them are
``.json`` like colloquy's own transcripts, so the format is recognised from the keys
(:func:`detect`) and can be forced by name. Diarisation ids (``A``, ``spk_0``,
``SPEAKER_00``, ``0``) and AWS channel labels (``ch_0``) become speaker labels; without
diarisation a file is one speaker.
Times are seconds rounded to milliseconds; AssemblyAI's milliseconds are converted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from colloquy.data.loaders.transcript_formats.cues import Cue, Label

STT_FORMATS = ("whisper", "assemblyai", "deepgram", "aws", "google")


def detect(data: object) -> str | None:
    """The speech-to-text service that wrote ``data``, or ``None`` for other JSON."""
    if isinstance(data, list):
        return "whisper" if data and all(_is_segment(item) for item in data) else None
    if not isinstance(data, dict):
        return None
    results = data.get("results")
    if isinstance(data.get("utterances"), list) or (
        "audio_url" in data and isinstance(data.get("words"), list)
    ):
        return "assemblyai"
    if isinstance(data.get("segments"), list):
        return "whisper"
    if isinstance(results, dict):
        if "channels" in results or "utterances" in results:
            return "deepgram"
        if "transcripts" in results or "items" in results:
            return "aws"
    if isinstance(results, list) and any(
        isinstance(r, dict) and "alternatives" in r for r in results
    ):
        return "google"
    return None


def read_stt(data: Any, kind: str) -> list[Cue]:
    """Cues from a speech-to-text result; ``ValueError`` naming the missing part otherwise."""
    reader: Callable[[Any], list[Cue]] = {
        "whisper": _whisper,
        "assemblyai": _assemblyai,
        "deepgram": _deepgram,
        "aws": _aws,
        "google": _google,
    }[kind]
    return reader(data)


def _is_segment(item: object) -> bool:
    return isinstance(item, dict) and "start" in item and "end" in item and "text" in item


def _seconds(value: object, scale: float = 1.0) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.rstrip("s")
    if not isinstance(value, str | int | float):
        return None
    return round(float(value) / scale, 3)


def _label(value: object) -> Label | None:
    if value is None or value == "":
        return None
    name = f"speaker {value}" if isinstance(value, int) else str(value)
    return Label(name, "stt")


def _cue(text: object, start: object, end: object, speaker: object, scale: float = 1.0) -> Cue:
    return Cue(
        None, str(text or "").strip(), _seconds(start, scale), _seconds(end, scale), _label(speaker)
    )


def _whisper(data: Any) -> list[Cue]:
    segments = data if isinstance(data, list) else data.get("segments")
    if not isinstance(segments, list):
        raise ValueError("Whisper JSON needs a 'segments' list")
    if not segments and isinstance(data, dict) and isinstance(data.get("text"), str):
        return [_cue(data["text"], None, data.get("duration"), None)]
    return [
        _cue(s.get("text"), s.get("start"), s.get("end"), s.get("speaker"))
        for s in segments
        if isinstance(s, dict)
    ]


def _assemblyai(data: Mapping[str, Any]) -> list[Cue]:
    utterances = data.get("utterances")
    if isinstance(utterances, list) and utterances:
        return [
            _cue(u.get("text"), u.get("start"), u.get("end"), u.get("speaker"), 1000.0)
            for u in utterances
        ]
    words = data.get("words") or []
    return _words(
        ((w.get("text"), w.get("start"), w.get("end"), w.get("speaker")) for w in words), 1000.0
    )


def _deepgram(data: Mapping[str, Any]) -> list[Cue]:
    results = data["results"]
    utterances = results.get("utterances")
    if isinstance(utterances, list) and utterances:
        return [
            _cue(u.get("transcript"), u.get("start"), u.get("end"), u.get("speaker"))
            for u in utterances
        ]
    channels = results.get("channels") or []
    if not channels or not channels[0].get("alternatives"):
        raise ValueError("Deepgram JSON needs results.utterances or results.channels[0]")
    best = channels[0]["alternatives"][0]
    paragraphs = (best.get("paragraphs") or {}).get("paragraphs")
    if isinstance(paragraphs, list) and paragraphs:
        return [
            _cue(
                " ".join(s.get("text", "") for s in p.get("sentences", [])),
                p.get("start"),
                p.get("end"),
                p.get("speaker"),
            )
            for p in paragraphs
        ]
    words = best.get("words") or []
    if words:
        return _words(
            (
                w.get("punctuated_word") or w.get("word"),
                w.get("start"),
                w.get("end"),
                w.get("speaker"),
            )
            for w in words
        )
    return [_cue(best.get("transcript"), None, None, None)]


def _aws(data: Mapping[str, Any]) -> list[Cue]:
    results = data["results"]
    items = results.get("items") or []
    speakers: dict[str, str] = {}
    for segment in (results.get("speaker_labels") or {}).get("segments", []):
        for item in segment.get("items", []):
            speakers[str(item.get("start_time"))] = str(item.get("speaker_label"))
    for channel in (results.get("channel_labels") or {}).get("channels", []):
        for item in channel.get("items", []):
            speakers.setdefault(str(item.get("start_time")), str(channel.get("channel_label")))
    if not items:
        transcripts = results.get("transcripts") or []
        if not transcripts:
            raise ValueError("AWS Transcribe JSON needs results.items or results.transcripts")
        return [_cue(transcripts[0].get("transcript"), None, None, None)]
    words: list[tuple[object, object, object, object]] = []
    for item in items:
        content = (item.get("alternatives") or [{}])[0].get("content", "")
        if item.get("type") == "punctuation":
            if words:
                text, start, end, speaker = words[-1]
                words[-1] = (f"{text}{content}", start, end, speaker)
            continue
        start = item.get("start_time")
        speaker = item.get("speaker_label") or speakers.get(str(start))
        words.append((content, start, item.get("end_time"), speaker))
    return _words(words)


def _google(data: Mapping[str, Any]) -> list[Cue]:
    results = [r for r in data["results"] if isinstance(r, dict) and r.get("alternatives")]
    tagged = (
        [
            w
            for w in results[-1]["alternatives"][0].get("words", [])
            if w.get("speakerTag") or w.get("speakerLabel")
        ]
        if results
        else []
    )
    if tagged:
        return _words(
            (
                w.get("word"),
                w.get("startTime", w.get("startOffset")),
                w.get("endTime", w.get("endOffset")),
                w.get("speakerLabel") or w.get("speakerTag"),
            )
            for w in tagged
        )
    cues: list[Cue] = []
    previous: object = 0
    for result in results:
        best = result["alternatives"][0]
        words = best.get("words") or []
        start = words[0].get("startTime", words[0].get("startOffset")) if words else previous
        end = result.get("resultEndTime", result.get("resultEndOffset"))
        cues.append(_cue(best.get("transcript"), start, end, None))
        previous = end
    return cues


def _words(words: Iterable[tuple[object, object, object, object]], scale: float = 1.0) -> list[Cue]:
    """Runs of words by one speaker joined into cues."""
    cues: list[Cue] = []
    run: list[str] = []
    first: tuple[object, object, object, object] | None = None
    last_end: object = None
    for text, start, end, speaker in words:
        if first is not None and speaker != first[3]:
            cues.append(_cue(" ".join(run), first[1], last_end, first[3], scale))
            run, first = [], None
        if first is None:
            first = (text, start, end, speaker)
        run.append(str(text or ""))
        last_end = end
    if first is not None:
        cues.append(_cue(" ".join(run), first[1], last_end, first[3], scale))
    return cues


__all__ = ["STT_FORMATS", "detect", "read_stt"]
