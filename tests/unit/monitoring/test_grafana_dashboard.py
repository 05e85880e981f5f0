"""The shipped Grafana dashboard only queries metrics that colloquy really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine

from colloquy.agent.engine.metrics import AgentMetrics
from colloquy.agent.tools.metrics import ToolMetrics
from colloquy.llm.metrics import LLMMetrics
from colloquy.monitoring.metrics import MonitorMetrics, install_health_collectors
from colloquy.services.api.metrics import ApiMetrics
from colloquy.storage import Store

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "colloquy.json"
_NAME = re.compile(r"\b([a-z_][a-z0-9_]*)\s*(?:\{|\[)")
_PROMQL = {"rate", "increase", "sum", "min", "max", "by", "histogram_quantile", "clamp_min"}


def _exported(tmp_path: Path) -> set[str]:
    url = f"sqlite:///{tmp_path / 's.db'}"
    Store.open(url).close()
    monitor = MonitorMetrics.create()
    engine = create_engine(url)
    install_health_collectors(monitor.registry, engine, ttl=0)
    agent = CollectorRegistry()
    AgentMetrics(agent)
    ToolMetrics(agent)
    registries: list[CollectorRegistry] = [
        agent,
        ApiMetrics.create().registry,
        LLMMetrics().registry,
        monitor.registry,
    ]
    names: set[str] = set()
    for registry in registries:
        for family in registry.collect():
            names.add(family.name)
            names.update(sample.name for sample in family.samples)
            if family.type in {"counter", "histogram"}:
                names.update({family.name + "_total", family.name + "_bucket"})
    engine.dispose()
    return names


def test_every_queried_metric_is_exported(tmp_path: Path) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 20
    queried = {m for expr in exprs for m in _NAME.findall(expr)} - _PROMQL
    missing = queried - _exported(tmp_path)
    assert not missing, f"dashboard queries metrics nobody exports: {sorted(missing)}"
    for required in ("http_requests_total", "model_inference_seconds_bucket", "llm_calls_total"):
        assert required in queried
