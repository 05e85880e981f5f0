"""A folder of CSV files ingested file by file on an execution backend stores exactly what the
plain streaming ingest stores: the same conversations, cleaning and masking counts, problems.

Real tweets (the Twitter customer-support sample) are grouped into conversations and spread
over four files; Dask and Ray run as real local clusters (worker processes) in the slow tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from colloquy.config import IngestSettings
from colloquy.data.loaders import ColumnMapping, get_loader
from colloquy.data.loaders.base import OnError
from colloquy.data.loaders.tabular.base import TabularLoader
from colloquy.errors import ParseError, UsageError
from colloquy.execution import ExecutionSettings, open_backend
from colloquy.execution.config import BackendName
from colloquy.pipelines.ingest import IngestResult, ingest
from colloquy.pipelines.ingest_partitions import ingest_partitioned
from colloquy.storage import Store

MAPPING = ["conversation_id=thread", "turn_order=seq", "speaker=role", "text=text"]


@pytest.fixture(scope="module")
def folder(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tweets = pd.read_csv(datasets_dir / "twitter_support" / "twcs_first5000.csv").head(1200)
    rows = pd.DataFrame(
        {
            "thread": [f"t{i // 3:04d}" for i in range(len(tweets))],
            "seq": [i % 3 + 1 for i in range(len(tweets))],
            "role": ["customer" if inbound else "agent" for inbound in tweets["inbound"]],
            "text": tweets["text"],
        }
    )
    target = tmp_path_factory.mktemp("partitions")
    for part, start in enumerate(range(0, len(rows), 300)):
        rows.iloc[start : start + 300].to_csv(target / f"part-{part}.csv", index=False)
    return target


def _loader(on_error: OnError = "fail") -> TabularLoader:
    loader = get_loader("csv", on_error=on_error, mapping=ColumnMapping.from_pairs(MAPPING))
    assert isinstance(loader, TabularLoader)
    return loader


def _stored(store: Store, dataset: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    return sorted(
        (c.id, tuple((t.speaker.value, t.text) for t in c.turns))
        for c in store.conversations(dataset)
    )


def _row_problems(result: IngestResult) -> list[str]:
    """Problems other than ids repeated across files: the streaming ingest names each row of
    a repeated conversation, the partitioned one the conversation once (its file, no line)."""
    return [str(p) for p in result.load.problems if "already read from" not in p.message]


def _same(store: Store, plain: IngestResult, spread: IngestResult, *, counts: bool = True) -> None:
    assert _stored(store, spread.dataset) == _stored(store, plain.dataset)
    assert (spread.stored.received, spread.stored.turns) == (
        plain.stored.received,
        plain.stored.turns,
    )
    if counts:
        assert spread.cleaning == plain.cleaning
        assert spread.pii == plain.pii
    assert _row_problems(spread) == _row_problems(plain)
    assert spread.load.files == plain.load.files
    assert (spread.load.conversations, spread.load.turns) == (
        plain.load.conversations,
        plain.load.turns,
    )


def test_the_local_backend_stores_what_the_streaming_ingest_stores(
    store: Store, folder: Path
) -> None:
    plain = ingest(store, _loader(), folder, dataset="plain")
    with open_backend(ExecutionSettings(backend="local")) as backend:
        spread = ingest_partitioned(
            store,
            _loader(),
            folder,
            dataset="spread",
            backend=backend,
        )
    assert plain.stored.inserted == 400
    assert plain.pii is not None
    assert sum(plain.pii["counts"].values()) > 0
    assert plain.cleaning is not None
    assert plain.cleaning["changed_counts"]["html_entities"] > 0
    _same(store, plain, spread)
    [record] = store.dataset("spread").params["ingests"]
    assert record["partitions"] == 4
    assert record["execution"].startswith("local")
    assert record["pii"] == plain.pii


def test_switches_are_honoured(store: Store, folder: Path) -> None:
    settings = IngestSettings(clean=False, mask_pii=False)
    with open_backend(ExecutionSettings(backend="local")) as backend:
        raw = ingest_partitioned(
            store,
            _loader(),
            folder,
            dataset="raw",
            backend=backend,
            settings=settings,
        )
    assert raw.cleaning is None
    assert raw.pii is None
    texts = [t.text for c in store.conversations("raw") for t in c.turns]
    assert any("&amp;" in text for text in texts)


@pytest.fixture
def broken(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "broken"
    target.mkdir()
    for file in sorted(folder.glob("*.csv"))[:2]:
        (target / file.name).write_bytes(file.read_bytes())
    lines = (target / "part-1.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(5, "t9999,x,customer,a turn whose order is not a number\n")
    (target / "part-1.csv").write_text("".join(lines), encoding="utf-8")
    again = pd.read_csv(folder / "part-0.csv").head(3)
    again.to_csv(target / "part-2.csv", index=False)
    return target


def test_row_problems_and_repeated_ids_fail_as_the_streaming_ingest_fails(
    store: Store, broken: Path
) -> None:
    with pytest.raises(ParseError) as plain:
        ingest(store, _loader(), broken, dataset="plain")
    with (
        open_backend(ExecutionSettings(backend="local")) as backend,
        pytest.raises(ParseError) as spread,
    ):
        ingest_partitioned(
            store,
            _loader(),
            broken,
            dataset="spread",
            backend=backend,
        )
    assert str(spread.value) == str(plain.value)
    assert spread.value.path == plain.value.path
    assert "part-1.csv" in str(spread.value)
    assert store.datasets() == []


def test_under_skip_the_same_rows_and_conversations_are_left_out(
    store: Store, broken: Path
) -> None:
    plain = ingest(store, _loader("skip"), broken, dataset="plain")
    with open_backend(ExecutionSettings(backend="local")) as backend:
        spread = ingest_partitioned(
            store,
            _loader("skip"),
            broken,
            dataset="spread",
            backend=backend,
        )
    assert len(_row_problems(plain)) == 1
    repeated = [p for p in spread.load.problems if "already read from" in p.message]
    assert [(Path(p.path).name, p.line) for p in repeated] == [("part-2.csv", None)]
    assert "conversation 't0000' was already read from" in repeated[0].message
    _same(store, plain, spread, counts=False)
    assert plain.cleaning is not None
    assert spread.cleaning is not None
    assert spread.cleaning["conversations"] == plain.cleaning["conversations"] + 1


def test_a_sql_source_cannot_be_partitioned(store: Store, tmp_path: Path) -> None:
    loader = get_loader("sql", mapping=ColumnMapping.from_pairs(MAPPING))
    with (
        open_backend(ExecutionSettings(backend="local")) as backend,
        pytest.raises(UsageError, match="cannot be partitioned"),
    ):
        ingest_partitioned(
            store,
            loader,
            tmp_path / "chats.db",
            dataset="sql",
            backend=backend,
        )


def test_the_cli_spreads_a_folder_and_refuses_what_it_cannot(folder: Path, tmp_path: Path) -> None:
    env = {**os.environ, "COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    mapping = [arg for pair in MAPPING for arg in ("--map", pair)]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "colloquy", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )

    done = cli(
        "data",
        "ingest",
        "csv",
        str(folder),
        *mapping,
        "--execution",
        "local",
        "--dataset",
        "tweets",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    assert '"inserted": 400' in done.stdout
    wrong = cli("data", "ingest", "banking77", str(folder), "--execution", "dask")
    assert wrong.returncode != 0
    assert "banking77 cannot be partitioned" in wrong.stderr
    unknown = cli("data", "ingest", "csv", str(folder), *mapping, "--execution", "spark")
    assert unknown.returncode != 0
    assert "unknown --execution 'spark'" in unknown.stderr


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["dask", "ray"])
def test_dask_and_ray_workers_store_what_the_streaming_ingest_stores(
    store: Store, folder: Path, backend: BackendName
) -> None:
    plain = ingest(store, _loader(), folder, dataset="plain")
    with open_backend(ExecutionSettings(backend=backend, workers=2)) as running:
        spread = ingest_partitioned(
            store,
            _loader(),
            folder,
            dataset="spread",
            backend=running,
        )
    _same(store, plain, spread)
    assert store.dataset("spread").params["ingests"][0]["execution"].startswith(backend)
