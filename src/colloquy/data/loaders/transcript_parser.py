"""Parsing one call transcript, whatever tool wrote it, into one ``Conversation``.

Sales and support calls reach colloquy as transcripts exported from a dialer, a meeting
tool or a speech-to-text service. Each file is one call: one ``Conversation`` with id =
file stem (or the JSON ``id``), channel ``call`` and source ``transcript``.

The format comes from ``transcript_format`` when given, else from the suffix and the
content (:func:`detect_format`); each family is read by its own module in
:mod:`colloquy.data.loaders.transcript_formats` into cues, and this module turns cues
into turns the same way for all of them:

- **Speakers.** Labels are decided for the whole file (``speakers``), so a word such as
  "Digo:" inside dialogue is text, not a speaker. Names map to roles through
  :data:`DEFAULT_TRANSCRIPT_ROLES` extended by ``speaker_map`` (whole name, then first
  word). In plain-text and colloquy JSON files, which people write with role names, an
  unknown name is a problem unless ``default_role`` is set: guessing silently mislabels
  calls. Captions, speech-to-text output, the heading lines of meeting tools' text
  exports (``Name  0:03``) and diarisation placeholders (``Speaker 1``, ``SPEAKER_00``)
  name people or ids that never map to roles, so there an unmapped name takes
  ``default_role`` (else ``customer``) and is listed in the report. A file with no
  speaker label at all (captions, or plain text) is one speaker.
- **Merging.** Consecutive cues of one speaker become one turn (``merge_cues``); the
  turn starts where its first cue starts. A cue line repeating the line before it is
  dropped: roll-up captions (YouTube's automatic ones) repeat each line in the next cue.
- **Times.** Offsets are seconds rounded to milliseconds, kept in ``Turn.extra`` as
  ``offset_seconds`` / ``end_seconds``, and become ``Turn.timestamp`` as ``started_at``
  (or the Unix epoch) plus the offset, so durations between turns are right.
- **Report.** Caption, plain and speech-to-text conversations carry
  ``metadata["transcript"]``: the format, the encoding and how it was chosen, the
  labels taken as speakers, those left as text, and the names that had no role.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from colloquy.data.loaders.base import Problem, read_failure
from colloquy.data.loaders.transcript_formats.captions import read_captions
from colloquy.data.loaders.transcript_formats.colloquy_json import (
    is_colloquy_json,
    read_fields,
    read_turns,
)
from colloquy.data.loaders.transcript_formats.cues import Cue, CueProblem, Label
from colloquy.data.loaders.transcript_formats.detect import (
    EXPECTED,
    TRANSCRIPT_FORMATS,
    check_format,
    detect_format,
)
from colloquy.data.loaders.transcript_formats.encoding import UndecodableError, decode
from colloquy.data.loaders.transcript_formats.plain import read_plain
from colloquy.data.loaders.transcript_formats.speakers import decide_speakers
from colloquy.data.loaders.transcript_formats.stt_json import STT_FORMATS, read_stt
from colloquy.errors import UsageError
from colloquy.schema import Conversation, Speaker, Turn
from colloquy.schema.conversation import JsonValue

TRANSCRIPT_SUFFIXES = (".txt", ".vtt", ".srt", ".sbv", ".json")

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

ANONYMOUS_SPEAKER = "speaker"
"""``speaker_id`` of text whose speaker no label names."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STRICT_FORMATS = frozenset({"plain", "json"})
_PLACEHOLDER = re.compile(r"^(?:speaker|spk)[\s_-]*\w{1,3}$", re.IGNORECASE)


def as_role(value: Speaker | str) -> Speaker:
    """A role from a ``Speaker`` or its name in any case; ``UsageError`` naming the valid ones."""
    try:
        return Speaker(str(value).strip().lower())
    except ValueError:
        valid = ", ".join(s.value for s in Speaker)
        raise UsageError(f"unknown role {value!r}", hint=f"valid roles: {valid}") from None


def _machine_label(label: Label) -> bool:
    """A label a tool wrote (a turn heading, or ``Speaker 1``, ``SPEAKER_00``, ``spk_0``):
    it never names a role, so refusing it would only refuse the file."""
    return label.kind == "heading" or _PLACEHOLDER.match(label.name) is not None


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
    last_start: float | None = None
    timestamp: datetime | None = None
    intent: str | None = None
    extra: dict[str, JsonValue] = field(default_factory=dict)

    def turn(self, started_at: datetime | None) -> Turn:
        extra = dict(self.extra)
        timestamp = self.timestamp
        if self.offset is not None:
            extra["offset_seconds"] = self.offset
            timestamp = (started_at or _EPOCH) + timedelta(milliseconds=round(self.offset * 1000))
        if self.end is not None:
            extra["end_seconds"] = self.end
        return Turn(
            index=0,
            speaker=self.speaker,
            speaker_id=self.speaker_id,
            text="\n".join(self.lines).strip(),
            timestamp=timestamp,
            intent=self.intent,
            extra=extra,
        )


@dataclass(slots=True)
class _Skipped:
    """The problem that started leaving lines out, amended with how many followed it, so
    the report says how much text a refused speaker took with it."""

    problems: list[CueProblem]
    at: int | None = None
    count: int = 0

    @property
    def active(self) -> bool:
        return self.at is not None

    def start(self, line: int | None, message: str) -> None:
        self.stop()
        self.at = len(self.problems)
        self.problems.append(CueProblem(line, message))

    def stop(self) -> None:
        if self.at is not None and self.count:
            first = self.problems[self.at]
            lines = "line" if self.count == 1 else "lines"
            note = f" (the {self.count} {lines} after it, which continue it, were left out too)"
            self.problems[self.at] = CueProblem(first.line, first.message + note)
        self.at, self.count = None, 0


@dataclass(frozen=True)
class TranscriptParser:
    """Parses one transcript file; pure, thread-safe, reports problems instead of raising."""

    speaker_map: Mapping[str, Speaker | str] = field(default_factory=dict)
    """Extra name → role entries; they extend and override the defaults."""
    default_role: Speaker | None = None
    """Role for names nobody mapped (see the module docstring for when ``None`` is a problem)."""
    source: str = "transcript"
    transcript_format: str | None = None
    """Read every file as this format instead of detecting it."""
    merge_cues: bool = True
    """Join consecutive cues of one speaker into one turn."""

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
        first = key.split(" ", 1)[0] if key else ""
        return roles.get(first)

    def unknown_message(self, name: str) -> str:
        known = ", ".join(sorted(self.roles))
        return (
            f"unknown speaker {name.strip()!r}; known names: {known} — "
            "add it to speaker_map or set default_role"
        )

    def parse_file(self, path: Path) -> ParsedTranscript:
        """Read, decode and parse ``path``; unreadable files come back as a problem."""
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                return self._failed(path, "not a regular file (a folder, FIFO or device)")
            decoded = decode(path.read_bytes())
        except UndecodableError as exc:
            return self._failed(path, f"{exc}; expected a text transcript")
        except OSError as exc:
            return self._failed(path, read_failure(exc)[0])
        encoding = {"encoding": decoded.encoding, "encoding_method": decoded.method}
        return self.parse_text(path, decoded.text, encoding=encoding)

    def parse_text(
        self, path: Path, text: str, *, encoding: Mapping[str, str] | None = None
    ) -> ParsedTranscript:
        """Parse ``text`` as ``transcript_format``, or the format its suffix and content show."""
        problems: list[CueProblem] = []
        data: object = None
        kind = self.transcript_format
        if kind in ("json", *STT_FORMATS) or (kind is None and path.suffix.lower() == ".json"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                where = kind or "JSON"
                message = f"invalid JSON: {exc.msg} at column {exc.colno} (expected {where})"
                return self._failed(path, message, exc.lineno)
        kind = kind or detect_format(path, text, data)
        report: dict[str, JsonValue] = {"format": kind, **(encoding or {"encoding": "utf-8"})}
        fields: dict[str, Any] = {}
        if kind == "json":
            drafts = self._json_drafts(data, problems, fields)
        else:
            cues = self._cues(kind, text, data, problems)
            drafts = self._drafts(cues, kind, problems, report)
            fields["metadata"] = {"transcript": report}
        return self._result(path, drafts, problems, fields, kind)

    def _cues(self, kind: str, text: str, data: object, problems: list[CueProblem]) -> list[Cue]:
        if kind in STT_FORMATS:
            try:
                return read_stt(data, kind)
            except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
                reason = f"no {exc} key" if isinstance(exc, KeyError) else str(exc)
                message = f"not {kind} speech-to-text JSON ({reason}); expected {EXPECTED[kind]}"
                problems.append(CueProblem(None, message))
                return []
        if kind == "plain":
            return read_plain(text)
        cues, found = read_captions(text, kind)
        problems.extend(found)
        return cues

    def _drafts(
        self,
        cues: Sequence[Cue],
        kind: str,
        problems: list[CueProblem],
        report: dict[str, JsonValue],
    ) -> list[_Draft]:
        decided, decision = decide_speakers(cues, lambda n: self.known_role(n) is not None)
        strict = kind in _STRICT_FORMATS
        fallback = self.default_role or Speaker.CUSTOMER
        drafts: list[_Draft] = []
        unmapped: list[str] = []
        skipped = _Skipped(problems)
        labelled = any(cue.label is not None for cue in decided)
        for cue in decided:
            if cue.label is not None:
                name = cue.label.name
                role = self.role(name)
                if role is None and strict and not _machine_label(cue.label):
                    skipped.start(cue.line, self.unknown_message(name))
                    continue
                if self.known_role(name) is None and name not in unmapped:
                    unmapped.append(name)
                skipped.stop()
                self._add(drafts, cue, role or fallback, name)
            elif skipped.active:
                skipped.count += 1
            elif drafts and not cue.new_turn:
                self._add(drafts, cue, drafts[-1].speaker, drafts[-1].speaker_id)
            elif strict and labelled and not drafts:
                skipped.start(cue.line, f"text before the first speaker: {cue.text[:60]!r}")
            else:
                self._add(drafts, cue, fallback, ANONYMOUS_SPEAKER)
        skipped.stop()
        report["speakers"] = list(dict.fromkeys(d.speaker_id for d in drafts))
        report["not_speakers"] = list(decision.rejected)
        report["unmapped_speakers"] = unmapped
        report["cues"] = len(decided)
        return drafts

    def _add(self, drafts: list[_Draft], cue: Cue, role: Speaker, name: str) -> None:
        last = drafts[-1] if drafts else None
        same_cue = cue.start is None or (last is not None and last.last_start == cue.start)
        if last is not None and last.speaker_id == name and (self.merge_cues or same_cue):
            rolled = not same_cue and last.lines and last.lines[-1] == cue.text
            if cue.text and not rolled:
                last.lines.append(cue.text)
            last.end = cue.end if cue.end is not None else last.end
            last.last_start = cue.start
            return
        lines = [cue.text] if cue.text else []
        drafts.append(_Draft(role, name, lines, cue.start, cue.end, cue.start))

    def _json_drafts(
        self, data: object, problems: list[CueProblem], fields: dict[str, Any]
    ) -> list[_Draft]:
        if isinstance(data, list):
            data = {"turns": data}
        if not is_colloquy_json(data) or not isinstance(data, dict):
            problems.append(
                CueProblem(
                    None,
                    "expected an object with a 'turns' list, a list of turns, or speech-to-text "
                    f"JSON ({', '.join(STT_FORMATS)})",
                )
            )
            return []
        fields.update(read_fields(data, problems))
        drafts: list[_Draft] = []

        def unknown(name: str) -> str | None:
            return self.unknown_message(name) if self.role(name) is None else None

        for turn in read_turns(data["turns"], problems, unknown):
            role = self.role(turn.speaker) or Speaker.CUSTOMER
            draft = _Draft(role, turn.speaker, [turn.text], turn.offset, intent=turn.intent)
            draft.timestamp = turn.timestamp
            draft.extra = dict(turn.extra)
            drafts.append(draft)
        return drafts

    def _result(
        self,
        path: Path,
        drafts: list[_Draft],
        found: list[CueProblem],
        fields: dict[str, Any],
        kind: str,
    ) -> ParsedTranscript:
        problems = [Problem(str(path), p.line, p.message) for p in found]
        turns = [t for t in (d.turn(fields.get("started_at")) for d in drafts) if t.text]
        if not turns:
            if not problems:
                message = f"no turns found; read as {kind}, which needs {EXPECTED[kind]}"
                problems.append(Problem(str(path), None, message))
            return ParsedTranscript(path, None, tuple(problems))
        fields.setdefault("id", path.stem)
        fields.setdefault("channel", "call")
        fields.setdefault("source", self.source)
        try:
            indexed = tuple(t.model_copy(update={"index": i}) for i, t in enumerate(turns))
            conversation = Conversation(turns=indexed, **fields)
        except ValidationError as exc:
            problems.append(Problem(str(path), None, f"invalid transcript: {exc}"))
            return ParsedTranscript(path, None, tuple(problems))
        return ParsedTranscript(path, conversation, tuple(problems))

    @staticmethod
    def _failed(path: Path, message: str, line: int | None = None) -> ParsedTranscript:
        return ParsedTranscript(path, None, (Problem(str(path), line, message),))


__all__ = [
    "ANONYMOUS_SPEAKER",
    "DEFAULT_TRANSCRIPT_ROLES",
    "TRANSCRIPT_FORMATS",
    "TRANSCRIPT_SUFFIXES",
    "ParsedTranscript",
    "TranscriptParser",
    "as_role",
    "check_format",
    "detect_format",
]
