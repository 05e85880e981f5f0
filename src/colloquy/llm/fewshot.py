"""Few-shot intent classification with an LLM: ``IntentClassifier``'s contract, no training.

``fit`` only fills an :class:`~colloquy.llm.examples.ExampleStore`; ``predict`` renders the
built-in ``intent_fewshot`` prompt with the most similar stored examples (MMR, per-label
quota) and asks for structured output whose ``label`` is an enum. Choices, and why:

* **Candidate labels, not all of them.** BANKING77 has 77 intents; listing all of them in
  every prompt costs hundreds of prompt tokens per text on a CPU, and a small model cannot
  choose among 77 anyway. The enum holds the labels of the ``candidates`` nearest stored
  examples (plus the labels shown as examples), so the LLM re-ranks what retrieval found;
  ``candidates=None`` offers the whole label set.
* **Grammar-constrained.** The schema goes to the backend, which (locally) turns the enum
  into a llama.cpp grammar: the model cannot name a label that does not exist. Answers
  are still validated, because an OpenAI-compatible server may ignore the schema.
* **Abstain rather than guess.** An answer that stays invalid after the bounded repairs,
  ``out_of_scope``, or a confidence under ``min_confidence`` becomes ``oos_label``.
* **Cached.** Give the client a :class:`~colloquy.llm.cache.SQLiteResponseCache`: the
  cache key holds the prompt version and the rendered examples, so a re-run is free and a
  changed example set is a miss.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self, cast

import numpy as np
from pydantic import BaseModel, Field, create_model

from colloquy.errors import DataError, UsageError
from colloquy.features.embeddings import Embedder
from colloquy.llm.client import LLMClient
from colloquy.llm.examples import ExampleStore, LabelledExample
from colloquy.llm.prompts import PromptLibrary
from colloquy.llm.records import CallOptions
from colloquy.llm.structured import StructuredOutputError

OUT_OF_SCOPE = "out_of_scope"
"""The label the ``intent_fewshot`` prompt tells the model to use when nothing fits."""

PROMPT = "intent_fewshot"


@dataclass(frozen=True, slots=True)
class FewShotPrediction:
    """One text's answer: the label (``oos_label`` when abstaining) and why."""

    label: str
    confidence: float
    abstained: bool
    reason: Literal["answered", "out_of_scope", "low_confidence", "invalid"]
    candidates: tuple[str, ...]
    cached: bool
    latency_s: float


def answer_model(labels: Sequence[str]) -> type[BaseModel]:
    """A Pydantic model whose ``label`` is an enum of ``labels`` and ``out_of_scope``."""
    choices = tuple(dict.fromkeys([*labels, OUT_OF_SCOPE]))
    label_type = cast(Any, Literal).__getitem__(choices)
    return create_model(
        "IntentAnswer",
        label=(label_type, ...),
        confidence=(float, Field(ge=0.0, le=1.0)),
    )


class LLMIntentClassifier:
    """Text → intent by prompting ``client`` with similar labelled examples.

    ``k`` examples (at most ``per_label`` per intent, MMR ``diversity``) are shown;
    ``candidates`` nearest labels form the answer's enum (``None``: all labels).
    """

    def __init__(
        self,
        client: LLMClient,
        embedder: Embedder,
        *,
        k: int = 4,
        per_label: int = 1,
        diversity: float = 0.3,
        candidates: int | None = 5,
        min_confidence: float = 0.0,
        oos_label: str = OUT_OF_SCOPE,
        max_repairs: int = 1,
        max_tokens: int = 48,
        prompts: PromptLibrary | None = None,
    ) -> None:
        if k < 1:
            raise UsageError(f"k must be at least 1, got {k}")
        if candidates is not None and candidates < 1:
            raise UsageError(f"candidates must be at least 1 or None, got {candidates}")
        if not 0.0 <= min_confidence <= 1.0:
            raise UsageError(f"min_confidence must be in [0, 1], got {min_confidence}")
        self.client = client
        self.embedder = embedder
        self.k = k
        self.per_label = per_label
        self.diversity = diversity
        self.candidates = candidates
        self.min_confidence = min_confidence
        self.oos_label = oos_label
        self.max_repairs = max_repairs
        self.options = CallOptions(temperature=0.0, max_tokens=max_tokens, seed=0)
        self.prompt = (prompts or PromptLibrary()).get(PROMPT)

    def __repr__(self) -> str:
        return f"LLMIntentClassifier(model={self.client.model!r}, k={self.k})"

    def fit(self, texts: Iterable[str], labels: Iterable[str]) -> Self:
        """Store the labelled examples (duplicates skipped); nothing is trained."""
        texts_, labels_ = [str(t) for t in texts], [str(x) for x in labels]
        if len(texts_) != len(labels_):
            raise DataError(f"{len(texts_)} texts but {len(labels_)} labels")
        if not texts_:
            raise DataError("no examples to fit on", hint="pass at least one labelled text")
        store = ExampleStore(self.embedder)
        store.add(
            LabelledExample(t, la)
            for t, la in zip(texts_, labels_, strict=True)
            if la != self.oos_label
        )
        return self.fit_store(store)

    def fit_store(self, store: ExampleStore) -> Self:
        """Use an existing (say, loaded) example store."""
        if not len(store):
            raise DataError("the example store is empty", hint="add labelled examples first")
        self.store_ = store
        self.classes_ = np.asarray(store.labels, dtype=object)
        return self

    # --------------------------------------------------------------- prediction

    def classify(self, texts: Iterable[str]) -> list[FewShotPrediction]:
        """One :class:`FewShotPrediction` per text, in order."""
        if isinstance(texts, str):
            raise UsageError("expected a sequence of texts, got one string", hint="wrap it: [text]")
        if not hasattr(self, "store_"):
            raise UsageError("this LLMIntentClassifier is not fitted yet; call fit() first")
        items = [str(t) for t in texts]
        blank = [i for i, t in enumerate(items) if not t.strip()]
        if blank:
            raise DataError(
                f"empty text(s) to classify at position(s) {', '.join(map(str, blank[:5]))}",
                hint="drop or fill empty texts before predicting",
            )
        return [self._one(text) for text in items]

    def _one(self, text: str) -> FewShotPrediction:
        shown = self.store_.select(text, self.k, per_label=self.per_label, diversity=self.diversity)
        labels = self._candidate_labels(text, [s.example.label for s in shown])
        rendered = self.prompt.render(
            {
                "labels": list(labels),
                "examples": [{"text": s.example.text, "label": s.example.label} for s in shown],
                "text": text,
            }
        )
        schema = answer_model(labels)
        start = time.perf_counter()
        try:
            result = self.client.structured(
                rendered.messages,
                schema,
                max_repairs=self.max_repairs,
                options=self.options,
                prompt=rendered.ref,
            )
        except StructuredOutputError:
            return self._abstain("invalid", 0.0, labels, False, time.perf_counter() - start)
        elapsed = time.perf_counter() - start
        cached = all(a.cached for a in result.attempts)
        answer = result.value.model_dump()
        label, confidence = str(answer["label"]), float(answer["confidence"])
        if label == OUT_OF_SCOPE:
            return self._abstain("out_of_scope", confidence, labels, cached, elapsed)
        if confidence < self.min_confidence:
            return self._abstain("low_confidence", confidence, labels, cached, elapsed)
        return FewShotPrediction(label, confidence, False, "answered", labels, cached, elapsed)

    def _candidate_labels(self, text: str, shown: Sequence[str]) -> tuple[str, ...]:
        if self.candidates is None:
            return tuple(str(c) for c in self.classes_)
        nearest = self.store_.select(text, self.candidates, per_label=1, diversity=0.0)
        return tuple(dict.fromkeys([*(s.example.label for s in nearest), *shown]))

    def _abstain(
        self,
        reason: Literal["out_of_scope", "low_confidence", "invalid"],
        confidence: float,
        labels: tuple[str, ...],
        cached: bool,
        elapsed: float,
    ) -> FewShotPrediction:
        return FewShotPrediction(self.oos_label, confidence, True, reason, labels, cached, elapsed)

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Rows over :attr:`classes_`: the stated confidence on the chosen label, else 0.

        An abstention is an all-zero row, so :meth:`decide` maps it to ``oos_label``.
        """
        return self.proba_of(self.classify(texts))

    def proba_of(self, predictions: Sequence[FewShotPrediction]) -> np.ndarray:
        """:meth:`predict_proba`'s matrix for predictions already made."""
        index = {str(c): j for j, c in enumerate(self.classes_)}
        proba = np.zeros((len(predictions), len(self.classes_)))
        for i, p in enumerate(predictions):
            if not p.abstained and p.label in index:
                proba[i, index[p.label]] = max(p.confidence, 1e-6)
        return proba

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Labels for rows of :meth:`predict_proba` (``oos_label`` for an all-zero row)."""
        if not len(proba):
            return np.asarray([], dtype=object)
        best = self.classes_[proba.argmax(axis=1)]
        return np.asarray(np.where(proba.max(axis=1) > 0, best, self.oos_label), dtype=object)

    def predict(self, texts: Iterable[str]) -> np.ndarray:
        """The chosen intent per text (``oos_label`` when the model abstained)."""
        return np.asarray([p.label for p in self.classify(texts)], dtype=object)

    def top_k(self, texts: Iterable[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """The answered label with its confidence (an LLM gives one answer, not a ranking)."""
        return [[] if p.abstained else [(p.label, p.confidence)][:k] for p in self.classify(texts)]


__all__ = ["OUT_OF_SCOPE", "FewShotPrediction", "LLMIntentClassifier", "answer_model"]
