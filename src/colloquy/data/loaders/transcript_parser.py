"""Parsing one call transcript — plain ``Speaker: text`` files, WebVTT, SRT and colloquy JSON.

Sales and support calls reach colloquy as transcripts exported from a dialer, a meeting
tool or a speech-to-text service. Each file is one call: one ``Conversation`` with id =
file stem (or the JSON ``id``), channel ``call`` and source ``transcript``.

Formats, chosen by suffix (a ``.txt`` that starts with ``WEBVTT`` is read as WebVTT):

- ``.txt`` — ``Speaker: text`` lines, optionally led by ``[00:01:02]`` or ``00:01:02``.
  ``Name:`` starts a turn when the name is mapped or looks like a name (at most four
  words, each capitalised or a number); any other line continues the previous turn
  (joined with a newline), so ``It shows two charges: …`` stays inside its turn.
- ``.vtt`` — cues whose payload names the speaker with ``<v Speaker>`` or ``Speaker:``.
- ``.srt`` — numbered cues whose text names the speaker with ``Speaker:``.
  In both caption formats a cue without a speaker continues the previous turn.
- ``.json`` — ``{"id", "turns": [{"speaker", "text", "timestamp"}], "metadata",
  "outcome", "labels", "started_at"}``, or just the list of turns.

Clock offsets (``00:01:02``, cue start times) are kept in ``Turn.extra`` as
``offset_seconds`` (and ``end_seconds``) and also become a relative ``Turn.timestamp``:
``started_at`` plus the offset when the JSON gives ``started_at``, else the Unix epoch plus
the offset — so durations between turns are right even when the wall-clock start is not
known.

Speaker names map to roles through :data:`DEFAULT_TRANSCRIPT_ROLES` extended by
``speaker_map``, matched case-insensitively on the whole name and then on its first word
(``Agent Smith`` → agent). **An unknown name is a problem** (with file and line) unless
``default_role`` is set: guessing roles from speaking order silently mislabels calls that
the customer opens, which would corrupt every per-role statistic downstream.
"""

from __future__ import annotations

import html
import json
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from colloquy.data.loaders.base import Problem, read_failure
from colloquy.data.loaders.tabular.cells import parse_timestamp
from colloquy.errors import UsageError
from colloquy.schema import Conversation, Outcome, Speaker, Turn
from colloquy.schema.conversation import JsonValue

TRANSCRIPT_SUFFIXES = (".txt", ".vtt", ".srt", ".json")

DEFAULT_TRANSCRIPT_ROLES: Mapping[str, Speaker] = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "agent",
                "rep",
                "representative",
                "support",
                "sales",
                "salesperson",
                "sales rep",
                "advisor",
                "operator",
                "assistant",
                "host",
            ),
            Speaker.AGENT,
        ),
        **dict.fromkeys(
            ("customer", "client", "caller", "prospect", "user", "lead", "guest"),
            Speaker.CUSTOMER,
        ),
        **dict.fromkeys(("bot", "ivr", "virtual agent"), Speaker.BOT),
        **dict.fromkeys(("system",), Speaker.SYSTEM),
    }
)
"""Speaker names (lower case) that need no configuration."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_NAME_WORDS = 4
_CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_NAME = r"(?P<name>[^\W\d_][\w .'()\-]{0,40}?)"
_SPEAKER_LINE = re.compile(
    rf"^\s*(?:\[(?P<bracket>{_CLOCK})\]|(?P<bare>{_CLOCK}))?\s*{_NAME}\s*:(?:\s+(?P<text>.*))?$"
)
_PREFIX = re.compile(rf"^\s*{_NAME}\s*:(?:\s+(?P<text>.*))?$")
_VOICE = re.compile(r"^\s*<v(?:\.[\w.\-]+)*\s+(?P<name>[^>]+)>(?P<text>.*)$")
_TAG = re.compile(r"<[^>]*>")
_CUE_TIMING = re.compile(r"^\s*(?P<start>\S+)\s+-->\s+(?P<end>\S+)")
_CLOCK_ONLY = re.compile(rf"^{_CLOCK}$")


def _parse_clock(value: str) -> float:
    """Seconds from ``hh:mm:ss.mmm``, ``mm:ss,mmm`` and the like; ``ValueError`` otherwise."""
    if not _CLOCK_ONLY.match(value.strip()):
        raise ValueError(f"bad time {value!r}; expected hh:mm:ss.mmm")
    seconds = 0.0
    for part in value.strip().replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def as_role(value: Speaker | str) -> Speaker:
    """A role from a ``Speaker`` or its name in any case; ``UsageError`` naming the valid ones."""
    try:
        return Speaker(str(value).strip().lower())
    except ValueError:
        valid = ", ".join(s.value for s in Speaker)
        raise UsageError(f"unknown role {value!r}", hint=f"valid roles: {valid}") from None


def _role_key(name: str) -> str:
    return " ".join(name.lower().split())


@dataclass(frozen=True, slots=True)
class ParsedTranscript:
    """One file's result: the conversation (if any turn survived) and its problems."""

    path: Path
    conversation: Conversation | None
    problems: tuple[Problem, ...] = ()


@dataclass(slots=True)
class _Draft:
    speaker: Speaker
    speaker_id: str
    lines: list[str]
    offset: float | None = None
    end: float | None = None
    timestamp: datetime | None = None
    intent: str | None = None
    extra: dict[str, JsonValue] = field(default_factory=dict)


@dataclass(slots=True)
class _Builder:
    """Collects one file's turns and problems."""

    parser: TranscriptParser
    path: Path
    turns: list[_Draft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dropping: bool = False
    """True after an unknown speaker, so its continuation lines are dropped too."""

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(str(self.path), line, message))

    def names_speaker(self, name: str) -> bool:
        """Whether ``Name:`` starts a turn: a known name, or one that looks like a name.

        ``It shows two charges: …`` is a continuation, not a speaker called "It shows
        two charges"; ``Wizard: …`` starts a turn (and is a problem if nobody mapped it).
        """
        if self.parser.known_role(name) is not None:
            return True
        words = name.split()
        return len(words) <= _MAX_NAME_WORDS and all(
            w[0].isupper() or w[0] in "0123456789(" for w in words
        )

    def start(self, line: int, name: str, text: str, offset: float | None = None) -> bool:
        role = self.parser.role(name)
        if role is None:
            self.problem(line, self.parser.unknown_message(name))
            self.dropping = True
            return False
        self.dropping = False
        self.turns.append(_Draft(role, name.strip(), [text] if text else [], offset))
        return True

    def continue_turn(self, line: int, text: str) -> None:
        if self.dropping:
            return
        if not self.turns:
            self.problem(line, f"text before the first speaker: {text[:60]!r}")
            self.dropping = True
            return
        self.turns[-1].lines.append(text)

    def conversation(self, **fields: Any) -> Conversation | None:
        turns = [self._turn(i, d, fields.get("started_at")) for i, d in enumerate(self.turns)]
        turns = [t for t in turns if t.text]
        if not turns:
            if not self.problems:
                self.problem(None, "no turns found")
            return None
        fields.setdefault("id", self.path.stem)
        fields.setdefault("channel", "call")
        fields.setdefault("source", self.parser.source)
        try:
            turns = [turn.model_copy(update={"index": i}) for i, turn in enumerate(turns)]
            return Conversation(turns=tuple(turns), **fields)
        except ValidationError as exc:
            self.problem(None, f"invalid transcript: {exc}")
            return None

    @staticmethod
    def _turn(index: int, draft: _Draft, started_at: datetime | None) -> Turn:
        extra = dict(draft.extra)
        timestamp = draft.timestamp
        if draft.offset is not None:
            extra["offset_seconds"] = draft.offset
            timestamp = (started_at or _EPOCH) + timedelta(seconds=draft.offset)
        if draft.end is not None:
            extra["end_seconds"] = draft.end
        return Turn(
            index=index,
            speaker=draft.speaker,
            speaker_id=draft.speaker_id,
            text="\n".join(draft.lines).strip(),
            timestamp=timestamp,
            intent=draft.intent,
            extra=extra,
        )


@dataclass(frozen=True)
class TranscriptParser:
    """Parses one transcript file; pure, thread-safe, reports problems instead of raising."""

    speaker_map: Mapping[str, Speaker | str] = field(default_factory=dict)
    """Extra name → role entries; they extend and override the defaults."""
    default_role: Speaker | None = None
    """Role for names nobody mapped; ``None`` makes an unknown name a problem."""
    source: str = "transcript"

    @cached_property
    def roles(self) -> dict[str, Speaker]:
        """The effective name → role table (defaults, then ``speaker_map``)."""
        custom = {_role_key(name): as_role(role) for name, role in self.speaker_map.items()}
        return {**DEFAULT_TRANSCRIPT_ROLES, **custom}

    def role(self, name: str) -> Speaker | None:
        """The role of a speaker name: whole name, then first word, then ``default_role``."""
        known = self.known_role(name)
        return self.default_role if known is None else known

    def known_role(self, name: str) -> Speaker | None:
        """The mapped role of a name (whole name, then its first word), ignoring defaults."""
        roles = self.roles
        key = _role_key(name)
        if key in roles:
            return roles[key]
        first = re.match(r"[^\W\d_]+", key)
        if first and first.group() in roles:
            return roles[first.group()]
        return None

    def unknown_message(self, name: str) -> str:
        known = ", ".join(sorted(self.roles))
        return (
            f"unknown speaker {name.strip()!r}; known names: {known} — "
            "add it to speaker_map or set default_role"
        )

    def parse_file(self, path: Path) -> ParsedTranscript:
        """Read and parse ``path``; unreadable files come back as a problem."""
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                return self._failed(path, "not a regular file (a folder, FIFO or device)")
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return self._failed(path, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
        except OSError as exc:
            return self._failed(path, read_failure(exc)[0])
        return self.parse_text(path, text)

    def parse_text(self, path: Path, text: str) -> ParsedTranscript:
        """Parse ``text`` as the transcript format ``path``'s suffix (or content) names."""
        builder = _Builder(self, path)
        suffix = path.suffix.lower()
        fields: dict[str, Any] = {}
        if suffix == ".json":
            fields = _parse_json(builder, text)
        elif suffix == ".vtt" or text.lstrip().startswith("WEBVTT"):
            _parse_captions(builder, text, webvtt=True)
        elif suffix == ".srt":
            _parse_captions(builder, text, webvtt=False)
        else:
            _parse_speaker_lines(builder, text)
        conversation = builder.conversation(**fields)
        return ParsedTranscript(path, conversation, tuple(builder.problems))

    @staticmethod
    def _failed(path: Path, message: str) -> ParsedTranscript:
        return ParsedTranscript(path, None, (Problem(str(path), None, message),))


# ---------------------------------------------------------------------------- formats


def _parse_speaker_lines(builder: _Builder, text: str) -> None:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        match = _SPEAKER_LINE.match(raw)
        if match is None or not builder.names_speaker(match.group("name")):
            builder.continue_turn(line, raw.strip())
            continue
        clock = match.group("bracket") or match.group("bare")
        offset = _parse_clock(clock) if clock else None
        builder.start(line, match.group("name"), (match.group("text") or "").strip(), offset)


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks with the line number of their first line."""
    block: list[str] = []
    first = 0
    for line, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            if not block:
                first = line
            block.append(raw.rstrip())
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _parse_captions(builder: _Builder, text: str, *, webvtt: bool) -> None:
    blocks = _blocks(text)
    if webvtt:
        header = next(blocks, None)
        if header is None or not header[1][0].startswith("WEBVTT"):
            builder.problem(1, "not a WebVTT file: the first line must be 'WEBVTT'")
            return
    for first, block in blocks:
        if webvtt and block[0].split(maxsplit=1)[0] in {"NOTE", "STYLE", "REGION"}:
            continue
        _parse_cue(builder, first, block)


def _parse_cue(builder: _Builder, first: int, block: list[str]) -> None:
    timing = next((i for i, raw in enumerate(block[:2]) if "-->" in raw), None)
    if timing is None:
        builder.problem(first, f"cue without a 'start --> end' timing line: {block[0]!r}")
        builder.dropping = True
        return
    match = _CUE_TIMING.match(block[timing])
    try:
        if match is None:
            raise ValueError(f"bad timing line {block[timing]!r}")
        start, end = _parse_clock(match.group("start")), _parse_clock(match.group("end"))
    except ValueError as exc:
        builder.problem(first + timing, str(exc))
        builder.dropping = True
        return
    for line, raw in enumerate(block[timing + 1 :], start=first + timing + 1):
        _cue_line(builder, line, raw, start)
        if builder.turns and not builder.dropping:
            builder.turns[-1].end = end


def _cue_line(builder: _Builder, line: int, raw: str, start: float) -> None:
    """One payload line: a new turn when it names a speaker, else a continuation."""
    prefix = _PREFIX.match(_TAG.sub("", raw))
    match = _VOICE.match(raw) or (
        prefix if prefix and builder.names_speaker(prefix["name"]) else None
    )
    if match is not None:
        words = html.unescape(_TAG.sub("", match.group("text") or "")).strip()
        builder.start(line, html.unescape(match.group("name")), words, start)
        return
    words = html.unescape(_TAG.sub("", raw)).strip()
    if words:
        builder.continue_turn(line, words)


def _parse_json(builder: _Builder, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        builder.problem(exc.lineno, f"invalid JSON: {exc.msg} at column {exc.colno}")
        return {}
    if isinstance(data, list):
        data = {"turns": data}
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        builder.problem(None, "expected an object with a 'turns' list, or a list of turns")
        return {}
    fields = _json_fields(builder, data)
    for position, item in enumerate(data["turns"]):
        _json_turn(builder, position, item)
    return fields


def _json_fields(builder: _Builder, data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if data.get("id") not in (None, ""):
        fields["id"] = str(data["id"])
    for key in ("metadata", "labels"):
        value = data.get(key) or {}
        if isinstance(value, dict):
            fields[key] = value
        else:
            builder.problem(None, f"{key!r} must be an object, found {type(value).__name__}")
    if isinstance(data.get("channel"), str):
        fields["channel"] = data["channel"]
    try:
        if data.get("started_at") is not None:
            fields["started_at"] = parse_timestamp(data["started_at"])
        if isinstance(data.get("outcome"), dict):
            fields["outcome"] = Outcome.model_validate(data["outcome"])
    except ValueError as exc:
        builder.problem(None, f"bad started_at or outcome: {exc}")
    return fields


def _json_turn(builder: _Builder, position: int, item: object) -> None:
    where = f"turns[{position}]"
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        builder.problem(None, f"{where}: expected an object with 'speaker' and 'text' strings")
        return
    name = str(item.get("speaker", "")).strip()
    if not name:
        builder.problem(None, f"{where}: missing 'speaker'")
        return
    role = builder.parser.role(name)
    if role is None:
        builder.problem(None, f"{where}: {builder.parser.unknown_message(name)}")
        return
    draft = _Draft(role, name, [item["text"]], intent=item.get("intent"))
    draft.extra = {k: v for k, v in item.items() if k not in _JSON_TURN_KEYS}
    try:
        _json_time(draft, item.get("timestamp"))
    except ValueError as exc:
        builder.problem(None, f"{where}: {exc}")
        return
    builder.turns.append(draft)


_JSON_TURN_KEYS = frozenset({"speaker", "text", "timestamp", "intent"})


def _json_time(draft: _Draft, value: object) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str) and _CLOCK_ONLY.match(value.strip()):
        draft.offset = _parse_clock(value)
    else:
        draft.timestamp = parse_timestamp(value)


__all__ = [
    "DEFAULT_TRANSCRIPT_ROLES",
    "TRANSCRIPT_SUFFIXES",
    "ParsedTranscript",
    "TranscriptParser",
    "as_role",
]
