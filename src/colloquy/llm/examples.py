"""Labelled examples for few-shot prompts, chosen by similarity with diversity and quotas.

A few-shot prompt is only as good as its examples: the nearest ones to the query help
most, but the five nearest are often paraphrases of each other and of one label. The
selection is therefore maximal marginal relevance (MMR) over MiniLM embeddings —
relevance to the query minus redundancy with what is already chosen — under a per-label
quota, so a prompt shows several candidate intents instead of one intent five times.

Examples persist in one SQLite file with their embeddings (float32 blobs) and the
embedder's id: a store built with one embedder refuses to be searched with another,
whose vectors would be meaningless next to the stored ones. ``version`` is a content
fingerprint (texts and labels), so a few-shot result can name the exact example set.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import ConfigError, StorageError
from colloquy.features.embeddings import Embedder


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
        digest = hashlib.sha256()
        for text, label in sorted((e.text, e.label) for e in self._examples):
            digest.update(f"{label}\x1f{text}\x1e".encode())
        return digest.hexdigest()[:16]

    def add(self, examples: Iterable[LabelledExample]) -> AddReport:
        """Store ``examples``, skipping exact and near duplicates of the same label."""
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
        self._examples.extend(fresh[i] for i in kept)
        self._vectors = np.vstack([self._vectors, vectors[kept]]).astype(np.float32)
        return AddReport(len(kept), duplicates)

    def remove(self, texts: Iterable[str]) -> int:
        """Drop examples whose normalised text is in ``texts``; returns how many went."""
        gone = {normalise(t) for t in texts}
        keep = [i for i, e in enumerate(self._examples) if normalise(e.text) not in gone]
        removed = len(self._examples) - len(keep)
        self._examples = [self._examples[i] for i in keep]
        self._vectors = self._vectors[keep]
        return removed

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

    def save(self, path: Path) -> None:
        """Write the store to one SQLite file (replaced whole, via a temporary file)."""
        partial = path.with_name(path.name + ".tmp")
        partial.unlink(missing_ok=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(partial) as db:
                db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.execute(
                    "CREATE TABLE examples (position INTEGER PRIMARY KEY, text TEXT NOT NULL, "
                    "label TEXT NOT NULL, source TEXT NOT NULL, vector BLOB NOT NULL)"
                )
                meta = {
                    "embedder": self.embedder.model_id,
                    "dimension": str(self.embedder.dimension),
                    "version": self.version,
                    "dedupe_threshold": repr(self.dedupe_threshold),
                }
                db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
                db.executemany(
                    "INSERT INTO examples VALUES (?, ?, ?, ?, ?)",
                    [
                        (i, e.text, e.label, e.source, self._vectors[i].tobytes())
                        for i, e in enumerate(self._examples)
                    ],
                )
            db.close()
            partial.replace(path)
        except (OSError, sqlite3.Error) as exc:
            partial.unlink(missing_ok=True)
            raise StorageError(f"cannot write the example store {path}: {exc}") from exc

    @classmethod
    def load(cls, path: Path, embedder: Embedder) -> ExampleStore:
        """A saved store; its embedder must be the one it was built with."""
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
                rows = db.execute(
                    "SELECT text, label, source, vector FROM examples ORDER BY position"
                ).fetchall()
            db.close()
        except sqlite3.Error as exc:
            raise StorageError(
                f"cannot read the example store {path}: {exc}",
                hint="check the path; a store is written by ExampleStore.save",
            ) from exc
        if meta.get("embedder") != embedder.model_id:
            raise ConfigError(
                f"example store {path} was built with embedder {meta.get('embedder')!r}, "
                f"not {embedder.model_id!r}",
                hint="load it with the same embedder, or rebuild the store",
            )
        store = cls(embedder, dedupe_threshold=float(meta["dedupe_threshold"]))
        store._examples = [LabelledExample(str(t), str(la), str(s)) for t, la, s, _ in rows]
        width = embedder.dimension
        vectors = [np.frombuffer(v, dtype=np.float32) for *_, v in rows]
        store._vectors = (
            np.vstack(vectors).reshape(len(rows), width) if rows else store._vectors
        ).astype(np.float32)
        return store


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
    "from_pairs",
    "normalise",
]
