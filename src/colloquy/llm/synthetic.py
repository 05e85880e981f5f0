"""Synthetic training examples from an LLM, for intents with too few of them.

Generated text is cheap and often wrong, so nothing is kept on trust:

1. the LLM sees a handful of real examples of one intent and writes new messages with the
   same intent in other words (structured output: a list of strings);
2. empty, over-long, exact and near duplicates (cosine ≥ ``dedupe_threshold`` to any stored
   example or to an earlier generated one) are dropped;
3. when an ``agree`` function is given (say, an embedding classifier's ``predict``), only
   texts it also labels with the target intent are kept — a paraphrase that drifted to
   another intent would teach the wrong thing.

:meth:`SyntheticGenerator.augment` has the shape of :func:`colloquy.data.labeling.augment`
(the originals, then the new texts), so it drops into the same training code. Whether it
helps is measured in ``benchmarks/fewshot.py``, not assumed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import BaseModel, Field, StringConstraints, create_model

from colloquy.errors import UsageError
from colloquy.llm.client import LLMClient
from colloquy.llm.examples import ExampleStore, LabelledExample, normalise
from colloquy.llm.records import CallOptions, ChatMessage, PromptRef
from colloquy.llm.structured import StructuredOutputError

INSTRUCTION = (
    "You write realistic messages that bank customers send to support. Write {n} new "
    "messages with the intent '{label}', like the examples but in different words. "
    "Each message is one or two sentences."
)
PROMPT_REF = PromptRef(
    "intent_paraphrase", "1", hashlib.sha256(INSTRUCTION.encode()).hexdigest()[:16]
)
MAX_CHARS = 300

Agreement = Callable[[Sequence[str]], Iterable[str]]
"""Texts → labels, from an independent classifier; a text is kept when it agrees."""


GENERATED_CHARS = 160
"""The longest message the schema lets the model write (a grammar bound, so it stops)."""


class Paraphrases(BaseModel):
    texts: list[str] = Field(min_length=1)


def readable(label: str) -> str:
    """``card_arrival`` → ``card arrival``: small models copy identifiers into the text."""
    return " ".join(label.replace("_", " ").split())


def paraphrases_model(n: int) -> type[Paraphrases]:
    """:class:`Paraphrases` with at most ``n`` texts of at most :data:`GENERATED_CHARS`.

    The bounds go into the JSON Schema, which a local backend turns into a grammar: a
    small model that would repeat one sentence until ``max_tokens`` must close the list.
    """
    text = Annotated[str, StringConstraints(min_length=3, max_length=GENERATED_CHARS)]
    return create_model(
        "Paraphrases",
        __base__=Paraphrases,
        texts=(list[text], Field(min_length=1, max_length=n)),
    )


@dataclass(frozen=True, slots=True)
class SyntheticReport:
    """What one intent's generation produced, and what was thrown away and why."""

    label: str
    kept: tuple[str, ...]
    generated: int
    invalid: int
    duplicates: int
    disagreed: int


@dataclass(frozen=True, slots=True)
class Screened:
    """Candidates that passed :meth:`SyntheticGenerator.screen`, and what each check dropped."""

    kept: tuple[str, ...]
    invalid: int
    duplicates: int
    disagreed: int


class SyntheticGenerator:
    """New examples per intent from ``client``, checked against ``store`` and ``agree``."""

    def __init__(
        self,
        client: LLMClient,
        store: ExampleStore,
        *,
        agree: Agreement | None = None,
        shown: int = 5,
        per_call: int = 5,
        dedupe_threshold: float = 0.92,
        max_tokens: int = 256,
        temperature: float = 0.8,
        max_repairs: int = 1,
        seed: int = 0,
    ) -> None:
        if per_call < 1 or shown < 1:
            raise UsageError("shown and per_call must be at least 1")
        self.client = client
        self.store = store
        self.agree = agree
        self.shown = shown
        self.per_call = per_call
        self.dedupe_threshold = dedupe_threshold
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.max_repairs = max_repairs
        self.seed = seed
        self.schema = paraphrases_model(per_call)

    def generate(self, label: str, n: int, *, attempts: int = 2) -> SyntheticReport:
        """Up to ``n`` new checked examples of ``label`` in at most ``attempts`` calls."""
        real = [e.text for e in self.store.examples if e.label == label]
        if not real:
            raise UsageError(
                f"no stored examples of intent {label!r} to paraphrase",
                hint="add a few real examples of it to the store first",
            )
        kept: list[str] = []
        generated = invalid = duplicates = disagreed = 0
        for attempt in range(attempts):
            if len(kept) >= n:
                break
            candidates = self.propose(label, real[: self.shown], attempt)
            if candidates is None:
                invalid += 1
                continue
            generated += len(candidates)
            screened = self.screen(label, candidates, [*real, *kept])
            invalid += screened.invalid
            duplicates += screened.duplicates
            disagreed += screened.disagreed
            kept.extend(screened.kept[: n - len(kept)])
        return SyntheticReport(label, tuple(kept), generated, invalid, duplicates, disagreed)

    def propose(self, label: str, examples: Sequence[str], attempt: int = 0) -> list[str] | None:
        """The LLM's raw candidates for ``label`` shown ``examples``; ``None`` if unparseable.

        Unchecked: callers that cache raw generations (a benchmark trying several filters)
        pass them through :meth:`screen` afterwards.
        """
        messages = [
            ChatMessage.system(INSTRUCTION.format(n=self.per_call, label=readable(label))),
            ChatMessage.user("Examples:\n" + "\n".join(f"- {t}" for t in examples)),
        ]
        options = CallOptions(
            temperature=self.temperature, max_tokens=self.max_tokens, seed=self.seed + attempt
        )
        try:
            result = self.client.structured(
                messages,
                self.schema,
                max_repairs=self.max_repairs,
                options=options,
                prompt=PROMPT_REF,
            )
        except StructuredOutputError:
            return None
        return list(result.value.texts)

    def screen(self, label: str, candidates: Sequence[str], known: Sequence[str]) -> Screened:
        """``candidates`` minus blanks, over-long texts, copies of ``known`` or the store,
        near duplicates of either, and (with ``agree``) texts labelled otherwise.

        Every text is embedded once (candidates and ``known`` in one batch each), so
        screening a whole generated set costs two encoder calls, not two per candidate.
        """
        seen = {normalise(t) for t in known}
        cleaned = [" ".join(t.split()) for t in candidates]
        usable = [t for t in cleaned if t and len(t) <= MAX_CHARS]
        invalid = len(cleaned) - len(usable)
        embedder = self.store.embedder
        vectors = embedder.encode(usable) if usable else np.empty((0, embedder.dimension))
        against = [t for t in known if t.strip()]
        near = self.store.max_similarity(vectors)
        if against and usable:
            near = np.maximum(near, (vectors @ embedder.encode(against).T).max(axis=1))
        fresh: list[int] = []
        duplicates = 0
        for i, text in enumerate(usable):
            closest = float(near[i])
            if fresh:
                closest = max(closest, float((vectors[fresh] @ vectors[i]).max()))
            if normalise(text) in seen or closest >= self.dedupe_threshold:
                duplicates += 1
                continue
            seen.add(normalise(text))
            fresh.append(i)
        kept = [usable[i] for i in fresh]
        disagreed = 0
        if self.agree is not None and kept:
            verdicts = list(self.agree(kept))
            agreed = [t for t, v in zip(kept, verdicts, strict=True) if v == label]
            disagreed = len(kept) - len(agreed)
            kept = agreed
        return Screened(tuple(kept), invalid, duplicates, disagreed)

    def augment(
        self, texts: Sequence[str], labels: Sequence[str], *, target: int
    ) -> tuple[list[str], list[str], list[SyntheticReport]]:
        """The originals, then new examples for every intent with fewer than ``target``.

        Each such intent gets up to ``target - count`` generated examples (never more
        than its real count, so synthetic text cannot outnumber the real).
        """
        if len(texts) != len(labels):
            raise UsageError(f"{len(texts)} texts but {len(labels)} labels")
        self.store.add(LabelledExample(t, la, "real") for t, la in zip(texts, labels, strict=True))
        counts = Counter(labels)
        out_texts, out_labels = list(texts), list(labels)
        reports = []
        for label in sorted(counts):
            wanted = min(target - counts[label], counts[label])
            if wanted <= 0:
                continue
            report = self.generate(label, wanted)
            reports.append(report)
            out_texts += report.kept
            out_labels += [label] * len(report.kept)
        return out_texts, out_labels, reports


__all__ = [
    "PROMPT_REF",
    "Agreement",
    "Paraphrases",
    "Screened",
    "SyntheticGenerator",
    "SyntheticReport",
    "paraphrases_model",
]
