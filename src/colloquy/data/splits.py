"""Deterministic, stratified, group-aware train/validation/test splits and k-folds.

Evaluation numbers are only comparable when everyone scores on the same examples, and only
honest when nothing leaks: the same customer (or the same conversation) must never sit on
both sides of a split. So a split here is

* **stratified** — every class is spread over the splits in proportion (within one example
  per class and split when groups are single conversations);
* **group-aware** — all conversations of a group (default: the conversation itself; or a
  metadata key such as ``customer_id``) land in the same split;
* **deterministic and order-free** — groups are placed in the order of a seeded hash of
  their key, never in input order, so the same data and seed give the same assignment;
* **reproducible** — :meth:`Split.save` writes the assignment with its parameters and a
  SHA-256 of the ids, and :meth:`Split.load` checks it (the record lives in
  :mod:`colloquy.data.split_record`);
* **respectful of official splits** — with ``official_key`` (BANKING77's
  ``labels["split"]``) only the official training part is carved up; the official test
  set is kept whole and untouched.

Placement is greedy: groups, largest first, go to the split whose per-class shortfall
against its target they reduce most (least squared error); ties go to the split furthest
below its overall size. For single-conversation groups this provably keeps every class
within one example of its exact share.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from colloquy.data.labeling import label_of
from colloquy.data.split_record import (
    DEFAULT_LABEL_KEY,
    FORMAT,
    VERSION,
    Split,
    SplitName,
    SplitParams,
    ids_hash,
)
from colloquy.errors import DataError, UsageError
from colloquy.schema import Conversation

UNLABELLED = "(unlabelled)"
"""The stratum, and the label in distributions, of conversations without a label."""

_OWN_GROUP = "id:"
"""Group-key prefix of a conversation that forms a group of its own."""

HOLDOUT_FRACTIONS: Mapping[str, float] = {"train": 0.8, "validation": 0.1, "test": 0.1}
"""Default fractions when there is no official split to honour."""

CARVE_FRACTIONS: Mapping[str, float] = {"train": 0.9, "validation": 0.1}
"""Default fractions for carving the official training part (the official test is kept)."""


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Item:
    id: str
    group: str
    label: str
    official: str | None


def _items(conversations: Iterable[Conversation], params: SplitParams) -> tuple[list[_Item], int]:
    """Read what a split needs from each conversation; also count groups spanning
    official splits."""
    items: list[_Item] = []
    seen: set[str] = set()
    keys = _KeysSeen(params)
    for conversation in conversations:
        if conversation.id in seen:
            raise DataError(
                f"conversation id {conversation.id!r} occurs twice",
                hint="ids must be unique to be split; deduplicate the data first",
            )
        seen.add(conversation.id)
        item = _item(conversation, params)
        keys.add(conversation, item)
        items.append(item)
    keys.check(len(items))
    return items, _official_leaks(items)


class _KeysSeen:
    """Whether any conversation has the label and group keys asked for, and, until one
    does, which keys exist instead — a misspelt key would otherwise give an unstratified
    or ungrouped split without a word."""

    def __init__(self, params: SplitParams) -> None:
        checked_label = params.label_key not in (None, DEFAULT_LABEL_KEY)
        self.label_key = params.label_key if checked_label else None
        self.group_key = params.group_key
        self.labels: set[str] = set()
        self.metadata: set[str] = set()

    def add(self, conversation: Conversation, item: _Item) -> None:
        if self.label_key is not None:
            if item.label != UNLABELLED:
                self.label_key = None
            else:
                self.labels.update(conversation.labels)
                if any(turn.intent is not None for turn in conversation.turns):
                    self.labels.add(DEFAULT_LABEL_KEY)
        if self.group_key is not None:
            if not item.group.startswith(_OWN_GROUP):
                self.group_key = None
            else:
                self.metadata.update(conversation.metadata)

    def check(self, count: int) -> None:
        if count == 0:
            return
        if self.label_key is not None:
            raise DataError(
                f"no conversation has the label {self.label_key!r} to stratify by",
                hint=_existing("label keys", self.labels),
            )
        if self.group_key is not None:
            raise DataError(
                f"no conversation has the metadata key {self.group_key!r} to group by",
                hint=_existing("metadata keys", self.metadata),
            )


def _existing(kind: str, keys: set[str]) -> str:
    if not keys:
        return f"the conversations have no {kind} at all"
    shown = sorted(keys)
    more = f" and {len(shown) - 20} more" if len(shown) > 20 else ""
    return f"{kind} that exist: {', '.join(shown[:20])}{more}"


def _item(conversation: Conversation, params: SplitParams) -> _Item:
    label = label_of(conversation, params.label_key) if params.label_key else None
    official = None
    if params.official_key is not None:
        value = conversation.labels.get(params.official_key)
        if value is None:
            raise DataError(
                f"conversation {conversation.id!r} has no labels[{params.official_key!r}]",
                hint="every conversation needs its official split, or pass no official key",
            )
        official = str(value)
    return _Item(
        conversation.id, _group_of(conversation, params.group_key), label or UNLABELLED, official
    )


def _group_of(conversation: Conversation, group_key: str | None) -> str:
    """The group key; conversations without the metadata key form a group of their own."""
    value = conversation.metadata.get(group_key) if group_key else None
    if value is None:
        return f"{_OWN_GROUP}{conversation.id}"
    return "group:" + (value if isinstance(value, str) else json.dumps(value, sort_keys=True))


def _official_leaks(items: Sequence[_Item]) -> int:
    parts: dict[str, set[str | None]] = defaultdict(set)
    for item in items:
        parts[item.group].add(item.official)
    return sum(1 for official in parts.values() if len(official) > 1)


# --------------------------------------------------------------------------- placing


@dataclass(slots=True)
class _Group:
    key: str
    ids: list[str] = field(default_factory=list)
    labels: Counter[str] = field(default_factory=Counter)


def _groups(items: Iterable[_Item]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for item in items:
        group = groups.setdefault(item.group, _Group(item.group))
        group.ids.append(item.id)
        group.labels[item.label] += 1
    return list(groups.values())


def _rank(seed: int, key: str) -> bytes:
    return hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=8).digest()


def _place(
    groups: list[_Group], names: Sequence[SplitName], fractions: Sequence[float], seed: int
) -> dict[str, SplitName]:
    """Greedy stratified placement of whole groups; see the module docstring."""
    totals: Counter[str] = Counter()
    for group in groups:
        totals.update(group.labels)
    deficit = [{label: f * n for label, n in totals.items()} for f in fractions]
    size_deficit = [f * totals.total() for f in fractions]
    order = sorted(groups, key=lambda g: (-len(g.ids), _rank(seed, g.key), g.key))
    assignment: dict[str, SplitName] = {}
    for group in order:
        best = max(
            range(len(names)),
            key=lambda i: (_gain(deficit[i], group.labels), size_deficit[i], -i),
        )
        for label, n in group.labels.items():
            deficit[best][label] -= n
        size_deficit[best] -= len(group.ids)
        assignment.update(dict.fromkeys(group.ids, names[best]))
    return assignment


def _gain(deficit: Mapping[str, float], labels: Mapping[str, int]) -> float:
    """How much squared shortfall placing ``labels`` in this split removes."""
    return sum(n * (2 * deficit[label] - n) for label, n in labels.items())


def _label_counts(
    items: Iterable[_Item], assignment: Mapping[str, SplitName]
) -> dict[SplitName, dict[str, int]]:
    counts: dict[SplitName, Counter[str]] = defaultdict(Counter)
    for item in items:
        counts[assignment[item.id]][item.label] += 1
    return {
        name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in counts.items()
    }


def _make(
    conversations: Iterable[Conversation],
    params: SplitParams,
    names: Sequence[SplitName],
    fractions: Sequence[float],
) -> Split:
    items, leaks = _items(conversations, params)
    carved = [i for i in items if i.official is None or i.official == params.carve_from]
    assignment: dict[str, SplitName] = {
        i.id: i.official for i in items if i.official not in (None, params.carve_from)
    }
    extra = sorted({str(name) for name in assignment.values()})
    _check_names(names, extra, params)
    groups = _groups(carved)
    if params.kind == "kfold" and len(groups) < len(names):
        raise UsageError(
            f"{len(groups)} groups cannot fill {len(names)} folds", hint="use fewer folds"
        )
    assignment.update(_place(groups, names, fractions, params.seed))
    return Split(
        assignment=assignment,
        params=params,
        names=(*names, *extra),
        label_counts=_label_counts(items, assignment),
        ids_sha256=ids_hash(assignment),
        official_group_leaks=leaks,
    )


def _check_names(names: Sequence[SplitName], official: Sequence[str], params: SplitParams) -> None:
    clash = sorted(set(map(str, names)) & set(official))
    if clash:
        raise UsageError(
            f"split name(s) {clash} are also official splits kept as they are",
            hint=f"carve {params.carve_from!r} into other names, e.g. train and validation",
        )


def _check_fractions(fractions: Mapping[str, float]) -> None:
    if not fractions or any(not f > 0 for f in fractions.values()):
        raise UsageError(f"fractions must all be positive, got {dict(fractions)}")
    total = sum(fractions.values())
    if abs(total - 1.0) > 1e-6:
        raise UsageError(f"fractions must add up to 1, got {total:g}", hint=f"{dict(fractions)}")


def split_conversations(
    conversations: Iterable[Conversation],
    *,
    fractions: Mapping[str, float] | None = None,
    seed: int = 0,
    label_key: str | None = DEFAULT_LABEL_KEY,
    group_key: str | None = None,
    official_key: str | None = None,
    carve_from: str = "train",
) -> Split:
    """Split into named parts (default train/validation/test 0.8/0.1/0.1).

    ``label_key`` stratifies (``None``: no stratification); ``group_key`` names a metadata
    key whose conversations must stay together (default: each conversation alone). A key
    that no conversation has is a :class:`DataError` listing the keys that do exist (the
    default ``"intent"`` excepted: data without intents is split unstratified). With
    ``official_key`` (e.g. ``"split"``), conversations whose official split is
    ``carve_from`` are divided by ``fractions`` (default train/validation 0.9/0.1) and all
    others keep their official split name.
    """
    if fractions is None:
        fractions = CARVE_FRACTIONS if official_key else HOLDOUT_FRACTIONS
    _check_fractions(fractions)
    params = SplitParams(
        kind="holdout",
        seed=seed,
        fractions=tuple(fractions.items()),
        label_key=label_key,
        group_key=group_key,
        official_key=official_key,
        carve_from=carve_from,
    )
    return _make(conversations, params, list(fractions), list(fractions.values()))


def kfold_split(
    conversations: Iterable[Conversation],
    *,
    k: int = 5,
    seed: int = 0,
    label_key: str | None = DEFAULT_LABEL_KEY,
    group_key: str | None = None,
    official_key: str | None = None,
    carve_from: str = "train",
) -> Split:
    """Stratified group k-fold: each conversation gets a fold ``0 .. k-1``.

    With ``official_key``, only the official ``carve_from`` part is folded; the rest keep
    their official split names (so the official test set stays out of every fold). Label
    and group keys are checked as in :func:`split_conversations`.
    """
    if k < 2:
        raise UsageError(f"k must be at least 2, got {k}")
    params = SplitParams(
        kind="kfold",
        seed=seed,
        k=k,
        label_key=label_key,
        group_key=group_key,
        official_key=official_key,
        carve_from=carve_from,
    )
    return _make(conversations, params, list(range(k)), [1.0 / k] * k)


__all__ = [
    "CARVE_FRACTIONS",
    "DEFAULT_LABEL_KEY",
    "FORMAT",
    "HOLDOUT_FRACTIONS",
    "UNLABELLED",
    "VERSION",
    "Split",
    "SplitName",
    "SplitParams",
    "ids_hash",
    "kfold_split",
    "split_conversations",
]
