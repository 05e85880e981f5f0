"""Which journey does a message start? Embedding similarity first, the LLM only on a tie.

An intent classifier, when given with ``intent_routes`` (intent label → journey), decides
first when it is confident (``intent_threshold``); otherwise each journey's triggers,
embedded once (MiniLM, loaded once by the caller), decide. A message
scores, per journey, its best cosine similarity to that journey's triggers. Below
``threshold`` nothing activates; when the best two journeys are within ``tie_margin`` of
each other and an LLM client is given, the LLM picks between those two only (structured
output constrained to their names). Results are cached by message and catalogue
fingerprint, so a repeated message costs one dictionary lookup.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field

from colloquy.agent.journeys.cache import LayeredCache
from colloquy.agent.journeys.records import Journey
from colloquy.agent.journeys.vectors import MessageVector, resolve_vector
from colloquy.errors import LLMError, UsageError
from colloquy.features.embeddings.base import Embedder
from colloquy.llm import CallOptions, ChatMessage, LLMClient

Method = Literal["embedding", "intent", "llm", "none", "llm-fallback"]

DEFAULT_THRESHOLD = 0.5
DEFAULT_TIE_MARGIN = 0.03


@dataclass(frozen=True, slots=True)
class ActivationResult:
    """The chosen journey (``None`` below the threshold), its score and how it was chosen."""

    journey: str | None
    version: int | None
    score: float
    runner_up: str | None
    runner_up_score: float
    method: Method
    cache_level: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ActivationResult:
        return cls(**json.loads(text))


class IntentRanker(Protocol):
    """What activation needs of an intent classifier (``IntentClassifier`` has it)."""

    def top_k(self, texts: Iterable[str], k: int = 3) -> list[list[tuple[str, float]]]: ...


class JourneyChoice(BaseModel):
    """What the LLM answers when two journeys tie."""

    journey: str = Field(description="the name of the journey that fits the message")


class JourneyActivator:
    """Scores a message against every journey's triggers."""

    def __init__(
        self,
        journeys: Sequence[Journey],
        embedder: Embedder,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        tie_margin: float = DEFAULT_TIE_MARGIN,
        llm: LLMClient | None = None,
        cache: LayeredCache | None = None,
        classifier: IntentRanker | None = None,
        intent_routes: Mapping[str, str] | None = None,
        intent_threshold: float = 0.8,
    ) -> None:
        if not journeys:
            raise UsageError("JourneyActivator needs at least one journey")
        names = [j.name for j in journeys]
        if len(set(names)) != len(names):
            raise UsageError(
                "two journeys with the same name were given to the activator",
                hint="pass one version per journey name",
            )
        self.journeys = {j.name: j for j in journeys}
        self.embedder = embedder
        self.threshold = threshold
        self.tie_margin = tie_margin
        self.llm = llm
        self.cache = cache
        self.classifier = classifier
        self.intent_routes = dict(intent_routes or {})
        self.intent_threshold = intent_threshold
        unknown = sorted(set(self.intent_routes.values()) - set(names))
        if unknown:
            raise UsageError(
                f"intent_routes name journeys that are not loaded: {unknown}",
                hint=f"route intents to one of {sorted(names)}",
            )
        triggers = [(j.name, t) for j in journeys for t in j.triggers]
        self._owner = np.array([names.index(name) for name, _ in triggers])
        self._names = names
        self._vectors = embedder.encode([t for _, t in triggers])
        parts = [embedder.model_id, f"{threshold:.4f}", f"{tie_margin:.4f}", str(llm is not None)]
        parts += [f"intent:{type(classifier).__name__}:{intent_threshold}"] if classifier else []
        parts += sorted(f"{k}->{v}" for k, v in self.intent_routes.items())
        parts += sorted(f"{j.name}@{j.version}:{j.content_hash}" for j in journeys)
        fingerprint = "|".join(parts)
        self.fingerprint = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]

    def scores(self, message: str, vector: MessageVector | None = None) -> dict[str, float]:
        """Best trigger similarity per journey (``vector``: the message's, if already known)."""
        resolved = resolve_vector(vector) if vector is not None else None
        if resolved is None:
            resolved = self.embedder.encode([message])[0]
        sims = self._vectors @ resolved
        best = np.full(len(self._names), -1.0, dtype=np.float32)
        np.maximum.at(best, self._owner, sims)
        return {name: float(best[i]) for i, name in enumerate(self._names)}

    def cache_key(self, message: str) -> str:
        normal = re.sub(r"\s+", " ", message.strip().lower())
        return hashlib.sha256(f"{self.fingerprint}\n{normal}".encode()).hexdigest()

    def activate(self, message: str, vector: MessageVector | None = None) -> ActivationResult:
        """The journey ``message`` starts, from the cache when this message was seen.

        ``vector`` is the message's embedding, or a function that computes it once, when the
        caller shares it with guideline matching (the engine embeds a message at most once).
        """
        key = self.cache_key(message)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return replace(ActivationResult.from_json(hit.payload), cache_level=hit.level)
        result = self._decide(message, vector)
        if self.cache is not None:
            self.cache.put(key, result.to_json())
        return result

    def _decide(self, message: str, vector: MessageVector | None) -> ActivationResult:
        if self.classifier is not None:
            label, probability = self.classifier.top_k([message], k=1)[0][0]
            route = self.intent_routes.get(label)
            if route is not None and probability >= self.intent_threshold:
                return self._result(route, probability, None, 0.0, "intent")
        ranked = sorted(self.scores(message, vector).items(), key=lambda kv: kv[1], reverse=True)
        (top, top_score), (second, second_score) = (
            ranked[0],
            ranked[1] if len(ranked) > 1 else ("", -1.0),
        )
        runner = second or None
        if top_score < self.threshold:
            return ActivationResult(None, None, top_score, top, second_score, "none")
        tied = second_score >= self.threshold and top_score - second_score <= self.tie_margin
        if tied and self.llm is not None:
            chosen = self._ask_llm(message, (top, second))
            if chosen is None:
                return self._result(top, top_score, runner, second_score, "llm-fallback")
            other = second if chosen == top else top
            chosen_score = top_score if chosen == top else second_score
            other_score = second_score if chosen == top else top_score
            return self._result(chosen, chosen_score, other, other_score, "llm")
        return self._result(top, top_score, runner, second_score, "embedding")

    def _result(
        self, name: str, score: float, runner: str | None, runner_score: float, method: Method
    ) -> ActivationResult:
        return ActivationResult(
            name, self.journeys[name].version, score, runner, runner_score, method
        )

    def _ask_llm(self, message: str, candidates: tuple[str, str]) -> str | None:
        """The LLM's pick among the two tied journeys; None if it fails or answers neither."""
        assert self.llm is not None
        options = "\n".join(
            f"- {name}: {self.journeys[name].title}. {self.journeys[name].description}".strip()
            for name in candidates
        )
        messages = [
            ChatMessage.system(
                "You route a customer's message to one journey of an insurance claims desk. "
                "Answer with the name of exactly one of these journeys:\n" + options
            ),
            ChatMessage.user(message),
        ]
        try:
            answer = self.llm.structured(
                messages,
                JourneyChoice,
                max_repairs=1,
                options=CallOptions(temperature=0, max_tokens=40, seed=0),
            ).value.journey.strip()
        except LLMError:
            return None
        return answer if answer in candidates else None
