"""Two-stage guideline matching with no LLM on the hot path.

Stage 1 (microseconds): the guidelines in scope for the journey and state, and for each a
keyword/regex hit from one compiled alternation. Stage 2: one embedding of the message
(reusable from activation) against every condition, precomputed at start-up. A guideline
matches when its similarity reaches ``threshold``, or the lower ``hit_threshold`` when
stage 1 found one of its keywords: a keyword is strong evidence, so it needs less
semantic support. The state's instruction is scored too, so a state-scoped rule fires on
entering its state even when the message itself is short ("yes").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

import numpy as np

from colloquy.agent.guidelines.records import AppliedGuidelines, Guideline, GuidelineMatch
from colloquy.agent.journeys.cache_memory import MemoryCache
from colloquy.agent.journeys.vectors import MessageVector, resolve_vector
from colloquy.features.embeddings.base import Embedder

DEFAULT_THRESHOLD = 0.5
DEFAULT_HIT_THRESHOLD = 0.2


class GuidelineMatcher:
    """Matches a message (and the current state) against loaded guidelines."""

    def __init__(
        self,
        guidelines: Sequence[Guideline],
        embedder: Embedder,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        hit_threshold: float = DEFAULT_HIT_THRESHOLD,
        cache: MemoryCache | None = None,
    ) -> None:
        self.guidelines = tuple(guidelines)
        self.embedder = embedder
        self.threshold = threshold
        self.hit_threshold = hit_threshold
        self.cache = cache
        self.cache_lookups = 0
        self.cache_hits = 0
        self._keywords = [_alternation(g) for g in self.guidelines]
        self._conditions = embedder.encode([g.condition for g in self.guidelines])
        self._index = {g.name: i for i, g in enumerate(self.guidelines)}
        parts = [embedder.model_id, f"{threshold}:{hit_threshold}"]
        parts += [f"{g.name}:{g.content_hash}" for g in self.guidelines]
        self.fingerprint = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def prefilter(
        self, message: str, journey: str | None, state: str | None
    ) -> list[tuple[int, bool]]:
        """Stage 1: (index, keyword hit) of every guideline in scope."""
        return [
            (i, bool(rx is not None and rx.search(message)))
            for i, (g, rx) in enumerate(zip(self.guidelines, self._keywords, strict=True))
            if g.in_scope(journey, state)
        ]

    def match(
        self,
        message: str,
        *,
        journey: str | None = None,
        state: str | None = None,
        state_text: str | None = None,
        applied: AppliedGuidelines | None = None,
        vector: MessageVector | None = None,
    ) -> tuple[GuidelineMatch, ...]:
        """Matched guidelines, highest priority first; ``once`` ones already applied drop out."""
        key = self._key(message, journey, state, state_text)
        matches = self._cached(key)
        if matches is None:
            matches = self._match(message, journey, state, state_text, vector)
            if self.cache is not None:
                self.cache.put(
                    key, json.dumps([[m.guideline.name, m.score, m.keyword_hit] for m in matches])
                )
        if applied is not None:
            done = applied.names()
            matches = tuple(
                m for m in matches if not (m.guideline.once and m.guideline.name in done)
            )
        return matches

    def _match(
        self,
        message: str,
        journey: str | None,
        state: str | None,
        state_text: str | None,
        lazy: MessageVector | None,
    ) -> tuple[GuidelineMatch, ...]:
        candidates = self.prefilter(message, journey, state)
        if not candidates:
            return ()
        vector = resolve_vector(lazy) if lazy is not None else None
        texts = [message] if vector is None else []
        if state_text:
            texts.append(state_text)
        encoded = self.embedder.encode(texts) if texts else np.empty((0, 0), np.float32)
        query = encoded[0] if vector is None else vector
        rows = np.array([i for i, _ in candidates])
        sims = self._conditions[rows] @ query
        if state_text:
            # The state's own instruction only speaks for rules scoped to that state.
            state_sims = self._conditions[rows] @ encoded[-1]
            scoped = np.array([self.guidelines[i].state is not None for i in rows])
            sims = np.where(scoped, np.maximum(sims, state_sims), sims)
        out: list[GuidelineMatch] = []
        for (index, hit), sim in zip(candidates, sims, strict=True):
            if sim >= self.threshold or (hit and sim >= self.hit_threshold):
                out.append(GuidelineMatch(self.guidelines[index], float(sim), hit))
        out.sort(key=lambda m: (-m.guideline.priority, -m.score))
        return tuple(out)

    def _key(self, message: str, journey: str | None, state: str | None, text: str | None) -> str:
        normal = re.sub(r"\s+", " ", message.strip().lower())
        raw = f"{self.fingerprint}\n{journey}\n{state}\n{text}\n{normal}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def _cached(self, key: str) -> tuple[GuidelineMatch, ...] | None:
        if self.cache is None:
            return None
        self.cache_lookups += 1
        payload = self.cache.get(key)
        if payload is None:
            return None
        self.cache_hits += 1
        return tuple(
            GuidelineMatch(self.guidelines[self._index[name]], score, hit)
            for name, score, hit in json.loads(payload)
        )


def _alternation(guideline: Guideline) -> re.Pattern[str] | None:
    parts = [rf"\b{re.escape(k.lower())}\b" for k in guideline.keywords]
    parts += [f"(?:{p})" for p in guideline.patterns]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None
