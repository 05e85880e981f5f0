"""Schema-Guided Dialogue (SGD, DSTC8): multi-domain task dialogues between a user and a bot.

PATH is the ``sgd`` folder (splits ``train``, ``dev``, ``test``), one split folder, or one
``dialogues_NNN.json`` file. Format notes that shaped this loader:

* Each split folder holds ``schema.json`` (a list of services: slots, intents with
  required/optional/result slots and ``is_transactional``) and ``dialogues_NNN.json``
  files, each a JSON list of ``{dialogue_id, services[], turns[]}``.
* ``dialogue_id`` (``15_00000``) is unique only within a split, so conversation ids are
  prefixed with the split: ``train/15_00000``.
* A turn is ``{speaker: USER|SYSTEM, utterance, frames[]}`` with one frame per service.
  USER frames carry ``state`` (``active_intent``, ``requested_slots``, ``slot_values``);
  SYSTEM frames may carry ``service_call`` and ``service_results``. Frames are kept,
  JSON-only, in ``Turn.extra["frames"]``; long result lists are kept as a count only.
* Dialogue acts (``INFORM``, ``REQUEST``, ``NOTIFY_SUCCESS`` …) become ``DialogueAct``;
  a USER turn's intent is the first frame's ``active_intent`` that is not ``NONE``.

Files are read one at a time. The top-level list is decoded dialogue by dialogue so a
problem can name the line where the dialogue starts; a file whose JSON is broken is
reported at the line the decoder stopped on, after the dialogues before it were yielded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from colloquy.data.loaders.base import Loader, read_failure, regular_files
from colloquy.errors import NotFoundError, ParseError
from colloquy.schema import Conversation, Speaker

SPLITS = ("train", "dev", "test")
_SPEAKERS = {"USER": Speaker.CUSTOMER, "SYSTEM": Speaker.BOT}
_NO_INTENT = "NONE"
_MAX_INLINE_RESULTS = 3
"""Service results are copied into the frame only when there are at most this many."""
_WHITESPACE = " \t\n\r"


class _DialogueError(ValueError):
    """A dialogue whose structure does not match the SGD format."""


# --------------------------------------------------------------------------- schemas


@dataclass(frozen=True, slots=True)
class SlotSchema:
    """One slot of a service, e.g. ``city_of_event``."""

    name: str
    description: str
    is_categorical: bool
    possible_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IntentSchema:
    """One intent of a service with the slots it needs and the defaults of the rest."""

    name: str
    description: str
    is_transactional: bool
    required_slots: tuple[str, ...] = ()
    optional_slots: dict[str, str] = field(default_factory=dict, hash=False)
    """Optional slot name → its default value."""
    result_slots: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceSchema:
    """One service of an SGD ``schema.json``: its slots and intents."""

    name: str
    description: str
    slots: tuple[SlotSchema, ...]
    intents: tuple[IntentSchema, ...]

    @property
    def is_transactional(self) -> bool:
        """Whether any intent of the service changes the world (books, pays, transfers)."""
        return any(intent.is_transactional for intent in self.intents)

    def intent(self, name: str) -> IntentSchema | None:
        """The intent called ``name``, or None."""
        return next((i for i in self.intents if i.name == name), None)

    def summary(self) -> dict[str, Any]:
        """A small JSON-ready description for ``Conversation.metadata``."""
        return {
            "name": self.name,
            "description": self.description,
            "intents": [i.name for i in self.intents],
            "transactional_intents": [i.name for i in self.intents if i.is_transactional],
        }


def load_schemas(path: Path | str) -> dict[str, ServiceSchema]:
    """Read the service schemas at ``path``, keyed by service name.

    ``path`` is the ``sgd`` folder (every split's ``schema.json``; a service already read
    from an earlier split keeps that definition), a split folder, or one ``schema.json``.
    Raises :class:`NotFoundError` when there is no schema and :class:`ParseError` (with
    file and line where known) when one cannot be read.
    """
    root = Path(path).expanduser()
    files = _schema_files(root)
    if not files:
        raise NotFoundError(
            f"no schema.json at {root}",
            hint="pass the sgd folder, a split folder or a schema.json file",
        )
    schemas: dict[str, ServiceSchema] = {}
    for file in files:
        for name, service in _read_schema_file(file).items():
            schemas.setdefault(name, service)
    return schemas


def _schema_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    candidates = [root / split / "schema.json" for split in SPLITS] + [root / "schema.json"]
    return [file for file in candidates if file.is_file()]


def _read_schema_file(file: Path) -> dict[str, ServiceSchema]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", path=file, line=exc.lineno) from None
    except OSError as exc:
        message, hint = read_failure(exc)
        raise ParseError(message, path=file, hint=hint) from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text: {exc.reason} at byte {exc.start}", path=file) from None
    if not isinstance(data, list):
        raise ParseError("expected a JSON list of services", path=file, line=1)
    schemas: dict[str, ServiceSchema] = {}
    for position, entry in enumerate(data):
        try:
            service = _parse_service(entry)
        except (KeyError, TypeError, ValueError) as exc:
            raise ParseError(f"service #{position}: malformed ({exc!r})", path=file) from None
        schemas[service.name] = service
    return schemas


def _parse_service(entry: Mapping[str, Any]) -> ServiceSchema:
    slots = tuple(
        SlotSchema(
            name=str(slot["name"]),
            description=str(slot.get("description", "")),
            is_categorical=bool(slot.get("is_categorical", False)),
            possible_values=tuple(str(v) for v in slot.get("possible_values", [])),
        )
        for slot in entry["slots"]
    )
    intents = tuple(
        IntentSchema(
            name=str(intent["name"]),
            description=str(intent.get("description", "")),
            is_transactional=bool(intent.get("is_transactional", False)),
            required_slots=tuple(str(s) for s in intent.get("required_slots", [])),
            optional_slots={str(k): str(v) for k, v in intent.get("optional_slots", {}).items()},
            result_slots=tuple(str(s) for s in intent.get("result_slots", [])),
        )
        for intent in entry["intents"]
    )
    return ServiceSchema(
        name=str(entry["service_name"]),
        description=str(entry.get("description", "")),
        slots=slots,
        intents=intents,
    )


# --------------------------------------------------------------------------- loader


class SGDLoader(Loader):
    name = "sgd"
    description = "Schema-Guided Dialogue (DSTC8) multi-domain task dialogues (JSON)"
    layout = (
        "the sgd folder with train/dev/test split folders, one split folder, "
        "or one dialogues_NNN.json file"
    )

    def _load(self, path: Path) -> Iterator[Conversation]:
        for split_dir, files in self._plan(path):
            schemas = self._split_schemas(split_dir)
            for file in files:
                yield from self._load_file(file, split_dir.name, schemas)

    def _plan(self, path: Path) -> list[tuple[Path, list[Path]]]:
        """(split folder, dialogue files) pairs to read, in split order."""
        if path.is_file():
            return [(path.parent, [path])]
        split_dirs = [path / split for split in SPLITS if (path / split).is_dir()]
        plan = [(d, _dialogue_files(d)) for d in split_dirs or [path]]
        plan = [(d, files) for d, files in plan if files]
        if not plan:
            self.problem(path, None, f"no dialogues_*.json files in {path} or its split folders")
        return plan

    def _split_schemas(self, split_dir: Path) -> dict[str, ServiceSchema]:
        """The split's schemas, or none when it has no (readable) ``schema.json``."""
        file = split_dir / "schema.json"
        if not file.is_file():
            return {}
        try:
            schemas = _read_schema_file(file)
        except ParseError as exc:
            self.problem(file, exc.line, exc.message)
            return {}
        self.note_file(file)
        return schemas

    def _load_file(
        self, file: Path, split: str, schemas: Mapping[str, ServiceSchema]
    ) -> Iterator[Conversation]:
        self.note_file(file)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            message, hint = read_failure(exc)
            self.problem(file, None, message, hint=hint)
            return
        except UnicodeDecodeError as exc:
            self.problem(file, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
            return
        try:
            for line, raw in _iter_json_list(text):
                conversation = self._conversation(file, line, raw, split, schemas)
                if conversation is not None:
                    yield conversation
        except json.JSONDecodeError as exc:
            self.problem(file, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")

    def _conversation(
        self,
        file: Path,
        line: int,
        raw: object,
        split: str,
        schemas: Mapping[str, ServiceSchema],
    ) -> Conversation | None:
        dialogue_id = raw.get("dialogue_id") if isinstance(raw, dict) else None
        label = f"dialogue {dialogue_id!r}" if dialogue_id else "dialogue"
        try:
            return _build_conversation(raw, split, schemas, source=self.name)
        except _DialogueError as exc:
            self.problem(file, line, f"{label}: {exc}")
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            self.problem(file, line, f"{label}: malformed ({type(exc).__name__}: {exc})")
        return None


def _dialogue_files(folder: Path) -> list[Path]:
    return regular_files(folder.glob("dialogues_*.json"))


def _iter_json_list(text: str) -> Iterator[tuple[int, object]]:
    """Decode a top-level JSON list item by item, yielding (start line, item).

    Raises :class:`json.JSONDecodeError` (with the right line) on broken JSON.
    """
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if not text.startswith("[", pos):
        raise json.JSONDecodeError("expected a JSON list of dialogues", text, pos)
    pos = _skip_ws(text, pos + 1)
    if text.startswith("]", pos):
        _expect_end(text, pos + 1)
        return
    line, counted = 1, 0
    while True:
        line += text.count("\n", counted, pos)
        counted = pos
        item, pos = decoder.raw_decode(text, pos)
        yield line, item
        pos = _skip_ws(text, pos)
        if text.startswith("]", pos):
            _expect_end(text, pos + 1)
            return
        if not text.startswith(",", pos):
            raise json.JSONDecodeError("expected ',' or ']' after a dialogue", text, pos)
        pos = _skip_ws(text, pos + 1)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _expect_end(text: str, pos: int) -> None:
    pos = _skip_ws(text, pos)
    if pos != len(text):
        raise json.JSONDecodeError("extra data after the list of dialogues", text, pos)


def _build_conversation(
    raw: object, split: str, schemas: Mapping[str, ServiceSchema], *, source: str
) -> Conversation:
    if not isinstance(raw, dict):
        raise _DialogueError(f"expected a JSON object, found {type(raw).__name__}")
    dialogue_id = raw.get("dialogue_id")
    if not isinstance(dialogue_id, str) or not dialogue_id:
        raise _DialogueError("missing dialogue_id")
    services = [str(s) for s in _as_list(raw.get("services", []), "services")]
    turns = [_build_turn(index, turn) for index, turn in enumerate(_as_list(raw["turns"], "turns"))]
    return Conversation.parse(
        {
            "id": f"{split}/{dialogue_id}",
            "source": source,
            "channel": "task",
            "turns": turns,
            "metadata": {"services": [_service_summary(name, schemas) for name in services]},
            "labels": {"split": split, "services": services},
        }
    )


def _service_summary(name: str, schemas: Mapping[str, ServiceSchema]) -> dict[str, Any]:
    schema = schemas.get(name)
    if schema is None:
        return {"name": name, "description": None, "intents": [], "transactional_intents": []}
    return schema.summary()


def _build_turn(index: int, raw: object) -> dict[str, Any]:
    """The turn's fields, validated with its conversation (one pass, not one per record)."""
    if not isinstance(raw, dict):
        raise _DialogueError(f"turn {index}: expected a JSON object")
    speaker_name = raw.get("speaker")
    speaker = _SPEAKERS.get(speaker_name) if isinstance(speaker_name, str) else None
    if speaker is None:
        raise _DialogueError(
            f"turn {index}: unknown speaker {speaker_name!r}; expected USER or SYSTEM"
        )
    utterance = raw.get("utterance")
    if not isinstance(utterance, str):
        raise _DialogueError(f"turn {index}: missing utterance")
    frames = [_as_dict(f, f"turn {index} frame") for f in _as_list(raw["frames"], "frames")]
    return {
        "index": index,
        "speaker": speaker,
        "text": utterance,
        "intent": _active_intent(frames) if speaker is Speaker.CUSTOMER else None,
        "dialogue_acts": list(_acts(frames)),
        "extra": {"frames": [_frame_extra(frame) for frame in frames]},
    }


def _active_intent(frames: list[dict[str, Any]]) -> str | None:
    for frame in frames:
        intent = frame.get("state", {}).get("active_intent")
        if isinstance(intent, str) and intent and intent != _NO_INTENT:
            return intent
    return None


def _acts(frames: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for frame in frames:
        for action in _as_list(frame.get("actions", []), "actions"):
            yield {
                "act": str(action["act"]),
                "slot": action.get("slot") or None,
                "values": action.get("values", []),
            }


def _frame_extra(frame: dict[str, Any]) -> dict[str, Any]:
    """The JSON-ready parts of one frame that the turn's own fields do not already hold."""
    out: dict[str, Any] = {"service": frame.get("service")}
    state = frame.get("state")
    if isinstance(state, dict):
        out["active_intent"] = state.get("active_intent")
        out["requested_slots"] = list(state.get("requested_slots", []))
        out["slot_values"] = dict(state.get("slot_values", {}))
    spans = frame.get("slots", [])
    if spans:
        out["spans"] = list(spans)
    if "service_call" in frame:
        out["service_call"] = frame["service_call"]
    if "service_results" in frame:
        results = _as_list(frame["service_results"], "service_results")
        out["service_results_count"] = len(results)
        if len(results) <= _MAX_INLINE_RESULTS:
            out["service_results"] = results
    return out


def _as_list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _DialogueError(f"{what}: expected a list, found {type(value).__name__}")
    return value


def _as_dict(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _DialogueError(f"{what}: expected an object, found {type(value).__name__}")
    return value
