"""A small demo store built the way a user builds one: the real ingest and analysis.

Slices of three real datasets (``$COLLOQUY_DATA_DIR``, default ``../shared/datasets``):
Twitter support threads (dates, brands, sentiment), SGD dialogues (annotated states, so
a flow and failure points per step) and CraigslistBargain negotiations (deal outcomes).
A drift metric file, one firing alert and three audited agent sessions (recorded the way the
engine records a claim inquiry) give the Monitoring and Agent pages content.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from colloquy.services.cli.main import main

TWITTER_ROWS = 600
SGD_FILE = "dialogues_001.json"
SGD_DIALOGUES = 40
CRAIGSLIST_DIALOGUES = 40
FULL = "DASHBOARD_DEMO_FULL"
"""Set to 1 to build the store from the whole files instead (the benchmark's "full demo
data": every twitter_support row, all SGD dev dialogues, every CraigslistBargain dev deal)."""


def datasets_dir() -> Path:
    """Where the public datasets lie (the project's data-location contract)."""
    configured = os.environ.get("COLLOQUY_DATA_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[4] / "shared" / "datasets"


@contextmanager
def _home(home: Path) -> Iterator[None]:
    saved = os.environ.get("COLLOQUY_HOME")
    os.environ["COLLOQUY_HOME"] = str(home)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("COLLOQUY_HOME", None)
        else:
            os.environ["COLLOQUY_HOME"] = saved


def _slices(source: Path, out: Path) -> dict[str, Path]:
    full = os.environ.get(FULL) == "1"
    twitter = out / "twitter_support"
    twitter.mkdir(parents=True)
    lines = (source / "twitter_support" / "twcs_first5000.csv").read_text(encoding="utf-8")
    head = lines.splitlines(keepends=True)[: None if full else TWITTER_ROWS + 1]
    (twitter / "twcs_first5000.csv").write_text("".join(head), encoding="utf-8")
    sgd = out / "sgd" / "dev"
    sgd.mkdir(parents=True)
    shutil.copy(source / "sgd" / "dev" / "schema.json", sgd / "schema.json")
    dev = source / "sgd" / "dev"
    files = sorted(dev.glob("dialogues_*.json")) if full else [dev / SGD_FILE]
    for file in files:
        dialogues = json.loads(file.read_text(encoding="utf-8"))
        kept = dialogues if full else dialogues[:SGD_DIALOGUES]
        (sgd / file.name).write_text(json.dumps(kept), encoding="utf-8")
    craigslist = out / "craigslist_bargain"
    craigslist.mkdir(parents=True)
    deals = json.loads((source / "craigslist_bargain" / "dev.json").read_text(encoding="utf-8"))
    (craigslist / "dev.json").write_text(
        json.dumps(deals if full else deals[:CRAIGSLIST_DIALOGUES]), encoding="utf-8"
    )
    return {"twitter": twitter, "sgd": out / "sgd", "craigslist_bargain": craigslist}


def _drift_points(path: Path) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as handle:
        for day in range(5):
            at = (start + timedelta(days=day)).isoformat()
            for metric, value in (
                ("drift.baseline.share", 0.1 * day),
                ("drift.baseline.feature.n_turns.statistic", 0.05 * day),
                ("drift.baseline.feature.n_turns.drifted", float(day >= 3)),
                ("drift.baseline.feature.channel.statistic", 0.01),
                ("drift.baseline.feature.channel.drifted", 0.0),
            ):
                handle.write(json.dumps({"metric": metric, "at": at, "value": value}) + "\n")


def _alert_and_sessions(home: Path) -> None:
    from tests.integration.test_agent_audit_log import record_claim_inquiry

    from colloquy.agent.audit import AuditLog
    from colloquy.storage import Store
    from colloquy.storage.alerts import AlertRepository

    with Store.open(f"sqlite:///{home / 'colloquy.db'}") as store:
        audit = AuditLog(store)
        record_claim_inquiry(audit, "demo-claim-1")
        record_claim_inquiry(audit, "demo-claim-2")
        audit.start("demo-open", "api")
        AlertRepository(store).create(
            rule="drift-share",
            group_key="baseline",
            metric="drift.baseline.share",
            severity="warning",
            value=0.4,
            threshold=0.3,
            at=datetime(2026, 11, 5, tzinfo=UTC),
        )


def build_demo_home(home: Path, work: Path) -> None:
    """Ingest and analyse the slices into ``home`` (its SQLite store), add drift and an alert."""
    slices = _slices(datasets_dir(), work)
    with _home(home):
        for source, name in (
            ("twitter_support", "twitter"),
            ("sgd", "sgd"),
            ("craigslist_bargain", "craigslist_bargain"),
        ):
            # The twitter_support file has a malformed row further down; skip what cannot be read.
            skip = ["--on-error", "skip"] if name == "twitter" else []
            code = main(["data", "ingest", source, str(slices[name]), "--dataset", name, *skip])
            assert code == 0, f"ingest {name} failed"
            code = main(
                ["analyze", name, "--format", "json", "--output", str(work / f"{name}.json")]
            )
            assert code == 0, f"analyze {name} failed"
    _drift_points(home / "drift-metrics.jsonl")
    _alert_and_sessions(home)
