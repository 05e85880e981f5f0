"""A split as a record: which part each conversation id belongs to, and how it was made.

A split is only worth having if it can be checked and reproduced later, by another person
or process: :meth:`Split.save` writes the assignment with its parameters and a SHA-256 of
the ids, :meth:`Split.load` and :meth:`Split.from_dict` refuse a document that does not
add up, and :meth:`Split.verify` refuses data the split was not made on. How the
assignment is chosen is :mod:`colloquy.data.splits`' business.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from colloquy.errors import DataError, ParseError, UsageError
from colloquy.schema import Conversation

SplitName = str | int
"""A split is named (``"train"``) or, for k-fold, numbered (``0 .. k-1``)."""

DEFAULT_LABEL_KEY = "intent"
"""Stratify by this label by default; data without it is split unstratified, whereas any
other label key that no conversation has is an error."""

FORMAT = "colloquy-split"
VERSION = 1


@dataclass(frozen=True, slots=True)
class SplitParams:
    """Everything that, with the data, determines a split."""

    kind: Literal["holdout", "kfold"]
    seed: int
    fractions: tuple[tuple[str, float], ...] = ()
    k: int | None = None
    label_key: str | None = DEFAULT_LABEL_KEY
    group_key: str | None = None
    official_key: str | None = None
    carve_from: str = "train"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "seed": self.seed,
            "fractions": dict(self.fractions),
            "k": self.k,
            "label_key": self.label_key,
            "group_key": self.group_key,
            "official_key": self.official_key,
            "carve_from": self.carve_from,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SplitParams:
        kind = data["kind"]
        if kind not in ("holdout", "kfold"):
            raise ValueError(f"unknown split kind {kind!r}")
        return cls(
            kind=kind,
            seed=int(data["seed"]),
            fractions=tuple((str(n), float(f)) for n, f in dict(data["fractions"]).items()),
            k=None if data.get("k") is None else int(data["k"]),
            label_key=data.get("label_key"),
            group_key=data.get("group_key"),
            official_key=data.get("official_key"),
            carve_from=str(data.get("carve_from", "train")),
        )


def ids_hash(ids: Iterable[str]) -> str:
    """SHA-256 of the sorted, newline-joined ids: the same set gives the same hash."""
    digest = hashlib.sha256()
    for conversation_id in sorted(ids):
        digest.update(conversation_id.encode("utf-8") + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class Split:
    """Which split (or fold) each conversation id belongs to, and how it was made."""

    assignment: Mapping[str, SplitName]
    params: SplitParams
    names: tuple[SplitName, ...]
    label_counts: Mapping[SplitName, Mapping[str, int]]
    """Per split: label → conversations, largest first."""
    ids_sha256: str
    official_group_leaks: int = 0
    """Groups the official split already spreads over several parts (cannot be undone)."""
    _by_name: dict[SplitName, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[SplitName, list[str]] = {name: [] for name in self.names}
        for conversation_id, name in sorted(self.assignment.items()):
            by_name.setdefault(name, []).append(conversation_id)
        object.__setattr__(self, "_by_name", by_name)

    def __len__(self) -> int:
        return len(self.assignment)

    def ids(self, name: SplitName) -> list[str]:
        """The ids in split ``name``, sorted."""
        if name not in self._by_name:
            raise UsageError(f"no split {name!r}", hint=f"splits are {list(self.names)}")
        return list(self._by_name[name])

    def sizes(self) -> dict[SplitName, int]:
        return {name: len(self._by_name[name]) for name in self.names}

    def select(
        self, conversations: Iterable[Conversation], name: SplitName
    ) -> Iterator[Conversation]:
        """Stream the conversations that belong to split ``name``."""
        for conversation in conversations:
            if self.assignment.get(conversation.id) == name:
                yield conversation

    def folds(self) -> Iterator[tuple[list[str], list[str]]]:
        """For a k-fold split: ``(train ids, held-out ids)`` for each fold in turn."""
        if self.params.kind != "kfold" or self.params.k is None:
            raise UsageError("folds() needs a k-fold split", hint="use kfold_split(...)")
        folds = [self.ids(i) for i in range(self.params.k)]
        for i, held_out in enumerate(folds):
            yield [cid for j, fold in enumerate(folds) if j != i for cid in fold], held_out

    def verify(self, ids: Iterable[str]) -> None:
        """Raise :class:`DataError` unless ``ids`` are exactly the ids this split was made on."""
        found = ids_hash(ids)
        if found != self.ids_sha256:
            raise DataError(
                f"the conversations do not match this split (ids hash {found[:12]}…, "
                f"split made on {self.ids_sha256[:12]}…)",
                hint="recreate the split for this data, or load the data it was made from",
            )

    def to_table_rows(self) -> list[tuple[str, str, str, str, str]]:
        """``(split, conversations, classes, smallest class, largest class)`` rows."""
        rows = []
        for name in self.names:
            counts = self.label_counts.get(name, {})
            low = min(counts.values(), default=0)
            high = max(counts.values(), default=0)
            size = len(self._by_name[name])
            rows.append((str(name), f"{size:,}", str(len(counts)), str(low), str(high)))
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The JSON document :meth:`save` writes."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "params": self.params.to_dict(),
            "ids_sha256": self.ids_sha256,
            "conversations": len(self.assignment),
            "official_group_leaks": self.official_group_leaks,
            "splits": [
                {
                    "name": name,
                    "size": len(self._by_name[name]),
                    "labels": dict(self.label_counts.get(name, {})),
                }
                for name in self.names
            ],
            "assignment": dict(sorted(self.assignment.items())),
        }

    def save(self, path: Path | str) -> Path:
        """Write the split as JSON; :meth:`load` restores an equal split."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return target

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Split:
        """Rebuild a split from :meth:`to_dict` output (e.g. as stored in the database)."""
        try:
            return _split_from_dict(dict(data))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"not a colloquy split document ({exc})") from None

    @classmethod
    def load(cls, path: Path | str) -> Split:
        """Read a split written by :meth:`save`, checking its format and ids hash."""
        source = Path(path)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ParseError("split file not found", path=source) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(f"not a JSON split file ({exc})", path=source) from None
        try:
            return _split_from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ParseError(
                f"invalid split file: {exc}", path=source, hint="recreate it with save()"
            ) from None


def _split_from_dict(data: object) -> Split:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError(f"expected format {FORMAT!r} version {VERSION}")
    assignment: dict[str, SplitName] = {}
    for conversation_id, name in dict(data["assignment"]).items():
        if not isinstance(name, str | int) or isinstance(name, bool):
            raise ValueError(f"split name for {conversation_id!r} must be text or a number")
        assignment[str(conversation_id)] = name
    if ids_hash(assignment) != data["ids_sha256"]:
        raise ValueError("ids_sha256 does not match the assignment (file was edited?)")
    splits = list(data["splits"])
    return Split(
        assignment=assignment,
        params=SplitParams.from_dict(data["params"]),
        names=tuple(s["name"] for s in splits),
        label_counts={s["name"]: {str(k): int(v) for k, v in s["labels"].items()} for s in splits},
        ids_sha256=str(data["ids_sha256"]),
        official_group_leaks=int(data.get("official_group_leaks", 0)),
    )


__all__ = [
    "DEFAULT_LABEL_KEY",
    "FORMAT",
    "VERSION",
    "Split",
    "SplitName",
    "SplitParams",
    "ids_hash",
]
