"""Prometheus metrics and a cost estimate for LLM calls.

Latency, tokens and money are what an LLM feature costs, and all three vary by backend,
model and prompt, so every counter carries those labels. The metrics live in a registry
the caller passes (the API app's, say), never the global one, so two apps in one process
do not mix their numbers. Prices are the caller's: providers change them, and a local
model costs no money per token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram

from colloquy.llm.records import PromptRef, Usage

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160)


@dataclass(frozen=True, slots=True)
class TokenPrice:
    """US dollars per million prompt and completion tokens."""

    prompt_per_million: float
    completion_per_million: float

    def cost(self, usage: Usage) -> float:
        return (
            usage.prompt_tokens * self.prompt_per_million
            + usage.completion_tokens * self.completion_per_million
        ) / 1_000_000


@dataclass(frozen=True)
class LLMMetrics:
    """``llm_calls_total``, ``llm_tokens_total``, ``llm_cost_usd_total``, ``llm_call_seconds``."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    calls: Counter = field(init=False)
    tokens: Counter = field(init=False)
    cost: Counter = field(init=False)
    latency: Histogram = field(init=False)

    def __post_init__(self) -> None:
        labels = ("backend", "model", "prompt")
        setter = object.__setattr__
        setter(
            self,
            "calls",
            Counter(
                "llm_calls",
                "LLM calls by backend, model, prompt and whether the cache answered.",
                (*labels, "cached"),
                registry=self.registry,
            ),
        )
        setter(
            self,
            "tokens",
            Counter(
                "llm_tokens",
                "Tokens spent (kind: prompt or completion).",
                (*labels, "kind"),
                registry=self.registry,
            ),
        )
        setter(
            self,
            "cost",
            Counter(
                "llm_cost_usd", "Estimated cost in US dollars.", labels, registry=self.registry
            ),
        )
        setter(
            self,
            "latency",
            Histogram(
                "llm_call_seconds",
                "Wall time of one LLM call (cache hits excluded).",
                labels,
                buckets=LATENCY_BUCKETS,
                registry=self.registry,
            ),
        )

    def observe(
        self,
        *,
        backend: str,
        model: str,
        prompt: PromptRef | None,
        usage: Usage,
        cached: bool,
        cost_usd: float | None,
    ) -> None:
        name = f"{prompt.name}@{prompt.version}" if prompt is not None else ""
        self.calls.labels(backend, model, name, str(cached).lower()).inc()
        self.tokens.labels(backend, model, name, "prompt").inc(usage.prompt_tokens)
        self.tokens.labels(backend, model, name, "completion").inc(usage.completion_tokens)
        if cost_usd:
            self.cost.labels(backend, model, name).inc(cost_usd)
        if not cached:
            self.latency.labels(backend, model, name).observe(usage.latency_s)


__all__ = ["LATENCY_BUCKETS", "LLMMetrics", "TokenPrice"]
