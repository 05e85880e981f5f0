"""Labelled examples for few-shot prompts, chosen by similarity with diversity and quotas.

A few-shot prompt is only as good as its examples: the nearest ones to the query help
most, but the five nearest are often paraphrases of each other and of one label. The
selection is therefore maximal marginal relevance (MMR) over MiniLM embeddings —
relevance to the query minus redundancy with what is already chosen — under a per-label
quota, so a prompt shows several candidate intents instead of one intent five times.

A store lives in memory (for a one-off classifier) or, opened with
:meth:`ExampleStore.open`, as a named set in the project database
(:mod:`colloquy.storage.examples`: SQLite or PostgreSQL) with its embeddings and the
embedder's id: a set built with one embedder refuses to be searched with another, whose
vectors would be meaningless next to the stored ones. Every change to a stored set is a
new numbered version (:attr:`ExampleStore.revision`, :meth:`ExampleStore.history`);
``version`` is a content fingerprint (texts and labels), so a few-shot result can name
the exact example set either way.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from colloquy.data.labeling import label_of
from colloquy.errors import ConfigError, DataError
from colloquy.features.embeddings import Embedder
from colloquy.storage.examples import (
    ExampleRepository,
    ExampleSetVersion,
    StoredExample,
    check_set_name,
)

if TYPE_CHECKING:
    from colloquy.storage.store import Store


@dataclass(frozen=True, slots=True)
class LabelledExample:
    text: str
    label: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class AddReport:
    """What :meth:`ExampleStore.add` did: kept, and skipped as (near-)duplicates."""

    added: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class SelectedExample:
    example: LabelledExample
    similarity: float


def normalise(text: str) -> str:
    """The form duplicates are compared in: case-folded, whitespace collapsed."""
    return " ".join(text.casefold().split())


class ExampleStore:
    """Examples and their unit-length embeddings, in memory; :meth:`save` / :meth:`load`.

    ``dedupe_threshold`` is the cosine similarity at or above which a new example with
    the same label counts as a duplicate of a stored one.
    """

    def __init__(self, embedder: Embedder, *, dedupe_threshold: float = 0.95) -> None:
        if not 0 < dedupe_threshold <= 1:
            raise ValueError("dedupe_threshold must be in (0, 1]")
        self.embedder = embedder
        self.dedupe_threshold = dedupe_threshold
        self._examples: list[LabelledExample] = []
        self._vectors: NDArray[np.float32] = np.empty((0, embedder.dimension), np.float32)
        self._persisted: _Persisted | None = None

    def __len__(self) -> int:
        return len(self._examples)

    @property
    def examples(self) -> tuple[LabelledExample, ...]:
        return tuple(self._examples)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({e.label for e in self._examples}))

    @property
    def version(self) -> str:
        """A fingerprint of the stored texts and labels (order-independent)."""
        return fingerprint(self._examples)

    def add(self, examples: Iterable[LabelledExample], *, change: str = "add") -> AddReport:
        """Store ``examples``, skipping exact and near duplicates of the same label.

        In a database-backed store the kept ones are written as one new version
        described by ``change``.
        """
        seen = {(normalise(e.text), e.label) for e in self._examples}
        fresh: list[LabelledExample] = []
        duplicates = 0
        for example in examples:
            if not example.text.strip() or not example.label.strip():
                raise ConfigError(f"an example needs a text and a label, got {example!r}")
            key = (normalise(example.text), example.label)
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            fresh.append(example)
        if not fresh:
            return AddReport(0, duplicates)
        vectors = self.embedder.encode([e.text for e in fresh])
        by_label: dict[str, list[int]] = {}
        for j, stored in enumerate(self._examples):
            by_label.setdefault(stored.label, []).append(j)
        kept_by_label: dict[str, list[int]] = {}
        kept: list[int] = []
        for i, example in enumerate(fresh):
            same = by_label.get(example.label, [])
            batch = kept_by_label.get(example.label, [])
            nearest = max(
                float(np.max(self._vectors[same] @ vectors[i])) if same else -1.0,
                float(np.max(vectors[batch] @ vectors[i])) if batch else -1.0,
            )
            if nearest >= self.dedupe_threshold:
                duplicates += 1
                continue
            kept.append(i)
            kept_by_label.setdefault(example.label, []).append(i)
        added = [fresh[i] for i in kept]
        if added:
            self._write(added, vectors[kept], (), [*self._examples, *added], change)
        self._examples.extend(added)
        self._vectors = np.vstack([self._vectors, vectors[kept]]).astype(np.float32)
        return AddReport(len(kept), duplicates)

    def max_similarity(self, vectors: NDArray[np.floating[Any]]) -> NDArray[np.float32]:
        """Per row of ``vectors`` (unit length), its highest cosine to a stored example."""
        if not self._examples or len(vectors) == 0:
            return np.full(len(vectors), -1.0, np.float32)
        return np.asarray((vectors @ self._vectors.T).max(axis=1), dtype=np.float32)

    def remove(self, texts: Iterable[str]) -> int:
        """Drop examples whose normalised text is in ``texts``; returns how many went."""
        gone = {normalise(t) for t in texts}
        keep = [i for i, e in enumerate(self._examples) if normalise(e.text) not in gone]
        dropped = [e for e in self._examples if normalise(e.text) in gone]
        remaining = [self._examples[i] for i in keep]
        if dropped:
            self._write([], self._vectors[:0], dropped, remaining, "remove")
        self._examples = remaining
        self._vectors = self._vectors[keep]
        return len(dropped)

    def select(
        self,
        query: str,
        k: int,
        *,
        per_label: int | None = None,
        diversity: float = 0.3,
        exclude_text: bool = True,
    ) -> list[SelectedExample]:
        """Up to ``k`` examples for ``query`` by MMR, at most ``per_label`` of each label.

        ``diversity`` is MMR's weight on novelty (0 = pure similarity). The query itself,
        if stored, is left out when ``exclude_text`` is true, so evaluation on stored
        texts cannot show the model its own answer.
        """
        if k < 1 or not self._examples:
            return []
        if not 0 <= diversity <= 1:
            raise ValueError("diversity must be in [0, 1]")
        q = self.embedder.encode([query])[0]
        relevance = self._vectors @ q
        target = normalise(query)
        candidates = [
            i
            for i in np.argsort(-relevance)[: max(k * 20, 100)].tolist()
            if not (exclude_text and normalise(self._examples[i].text) == target)
        ]
        chosen: list[int] = []
        counts: Counter[str] = Counter()
        while candidates and len(chosen) < k:
            if chosen:
                redundancy = np.max(self._vectors[candidates] @ self._vectors[chosen].T, axis=1)
            else:
                redundancy = np.zeros(len(candidates), np.float32)
            scores = (1 - diversity) * relevance[candidates] - diversity * redundancy
            best = candidates[int(np.argmax(scores))]
            candidates.remove(best)
            label = self._examples[best].label
            if per_label is not None and counts[label] >= per_label:
                continue
            counts[label] += 1
            chosen.append(best)
        return [SelectedExample(self._examples[i], float(relevance[i])) for i in chosen]

    @classmethod
    def open(
        cls,
        store: Store,
        name: str,
        embedder: Embedder,
        *,
        dedupe_threshold: float = 0.95,
        create: bool = True,
    ) -> ExampleStore:
        """The set ``name`` in the project database, created empty if ``create``.

        Every later :meth:`add` and :meth:`remove` writes through as a new version. A set
        built with another embedder is refused: its vectors would mean nothing here.
        """
        repository = ExampleRepository(store)
        info = repository.find(check_set_name(name))
        if info is None:
            if not create:
                repository.info(name)
            info = repository.create(
                name,
                embedder=embedder.model_id,
                dimension=embedder.dimension,
                dedupe_threshold=dedupe_threshold,
            )
        if info.embedder != embedder.model_id or info.dimension != embedder.dimension:
            raise ConfigError(
                f"example set {name!r} was built with embedder {info.embedder!r} "
                f"({info.dimension} dimensions), not {embedder.model_id!r}",
                hint="open it with the same embedder, or build a new set",
            )
        opened = cls(embedder, dedupe_threshold=info.dedupe_threshold)
        rows = repository.examples(name)
        opened._examples = [LabelledExample(r.text, r.label, r.source) for r in rows]
        if rows:
            opened._vectors = np.vstack(
                [np.frombuffer(r.vector, dtype=np.float32) for r in rows]
            ).reshape(len(rows), embedder.dimension)
        opened._persisted = _Persisted(repository, name, info.version)
        return opened

    @property
    def name(self) -> str | None:
        """The set's name in the database; ``None`` for an in-memory store."""
        return self._persisted.name if self._persisted is not None else None

    @property
    def revision(self) -> int:
        """The database version of the set (0 before the first change or in memory)."""
        return self._persisted.revision if self._persisted is not None else 0

    def history(self) -> list[ExampleSetVersion]:
        """Every stored version of the set, oldest first; empty in memory."""
        if self._persisted is None:
            return []
        return self._persisted.repository.versions(self._persisted.name)

    def import_dataset(
        self,
        store: Store,
        dataset: str,
        *,
        label_key: str = "intent",
        per_label: int | None = None,
    ) -> AddReport:
        """Add the dataset's labelled conversations (their customer text) as examples.

        Conversations without a ``label_key`` label are skipped; ``per_label`` keeps at
        most that many of each label, in stored order.
        """
        taken: Counter[str] = Counter()
        examples: list[LabelledExample] = []
        for conversation in store.conversations(dataset):
            label = label_of(conversation, label_key)
            turns = conversation.customer_turns() or conversation.turns
            text = " ".join(t.text for t in turns).strip()
            if label is None or not text:
                continue
            if per_label is not None and taken[label] >= per_label:
                continue
            taken[label] += 1
            examples.append(LabelledExample(text, label, f"dataset:{dataset}"))
        if not examples:
            raise DataError(
                f"dataset {dataset!r} has no conversations labelled {label_key!r}",
                hint="check the label name with `colloquy data show`",
            )
        return self.add(examples, change=f"import dataset {dataset}")

    def _write(
        self,
        added: Sequence[LabelledExample],
        vectors: NDArray[np.float32],
        removed: Sequence[LabelledExample],
        after: Sequence[LabelledExample],
        change: str,
    ) -> None:
        """Record a change as one new database version, before memory reflects it."""
        if self._persisted is None:
            return
        rows = [
            StoredExample(
                text_key(e), e.text, e.label, e.source, vectors[i].astype(np.float32).tobytes(), 0
            )
            for i, e in enumerate(added)
        ]
        self._persisted.revision = self._persisted.repository.change(
            self._persisted.name,
            add=rows,
            remove=[text_key(e) for e in removed],
            fingerprint=fingerprint(after),
            change=change,
        )


@dataclass(slots=True)
class _Persisted:
    repository: ExampleRepository
    name: str
    revision: int


def fingerprint(examples: Iterable[LabelledExample]) -> str:
    """A short hash of the texts and labels, independent of their order."""
    digest = hashlib.sha256()
    for text, label in sorted((e.text, e.label) for e in examples):
        digest.update(f"{label}\x1f{text}\x1e".encode())
    return digest.hexdigest()[:16]


def text_key(example: LabelledExample) -> str:
    """An example's identity in its set: its label and normalised text."""
    return hashlib.sha256(f"{example.label}\x1f{normalise(example.text)}".encode()).hexdigest()


def from_pairs(
    texts: Sequence[str], labels: Sequence[str], source: str = ""
) -> list[LabelledExample]:
    """Examples from parallel text and label columns (a dataset split, say)."""
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    return [LabelledExample(t, la, source) for t, la in zip(texts, labels, strict=True)]


__all__ = [
    "AddReport",
    "ExampleStore",
    "LabelledExample",
    "SelectedExample",
    "fingerprint",
    "from_pairs",
    "normalise",
    "text_key",
]
