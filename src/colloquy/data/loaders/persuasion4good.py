"""PersuasionForGood: 1,017 chats in which a persuader asks a persuadee to donate to charity.

PATH is the persuasion4good folder (or its ``FullData`` folder). Two files are read:

* ``FullData/full_dialog.csv`` — one row per sentence unit, columns ``(unnamed index),
  Unit, Turn, B4, B2``: text, turn number, role (0 = persuader, 1 = persuadee) and dialogue
  id. Consecutive units with the same ``(Turn, B4)`` are one utterance, so they are joined
  (with a space) into one :class:`Turn`; the original turn number is kept in
  ``Turn.extra["turn"]`` because each speaker's utterance in a round shares it. In the
  published file every row already is a whole utterance, so units and turns coincide.
* ``FullData/full_info.csv`` — one row per participant per dialogue, columns ``B2`` (dialogue),
  ``B3`` (user id), ``B4`` (role), ``B6`` (actual donation, the outcome), ``B7`` and 32
  ``*.x`` questionnaire columns (Big Five, moral foundations, Schwartz values, decision
  style, demographics). It is small (2,034 rows) and is read whole.

The persuadee's row becomes ``Conversation.metadata`` (``*.x`` columns without the
suffix; numbers as float, text as str, empty/NA as ``None``; plus both user ids) and the
outcome: ``converted`` is ``B6 > 0`` and ``value`` is ``B6``. A dialogue without a usable
persuadee row is reported as a problem, because it has no outcome.

The dialogue file is streamed row by row and is sorted by dialogue, so a dialogue is
yielded as soon as its id changes. A dialogue whose rows reappear after it was yielded
cannot be merged any more; each such row is reported as a problem rather than silently
producing a second, partial conversation with the same id.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from colloquy.data.loaders.base import Loader
from colloquy.schema import Conversation, Outcome, Speaker, Turn
from colloquy.schema.conversation import JsonValue

DIALOG_FILE = "full_dialog.csv"
INFO_FILE = "full_info.csv"
_DIALOG_COLUMNS = ("Unit", "Turn", "B4", "B2")
_INFO_COLUMNS = ("B2", "B3", "B4", "B6")
_NA = frozenset({"", "na", "n/a", "nan", "none", "null"})
_PERSUADER, _PERSUADEE = 0, 1
_ROLES = {_PERSUADER: (Speaker.AGENT, "persuader"), _PERSUADEE: (Speaker.CUSTOMER, "persuadee")}


class _BadRowError(ValueError):
    """A row that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class _Participant:
    user_id: str
    donation: float
    traits: dict[str, JsonValue]


@dataclass(slots=True)
class _Dialogue:
    """The units of one dialogue read so far, grouped into utterances."""

    id: str
    line: int
    groups: list[tuple[int, int, list[str]]] = field(default_factory=list)

    def add(self, turn: int, role: int, unit: str) -> None:
        if self.groups and self.groups[-1][:2] == (turn, role):
            self.groups[-1][2].append(unit)
        else:
            self.groups.append((turn, role, [unit]))


def parse_value(raw: str | None) -> JsonValue:
    """A questionnaire cell: finite number → float, NA/empty → None, anything else → str."""
    if raw is None or raw.strip().lower() in _NA:
        return None
    text = raw.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _int_field(row: dict[str, str], column: str) -> int:
    raw = (row.get(column) or "").strip()
    try:
        return int(raw)
    except ValueError:
        raise _BadRowError(f"{column} must be an integer, found {raw!r}") from None


def _role(row: dict[str, str]) -> int:
    role = _int_field(row, "B4")
    if role not in _ROLES:
        raise _BadRowError(f"B4 (role) must be 0 (persuader) or 1 (persuadee), found {role}")
    return role


def _dialogue_id(row: dict[str, str]) -> str:
    dialogue = (row.get("B2") or "").strip()
    if not dialogue:
        raise _BadRowError("empty B2 (dialogue id)")
    return dialogue


def _participant(row: dict[str, str]) -> _Participant:
    user_id = (row.get("B3") or "").strip()
    if not user_id:
        raise _BadRowError("empty B3 (user id)")
    donation = parse_value(row.get("B6"))
    if not isinstance(donation, float) or donation < 0:
        raise _BadRowError(f"B6 (donation) must be a non-negative number, found {row.get('B6')!r}")
    traits = {
        column.removesuffix(".x"): parse_value(value)
        for column, value in row.items()
        if column is not None and column.endswith(".x")
    }
    return _Participant(user_id=user_id, donation=donation, traits=traits)


def _find_files(path: Path) -> tuple[Path, Path]:
    folder = path / "FullData" if (path / "FullData").is_dir() else path
    return folder / DIALOG_FILE, folder / INFO_FILE


class Persuasion4GoodLoader(Loader):
    name = "persuasion4good"
    description = "PersuasionForGood donation-persuasion chats with the donation as outcome (CSV)"
    layout = "the persuasion4good folder with FullData/full_dialog.csv and FullData/full_info.csv"

    def _load(self, path: Path) -> Iterator[Conversation]:
        if not path.is_dir():
            self.problem(
                path, None, f"expected a folder, not a file; {self.name} needs {self.layout}"
            )
            return
        dialog_file, info_file = _find_files(path)
        missing = [str(f) for f in (dialog_file, info_file) if not f.is_file()]
        if missing:
            self.problem(path, None, f"missing {' and '.join(missing)}")
            return
        info = self._read_info(info_file)
        if info is not None:
            yield from self._read_dialogues(dialog_file, info)

    def _read_info(self, file: Path) -> dict[tuple[str, int], _Participant] | None:
        """``(dialogue id, role) → participant``; ``None`` if the file cannot be used at all."""
        self.note_file(file)
        info: dict[tuple[str, int], _Participant] = {}
        with file.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _INFO_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                self.problem(file, 1, f"missing column(s) {', '.join(missing)}")
                return None
            for row in reader:
                line = reader.line_num
                try:
                    key = (_dialogue_id(row), _role(row))
                    participant = _participant(row)
                except _BadRowError as exc:
                    self.problem(file, line, str(exc))
                    continue
                if key in info:
                    self.problem(
                        file, line, f"second {_ROLES[key[1]][1]} row for dialogue {key[0]}"
                    )
                    continue
                info[key] = participant
        return info

    def _read_dialogues(
        self, file: Path, info: dict[tuple[str, int], _Participant]
    ) -> Iterator[Conversation]:
        self.note_file(file)
        finished: dict[str, int] = {}
        current: _Dialogue | None = None
        with file.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _DIALOG_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                self.problem(file, 1, f"missing column(s) {', '.join(missing)}")
                return
            for row in reader:
                line = reader.line_num
                try:
                    dialogue, turn, role = _dialogue_id(row), _int_field(row, "Turn"), _role(row)
                except _BadRowError as exc:
                    self.problem(file, line, str(exc))
                    continue
                if current is not None and dialogue != current.id:
                    finished[current.id] = current.line
                    yield from self._finish(current, info, file)
                    current = None
                if dialogue in finished:
                    self.problem(
                        file,
                        line,
                        f"dialogue {dialogue} reappears after it ended (its rows start at line "
                        f"{finished[dialogue]}); rows of one dialogue must be contiguous",
                    )
                    continue
                if current is None:
                    current = _Dialogue(id=dialogue, line=line)
                current.add(turn, role, (row.get("Unit") or "").strip())
        if current is not None:
            yield from self._finish(current, info, file)

    def _finish(
        self, dialogue: _Dialogue, info: dict[tuple[str, int], _Participant], file: Path
    ) -> Iterator[Conversation]:
        persuadee = info.get((dialogue.id, _PERSUADEE))
        if persuadee is None:
            self.problem(
                file,
                dialogue.line,
                f"dialogue {dialogue.id} has no usable persuadee row (B4 = 1) in {INFO_FILE}",
            )
            return
        persuader = info.get((dialogue.id, _PERSUADER))
        yield self._conversation(dialogue, persuadee, persuader)

    def _conversation(
        self, dialogue: _Dialogue, persuadee: _Participant, persuader: _Participant | None
    ) -> Conversation:
        turns = tuple(
            Turn(
                index=index,
                speaker=_ROLES[role][0],
                speaker_id=_ROLES[role][1],
                text=" ".join(unit for unit in units if unit),
                extra={"turn": turn},
            )
            for index, (turn, role, units) in enumerate(dialogue.groups)
        )
        metadata: dict[str, JsonValue] = dict(persuadee.traits)
        metadata["persuadee_id"] = persuadee.user_id
        metadata["persuader_id"] = persuader.user_id if persuader is not None else None
        donated = persuadee.donation > 0
        return Conversation(
            id=dialogue.id,
            source=self.name,
            channel="chat",
            turns=turns,
            metadata=metadata,
            outcome=Outcome(converted=donated, value=persuadee.donation),
            labels={"donated": donated},
        )
