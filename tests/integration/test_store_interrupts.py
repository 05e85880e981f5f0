"""An ingest killed halfway (``kill -9`` or SIGTERM) leaves the store as it was.

The ingest runs in a child process that has already written several batches inside its
transaction when the signal comes; afterwards the store holds exactly what it held before,
and the same ingest run again completes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from colloquy.storage import Store

from .test_store import make_conversation

_CHILD = """
import sys, time
from pathlib import Path
from colloquy.storage import Store
from tests.integration.test_store import make_conversation

url, marker = sys.argv[1], Path(sys.argv[2])

def stream():
    for i in range(1, 10_000):
        if i == 200:
            marker.write_text("inside")
        if i >= 200:
            time.sleep(0.05)
        yield make_conversation(i)

with Store.open(url, batch_size=50) as store:
    store.ingest(dataset="d1", source="test", conversations=stream())
"""

_REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill -9", "SIGTERM"])
def test_killed_ingest_leaves_the_store_unchanged(
    store_url: str, tmp_path: Path, sig: signal.Signals
) -> None:
    with Store.open(store_url) as store:
        store.ingest(dataset="d1", source="test", conversations=[make_conversation(0)])
        before = [(d.name, d.conversations, d.turns) for d in store.datasets()]
    marker = tmp_path / "inside"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, store_url, str(marker)],
        cwd=_REPO,
        env={**os.environ, "PYTHONPATH": str(_REPO)},
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the ingest ended before it was interrupted"
            assert time.monotonic() < deadline, "the ingest never got going"
            time.sleep(0.05)
        child.send_signal(sig)
        assert child.wait(60) == -sig
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with Store.open(store_url) as store:
        assert [(d.name, d.conversations, d.turns) for d in store.datasets()] == before
        report = store.ingest(
            dataset="d1", source="test", conversations=[make_conversation(i) for i in range(5)]
        )
        assert (report.inserted, report.duplicates) == (4, 1)
