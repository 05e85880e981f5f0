"""Prometheus metrics, one registry per app.

Each app owns a :class:`~prometheus_client.CollectorRegistry` rather than using the global
one, so a test process can build many apps and every ``/metrics`` page shows only its own
app. With several uvicorn workers each process counts its own requests; scrape each or put
them behind one load balancer that a scraper samples over time.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass(frozen=True)
class ApiMetrics:
    """The app's metric objects; label names are in each metric's help."""

    registry: CollectorRegistry
    requests: Counter
    """``http_requests_total{method, route, status}``; route is the path template."""
    latency: Histogram
    """``http_request_duration_seconds{method, route, status}``."""
    model_inference: Histogram
    """``model_inference_seconds{kind, model}``: one call into a model, batch or single."""
    cache_hits: Counter
    """``cache_hits_total{cache}``."""
    cache_misses: Counter
    """``cache_misses_total{cache}``."""
    jobs: Gauge
    """``jobs{state}``: training and ingest jobs by state."""
    rate_limit_rejections: Counter
    """``rate_limit_rejections_total{scope}``: requests answered 429."""

    @classmethod
    def create(cls) -> ApiMetrics:
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            requests=Counter(
                "http_requests",
                "HTTP requests by method, route template and status.",
                ("method", "route", "status"),
                registry=registry,
            ),
            latency=Histogram(
                "http_request_duration_seconds",
                "Time from request to the end of the response, by route template.",
                ("method", "route", "status"),
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            model_inference=Histogram(
                "model_inference_seconds",
                "Time spent in one model call (kind: intent, conversion ...).",
                ("kind", "model"),
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            cache_hits=Counter("cache_hits", "Response cache hits.", ("cache",), registry=registry),
            cache_misses=Counter(
                "cache_misses", "Response cache misses.", ("cache",), registry=registry
            ),
            jobs=Gauge("jobs", "Jobs by state.", ("state",), registry=registry),
            rate_limit_rejections=Counter(
                "rate_limit_rejections",
                "Requests refused with 429 by the per-key rate limit.",
                ("scope",),
                registry=registry,
            ),
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


def metrics_of(app_or_request: FastAPI | Request) -> ApiMetrics:
    """The metrics of the app serving ``app_or_request``."""
    app = app_or_request.app if isinstance(app_or_request, Request) else app_or_request
    metrics = getattr(app.state, "metrics", None)
    if not isinstance(metrics, ApiMetrics):
        raise RuntimeError("the app has no metrics: build it with create_app")
    return metrics
