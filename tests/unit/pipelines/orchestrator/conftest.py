"""A small real intent dataset (four BANKING77 intents) and a plug-in module of test
components, importable by dotted path from a folder put on ``sys.path``."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

INTENTS = ["card_arrival", "lost_or_stolen_card", "exchange_rate", "pin_blocked"]

PLUGINS = '''
"""Test components (a real module imported by dotted path, as a user's would be)."""
from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from colloquy.errors import DataError
from colloquy.pipelines.components import Component, StageOutput
from colloquy.pipelines.orchestrator import TransientError


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    counter: str = ""
    fail_times: int = 0
    error: str = "transient"


class Flaky(Component):
    """Fails ``fail_times`` times (counted in a file), then passes the rows on."""

    stage = "clean"
    params_model = Params
    requires = ("rows",)
    provides = ("rows",)

    def run(self, context, inputs):
        params = context.typed(Params)
        counter = Path(params.counter)
        seen = int(counter.read_text()) if counter.exists() else 0
        counter.write_text(str(seen + 1))
        if seen < params.fail_times:
            if params.error == "transient":
                raise TransientError("the database is busy")
            if params.error == "data":
                raise DataError("row 3 has no text", hint="drop the row or give it a text")
            raise ZeroDivisionError("division by zero")
        shutil.copyfile(inputs.directory("rows") / "rows.parquet", context.output / "rows.parquet")
        return StageOutput(metrics={"attempt": float(seen + 1)})
'''


@pytest.fixture(scope="session")
def intent_files(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("intent-data")
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    train[train["category"].isin(INTENTS)].groupby("category").head(30).to_csv(
        folder / "train.csv", index=False
    )
    test[test["category"].isin(INTENTS)].groupby("category").head(15).to_csv(
        folder / "test.csv", index=False
    )
    return folder


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The module name of the test components, importable for this test."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    name = f"pipeline_plugins_{abs(hash(str(tmp_path))) % 10**8}"
    (folder / f"{name}.py").write_text(PLUGINS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    return name


PIPELINE = """\
name: small-intent
task: intent
seed: 1
data:
  path: {data}/train.csv
  test_path: {data}/test.csv
  text_column: text
  label_column: category
stages:
  ingest: {{}}
{clean}  split: {{params: {{validation_fraction: 0.2}}}}
  train: {{params: {{method: tfidf, C: {C}}}}}
  evaluate: {{}}
tracking: {{enabled: false}}
retries: {{attempts: 3, backoff_seconds: 0.5, max_backoff_seconds: 0.75}}
"""


@pytest.fixture
def write_pipeline(tmp_path: Path, intent_files: Path) -> Callable[..., Path]:
    """``write_pipeline(C=10.0, clean="")``: a small tfidf intent pipeline file."""

    def write(*, C: float = 10.0, clean: str = "", name: str = "pipeline.yaml") -> Path:  # noqa: N803
        path = tmp_path / name
        body = PIPELINE.format(data=intent_files, C=C, clean=textwrap.indent(clean, "  "))
        path.write_text(body, encoding="utf-8")
        return path

    return write
